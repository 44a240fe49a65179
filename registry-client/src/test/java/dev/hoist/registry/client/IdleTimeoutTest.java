package dev.hoist.registry.client;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Over the JDK's client (here: through a proxy), a request fails when no bytes move for the idle timeout, not when
 * the whole exchange takes longer: a slow upload that keeps moving succeeds, a download that stalls after its
 * headers fails and is resumed. The "proxy" is a small server of this test's that answers the proxied requests.
 */
class IdleTimeoutTest {
    private static final String REGISTRY = "registry.invalid:5000";
    private static final String REPO = "test/repo";
    private static final Duration IDLE = Duration.ofSeconds(2);
    @TempDir
    Path dir;
    LocalImages images;
    ServerSocket server;
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    /** Answers one request read from a connection. */
    interface Answer {
        void answer(String requestLine, Map<String, String> headers, InputStream in, OutputStream out) throws Exception;
    }

    @BeforeEach
    void open() throws IOException {
        images = LocalImages.open(HoistRoot.at(dir));
        server = new ServerSocket();
        server.setReceiveBufferSize(64 * 1024); // so that the upload cannot vanish into the kernel's buffers at once
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void close() throws IOException {
        server.close();
    }

    private void serve(Answer answer) {
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread c = new Thread(() -> connection(s, answer));
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    private void connection(Socket s, Answer answer) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String line = line(in);
                if (line == null || line.isEmpty()) {
                    return;
                }
                Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                    int colon = h.indexOf(':');
                    headers.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
                }
                requests.add(line + (headers.containsKey("Range") ? " Range " + headers.get("Range") : ""));
                answer.answer(line, headers, in, out);
                out.flush();
            }
        } catch (Exception e) {
            // the client went away
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    private static void respond(OutputStream out, String status, String headers) throws IOException {
        out.write(("HTTP/1.1 " + status + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    private RegistryClient client(LocalImages store) {
        return RegistryClient.builder(store).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of("HTTP_PROXY", "http://127.0.0.1:" + server.getLocalPort()))
                .insecureRegistries(Set.of(REGISTRY)).uploadSizes(64 << 20, Long.MAX_VALUE)
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1))).sleeper(d -> { })
                .idleTimeout(IDLE).build();
    }

    private static Transfers transfers(RegistryClient c) throws Exception {
        var f = RegistryClient.class.getDeclaredField("transfers");
        f.setAccessible(true);
        return (Transfers) f.get(c);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(5).nextBytes(b);
        return b;
    }

    @Test
    void anUploadLongerThanTheIdleTimeoutSucceedsWhileItKeepsMoving() throws Exception {
        byte[] layer = random(32 << 20);
        Descriptor d = images.blobs().put(MediaTypes.OCI_LAYER_GZIP, layer);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        serve((line, headers, in, out) -> {
            if (line.startsWith("HEAD ")) {
                respond(out, "404 Not Found", "Content-Length: 0\r\n");
            } else if (line.startsWith("POST ")) {
                respond(out, "202 Accepted", "Location: /v2/" + REPO + "/blobs/uploads/u1\r\nContent-Length: 0\r\n");
            } else if (line.startsWith("PUT ")) {
                long left = Long.parseLong(headers.get("Content-Length"));
                byte[] buffer = new byte[256 * 1024];
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    received.write(buffer, 0, n);
                    left -= n;
                    Thread.sleep(40); // ~6 MB/s: 32 MiB take ~5 s, more than twice the idle timeout
                }
                respond(out, "201 Created", "Content-Length: 0\r\n");
            }
        });
        long start = System.nanoTime();
        try (RegistryClient c = client(images)) {
            transfers(c).pushBlob(d, Reference.parse(REGISTRY + "/" + REPO), Transfers.BlobSource.local(images.blobs()));
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(IDLE.multipliedBy(2)) > 0,
                "the upload should have taken longer than the idle timeout");
        assertArrayEquals(layer, received.toByteArray());
        assertEquals(1, requests.stream().filter(r -> r.startsWith("PUT ")).count(), "one PUT, not retried");
    }

    @Test
    void aDownloadThatStallsAfterItsHeadersTimesOutAndResumes() throws Exception {
        byte[] layer = random(1 << 20);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer);
        AtomicInteger gets = new AtomicInteger();
        serve((line, headers, in, out) -> {
            String range = headers.get("Range");
            if (gets.incrementAndGet() == 1) {
                respond(out, "200 OK", "Content-Length: " + layer.length + "\r\n");
                out.write(layer, 0, layer.length / 2);
                out.flush();
                Thread.sleep(60_000); // and then nothing
                return;
            }
            int from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
            respond(out, "206 Partial Content", "Content-Length: " + (layer.length - from) + "\r\nContent-Range: bytes "
                    + from + "-" + (layer.length - 1) + "/" + layer.length + "\r\n");
            out.write(layer, from, layer.length - from);
        });
        LocalImages fresh = LocalImages.open(HoistRoot.at(dir.resolve("fresh")));
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (RegistryClient c = client(fresh)) {
                transfers(c).fetchBlob(Reference.parse(REGISTRY + "/" + REPO), d);
            }
        });
        assertArrayEquals(layer, fresh.blobs().readAllBytes(d.digest()));
        assertEquals(2, requests.size(), String.valueOf(requests));
        assertTrue(requests.get(1).endsWith("Range bytes=" + layer.length / 2 + "-"), String.valueOf(requests));
    }

    @Test
    void aSlowDownloadThatKeepsMovingIsNotCut() throws Exception {
        byte[] layer = random(1 << 20);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer);
        serve((line, headers, in, out) -> {
            respond(out, "200 OK", "Content-Length: " + layer.length + "\r\n");
            int piece = layer.length / 8;
            for (int i = 0; i < 8; i++) {
                out.write(layer, i * piece, piece);
                out.flush();
                Thread.sleep(IDLE.toMillis() / 2); // 8 pieces: twice the idle timeout in all
            }
        });
        LocalImages fresh = LocalImages.open(HoistRoot.at(dir.resolve("fresh")));
        try (RegistryClient c = client(fresh)) {
            transfers(c).fetchBlob(Reference.parse(REGISTRY + "/" + REPO), d);
        }
        assertArrayEquals(layer, fresh.blobs().readAllBytes(d.digest()));
        assertEquals(1, requests.size(), String.valueOf(requests));
        assertTrue(requests.get(0).toLowerCase(Locale.ROOT).startsWith("get http://" + REGISTRY), requests.get(0));
    }
}
