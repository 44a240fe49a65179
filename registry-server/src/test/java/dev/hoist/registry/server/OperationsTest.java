package dev.hoist.registry.server;

import dev.hoist.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Graceful shutdown, the access log, limits, scheduled maintenance. */
class OperationsTest {
    @TempDir
    Path dir;

    @Test
    void shutdownFinishesUploadsInFlight() throws Exception {
        Path log = dir.resolve("logs/access.log");
        RegistryConfig c = TestRegistry.config(dir, Map.of("accessLog", log.toString()));
        TestRegistry reg = new TestRegistry(c);
        HttpResponse<byte[]> start = reg.send(reg.req("/v2/app/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()).build());
        String location = start.headers().firstValue("Location").orElseThrow();
        byte[] first = "first half ".getBytes(StandardCharsets.UTF_8);
        byte[] second = "second half".getBytes(StandardCharsets.UTF_8);
        try (Socket sock = new Socket(reg.base.getHost(), reg.base.getPort())) {
            sock.setSoTimeout(30_000);
            OutputStream out = sock.getOutputStream();
            out.write(("PATCH " + location + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + (first.length + second.length)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(first);
            out.flush();
            // Wait until the upload is being served.
            while (!TestRegistry.body(reg.get("/metrics")).contains("hoist_registry_http_requests_in_flight 2")) {
                Thread.sleep(20);
            }
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                try {
                    reg.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // New requests are refused while the upload goes on.
            HttpResponse<byte[]> refused = null;
            for (int i = 0; i < 500; i++) {
                try {
                    refused = reg.get("/v2/");
                } catch (IOException e) {
                    break; // the listener is already closed
                }
                if (refused.statusCode() == 503) {
                    break;
                }
                Thread.sleep(10);
            }
            assertTrue(refused == null || refused.statusCode() == 503 || refused.statusCode() == 200);
            out.write(second);
            out.flush();
            String status = new String(sock.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 202", status);
            closing.get(30, TimeUnit.SECONDS);
        }

        try (TestRegistry again = new TestRegistry(c)) {
            Digest d = Digest.sha256("first half second half");
            assertEquals(201, again.send(again.req(location + "?digest=" + d).PUT(HttpRequest.BodyPublishers.noBody()).build()).statusCode());
        }
        String lines = Files.readString(log);
        assertTrue(lines.contains("\"PATCH " + location + " HTTP/1.1\" 202"), lines);
        assertTrue(lines.contains("\"POST /v2/app/blobs/uploads/ HTTP/1.1\" 202"), lines);
    }

    @Test
    void blobSizeLimit() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir, Map.of("limits.maxBlobSize", "1KiB"))) {
            byte[] big = new byte[2048];
            HttpResponse<byte[]> r = reg.send(reg.req("/v2/app/blobs/uploads/?digest=" + Digest.sha256(big))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
            DistributionApiTest.assertError(r, 413, "SIZE_INVALID");
            assertEquals(201, reg.send(reg.req("/v2/app/blobs/uploads/?digest=" + Digest.sha256(new byte[1024]))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build()).statusCode());
        }
    }

    @Test
    void slowClientsAreCutOff() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir, Map.of("limits.requestParseTimeout", "1s", "limits.idleTimeout", "2s"))) {
            // Headers that never end.
            try (Socket sock = new Socket(reg.base.getHost(), reg.base.getPort())) {
                sock.setSoTimeout(30_000);
                sock.getOutputStream().write("GET /v2/ HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                sock.getOutputStream().flush();
                assertEquals(-1, sock.getInputStream().read(), "the server closes the connection");
            }
            // A body that stops arriving: the upload keeps what arrived.
            HttpResponse<byte[]> start = reg.send(reg.req("/v2/app/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()).build());
            String location = start.headers().firstValue("Location").orElseThrow();
            try (Socket sock = new Socket(reg.base.getHost(), reg.base.getPort())) {
                sock.setSoTimeout(30_000);
                sock.getOutputStream().write(("PATCH " + location + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
                        .getBytes(StandardCharsets.US_ASCII));
                sock.getOutputStream().flush();
                byte[] rest = sock.getInputStream().readAllBytes();
                String answer = new String(rest, StandardCharsets.US_ASCII);
                assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 400"), answer);
            }
            assertEquals("0-2", DistributionApiTest.awaitRange(reg, location, "0-2"), "the upload keeps what arrived");
        }
    }

    @Test
    void stalledUploadsDoNotStarveOtherRequests() throws Exception {
        int stalled = 100; // more than the 64 worker threads, and than the 64 body threads
        try (TestRegistry reg = new TestRegistry(dir)) {
            reg.pushImage("app", "v1", "served while uploads stall");
            List<Socket> sockets = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < stalled; i++) {
                    Socket sock = new Socket(reg.base.getHost(), reg.base.getPort());
                    sockets.add(sock);
                    // A monolithic upload that sends 10 of its 1000 bytes, then nothing.
                    sock.getOutputStream().write(("POST /v2/app/blobs/uploads/?digest=" + Digest.sha256("x" + i)
                            + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789").getBytes(StandardCharsets.US_ASCII));
                    sock.getOutputStream().flush();
                }
                String inFlight = "hoist_registry_http_requests_in_flight " + (stalled + 1);
                for (int i = 0; i < 500 && !TestRegistry.body(reg.get("/metrics")).contains(inFlight); i++) {
                    Thread.sleep(20);
                }
                assertTrue(TestRegistry.body(reg.get("/metrics")).contains(inFlight), "all the uploads are being served or queued");
                for (int i = 0; i < 20; i++) {
                    long t0 = System.nanoTime();
                    HttpResponse<byte[]> m = reg.send(reg.req("/v2/app/manifests/v1").timeout(java.time.Duration.ofSeconds(5)).GET().build());
                    assertEquals(200, m.statusCode());
                    HttpResponse<byte[]> tags = reg.send(reg.req("/v2/app/tags/list").timeout(java.time.Duration.ofSeconds(5)).GET().build());
                    assertEquals(200, tags.statusCode());
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertTrue(ms < 2000, "a manifest and a tag list took " + ms + " ms with " + stalled + " uploads stalled");
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            // The stalled uploads gone, the body threads take uploads again.
            reg.pushBlob("app", "an upload after the stalled ones".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void scheduledMaintenanceExpiresStaleUploads() throws Exception {
        RegistryConfig c = TestRegistry.config(dir, Map.of("uploads.ttl", "1s", "gc.interval", "1s", "gc.grace", "0s"));
        try (LogCapture log = new LogCapture(RegistryServer.class); TestRegistry reg = new TestRegistry(c)) {
            HttpResponse<byte[]> start = reg.send(reg.req("/v2/app/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()).build());
            String location = start.headers().firstValue("Location").orElseThrow();
            Digest orphan = reg.pushBlob("app", "orphan".getBytes(StandardCharsets.UTF_8));
            // The scheduled gc ends the stale session and removes the orphan blob; a client asks for the session's
            // status meanwhile, as clients do.
            long began = System.nanoTime();
            long deadline = began + TimeUnit.SECONDS.toNanos(30);
            int session;
            int blob = -1;
            while ((session = reg.get(location).statusCode()) != 404 || (blob = reg.head("/v2/app/blobs/" + orphan).statusCode()) != 404) {
                if (System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(10);
            }
            String what = " after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began) + " ms; the registry logged " + log;
            assertEquals(404, session, "the stale upload session still answers" + what);
            assertEquals(404, blob, "the orphan blob is still there" + what);
        }
    }

    @Test
    void aMaintenanceRunThatThrowsDoesNotEndItsSchedule() throws Exception {
        // scheduleWithFixedDelay cancels a task for good when a run throws, an Error as much as an exception.
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch fourRuns = new CountDownLatch(4);
        try (LogCapture log = new LogCapture(RegistryServer.class)) {
            scheduler.scheduleWithFixedDelay(RegistryServer.keepScheduled("the test job", () -> {
                int n = runs.incrementAndGet();
                fourRuns.countDown();
                if (n == 1) {
                    throw new StackOverflowError("injected");
                }
                if (n == 2) {
                    throw new IOException("injected");
                }
            }), 0, 10, TimeUnit.MILLISECONDS);
            assertTrue(fourRuns.await(30, TimeUnit.SECONDS), "ran " + runs.get() + " times; logged " + log);
            List<LogRecord> failures = log.records().stream().filter(r -> r.getMessage().equals("the test job failed")).toList();
            assertEquals(2, failures.size(), log.toString());
            assertEquals(Level.SEVERE, failures.get(0).getLevel());
            assertTrue(failures.get(0).getThrown() instanceof StackOverflowError, log.toString());
            assertEquals(Level.WARNING, failures.get(1).getLevel());
            assertTrue(failures.get(1).getThrown() instanceof IOException, log.toString());
        } finally {
            scheduler.shutdownNow();
        }
    }
}
