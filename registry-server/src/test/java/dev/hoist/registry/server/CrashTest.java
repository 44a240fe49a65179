package dev.hoist.registry.server;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A registry in a child JVM killed with SIGKILL during 50 concurrent uploads: after a restart every
 * acknowledged blob and manifest is there and verifies, nothing partial is visible, and the interrupted
 * uploads either resume or are refused cleanly.
 */
class CrashTest {
    @TempDir
    Path dir;

    record Child(Process process, URI base) {
    }

    Child startChild(Path storage) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                DevServer.class.getName(), storage.toString(), "listen=127.0.0.1:0").redirectErrorStream(true);
        Process p = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = r.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith("listening ")) {
                int port = Integer.parseInt(line.substring("listening ".length()).trim());
                Thread drain = new Thread(() -> {
                    try {
                        r.transferTo(java.io.Writer.nullWriter());
                    } catch (Exception ignored) {
                        // the child died
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return new Child(p, URI.create("http://127.0.0.1:" + port));
            }
        }
        throw new AssertionError("the child registry did not start:\n" + seen);
    }

    record Acked(String repo, Digest blob, ImageManifest manifest) {
    }

    record Interrupted(String repo, String location, byte[] data) {
    }

    @Test
    void killedDuringConcurrentUploads() throws Exception {
        Path storage = dir.resolve("registry");
        Child child = startChild(storage);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Acked> acked = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, Interrupted> interrupted = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        CountDownLatch enough = new CountDownLatch(10);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        for (int i = 0; i < 50; i++) {
            int n = i;
            pool.submit(() -> {
                String repo = "crash/r" + (n % 10);
                byte[] data = new byte[1024 * 1024 + n * 16384];
                new Random(n).nextBytes(data);
                String location = null;
                try {
                    HttpResponse<Void> s = http.send(HttpRequest.newBuilder(child.base().resolve("/v2/" + repo + "/blobs/uploads/"))
                            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
                    location = s.headers().firstValue("Location").orElseThrow();
                    interrupted.put(location, new Interrupted(repo, location, data));
                    int chunk = 32 * 1024;
                    for (int off = 0; off < data.length; off += chunk) {
                        int end = Math.min(data.length, off + chunk);
                        byte[] part = java.util.Arrays.copyOfRange(data, off, end);
                        HttpResponse<Void> p = http.send(HttpRequest.newBuilder(child.base().resolve(location))
                                .header("Content-Range", off + "-" + (end - 1))
                                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(part)).build(), HttpResponse.BodyHandlers.discarding());
                        if (p.statusCode() != 202) {
                            return null;
                        }
                    }
                    Digest d = Digest.sha256(data);
                    HttpResponse<Void> put = http.send(HttpRequest.newBuilder(child.base().resolve(location + "?digest=" + d))
                            .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
                    if (put.statusCode() != 201) {
                        return null;
                    }
                    interrupted.remove(location);
                    acked.add(new Acked(repo, d, null));
                    enough.countDown();
                    ImageManifest m = ImageManifest.builder().config(Descriptor.of(MediaTypes.OCI_CONFIG, data)).build();
                    HttpResponse<Void> mp = http.send(HttpRequest.newBuilder(child.base().resolve("/v2/" + repo + "/manifests/t" + n))
                            .header("Content-Type", MediaTypes.OCI_MANIFEST)
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(m.bytes())).build(), HttpResponse.BodyHandlers.discarding());
                    if (mp.statusCode() == 201) {
                        acked.add(new Acked(repo, d, m));
                    }
                    done.incrementAndGet();
                } catch (Exception e) {
                    // the registry was killed
                }
                return null;
            });
        }
        assertTrue(enough.await(120, TimeUnit.SECONDS), "uploads did not complete");
        child.process().destroyForcibly(); // SIGKILL
        assertTrue(child.process().waitFor(30, TimeUnit.SECONDS));
        pool.shutdown();
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        List<Acked> acknowledged = new ArrayList<>(acked);
        assertTrue(acknowledged.size() >= 10);

        // Nothing partial: every stored blob file holds exactly the bytes of its name.
        try (Stream<Path> files = Files.walk(storage.resolve("blobs"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Digest d = Digest.sha256(Files.readAllBytes(f));
                assertEquals(f.getFileName().toString(), d.hex(), "a partial blob at " + f);
            }
        }

        Child again = startChild(storage);
        try {
            TestHttp t = new TestHttp(http, again.base());
            for (Acked a : acknowledged) {
                HttpResponse<byte[]> b = t.get("/v2/" + a.repo() + "/blobs/" + a.blob());
                assertEquals(200, b.statusCode());
                assertEquals(a.blob(), Digest.sha256(b.body()));
                if (a.manifest() != null) {
                    HttpResponse<byte[]> m = t.get("/v2/" + a.repo() + "/manifests/" + a.manifest().digest());
                    assertEquals(200, m.statusCode());
                    assertArrayEquals(a.manifest().bytes(), m.body());
                }
            }
            int resumed = 0;
            for (Interrupted u : interrupted.values()) {
                HttpResponse<byte[]> st = t.get(u.location());
                if (st.statusCode() == 404) {
                    continue; // refused cleanly: the session was never created on disk
                }
                assertEquals(204, st.statusCode());
                String range = st.headers().firstValue("Range").orElseThrow();
                long offset = Long.parseLong(range.substring(range.indexOf('-') + 1)) + 1;
                if (range.equals("0-0")) {
                    offset = 0;
                }
                assertTrue(offset <= u.data().length);
                byte[] rest = java.util.Arrays.copyOfRange(u.data(), (int) offset, u.data().length);
                HttpRequest.Builder finish = HttpRequest.newBuilder(again.base().resolve(u.location() + "?digest=" + Digest.sha256(u.data())))
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(rest));
                if (rest.length > 0) {
                    finish.header("Content-Range", offset + "-" + (u.data().length - 1));
                }
                HttpResponse<byte[]> fin = http.send(finish.build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(201, fin.statusCode(), new String(fin.body(), StandardCharsets.UTF_8));
                assertArrayEquals(u.data(), t.get("/v2/" + u.repo() + "/blobs/" + Digest.sha256(u.data())).body());
                resumed++;
            }
            System.out.println("crash test: " + acknowledged.size() + " acknowledged, " + interrupted.size() + " interrupted, " + resumed + " resumed");
        } finally {
            again.process().destroy();
            again.process().waitFor(30, TimeUnit.SECONDS);
        }
    }

    record TestHttp(HttpClient http, URI base) {
        HttpResponse<byte[]> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }
}
