package dev.hoist.registry.server;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 64 clients pushing and pulling at once, with an online gc in the middle: no errors. Runs a few seconds in
 * the suite; {@code HOIST_LOAD_TEST_SECONDS=60} makes it the full load test of the issue:
 * {@code HOIST_LOAD_TEST_SECONDS=60 mvn -pl registry-server -am test -Dtest=ConcurrencyTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ConcurrencyTest {
    @TempDir
    Path dir;

    static long seconds() {
        String s = System.getenv("HOIST_LOAD_TEST_SECONDS");
        return s == null || s.isBlank() ? 3 : Long.parseLong(s.trim());
    }

    @Test
    void sixtyFourClientsPushAndPull() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir, java.util.Map.of("fsync", "true"))) {
            ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
            AtomicInteger rounds = new AtomicInteger();
            long millis = seconds() * 1000;
            long until = System.nanoTime() + millis * 1_000_000L;
            ExecutorService pool = Executors.newFixedThreadPool(64);
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < 64; c++) {
                int client = c;
                fs.add(pool.submit(() -> {
                    int i = 0;
                    while (System.nanoTime() < until) {
                        String repo = "load/c" + (client % 8);
                        String tag = "t" + client + "-" + i;
                        try {
                            ImageManifest m = reg.pushImage(repo, tag, client + "/" + (i % 5));
                            HttpResponse<byte[]> g = reg.get("/v2/" + repo + "/manifests/" + tag);
                            if (g.statusCode() != 200) {
                                errors.add(tag + ": manifest " + g.statusCode());
                            } else {
                                assertArrayEquals(m.bytes(), g.body());
                            }
                            var layer = m.layers().get(0);
                            HttpResponse<byte[]> b = reg.get("/v2/" + repo + "/blobs/" + layer.digest());
                            if (b.statusCode() != 200 || !Digest.sha256(b.body()).equals(layer.digest())) {
                                errors.add(tag + ": blob " + b.statusCode());
                            }
                            rounds.incrementAndGet();
                        } catch (Throwable e) {
                            errors.add(tag + ": " + e);
                        }
                        i++;
                    }
                }));
            }
            Thread.sleep(millis / 2);
            GcReport gc = reg.server.gc(false, true);
            for (Future<?> f : fs) {
                f.get();
            }
            pool.shutdown();
            System.out.println("load test: 64 clients, " + seconds() + " s, " + rounds.get() + " push-and-pull rounds, "
                    + errors.size() + " errors; gc: " + gc.summary());
            assertEquals(List.of(), List.copyOf(errors));
            assertTrue(rounds.get() > 64, "rounds: " + rounds.get());
            assertTrue(gc.deletedBlobs().isEmpty(), "nothing was garbage: " + gc.summary());
        }
    }
}
