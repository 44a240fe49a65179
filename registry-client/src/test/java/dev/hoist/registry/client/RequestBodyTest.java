package dev.hoist.registry.client;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RequestBody} written by {@link PlainHttp}, and adapted for the JDK's client, carries the same bytes. */
class RequestBodyTest {
    @TempDir
    Path dir;

    private static final Descriptor BLOB = new Descriptor("application/octet-stream", Digest.sha256(new byte[0]), 700_000);

    /** Records the progress a body reports. */
    private static final class Recorder implements ProgressListener {
        final List<Long> done = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void progress(Descriptor blob, long n) {
            assertEquals(BLOB, blob);
            done.add(n);
        }
    }

    private Path file(byte[] content) throws IOException {
        Path f = dir.resolve("blob");
        Files.write(f, content);
        return f;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(3).nextBytes(b);
        return b;
    }

    @Test
    void aFileRangeWritesItsBytesInBuffersAndReportsHowFarIntoTheBlob() throws IOException {
        byte[] content = random(700_000);
        Recorder progress = new Recorder();
        RequestBody body = RequestBody.file(file(content), 1000, 600_000, progress, BLOB);
        assertEquals(600_000, body.length());
        for (int round = 0; round < 2; round++) { // written afresh each time, as a retried request is
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            body.writeTo(out);
            assertArrayEquals(Arrays.copyOfRange(content, 1000, 601_000), out.toByteArray());
        }
        assertEquals(List.of(1000L + 262_144, 1000L + 524_288, 601_000L), progress.done.subList(0, 3));
    }

    @Test
    void aFileShorterThanItsRangeFails() throws IOException {
        RequestBody body = RequestBody.file(file(new byte[10]), 5, 10, ProgressListener.NONE, BLOB);
        IOException e = assertThrows(IOException.class, () -> body.writeTo(OutputStream.nullOutputStream()));
        assertTrue(e.getMessage().contains("ended before 15 bytes"), e.getMessage());
    }

    @Test
    void bytesAndFileRangesGoThroughPlainHttpWithTheirLength() throws Exception {
        byte[] content = random(300_000);
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            Thread t = answer(server, requests, 2);
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            http.send("PUT", base.resolve("/m"), Map.of(), RequestBody.of("{}".getBytes(StandardCharsets.UTF_8)), null).close();
            http.send("PATCH", base.resolve("/b"), Map.of(),
                    RequestBody.file(file(content), 100, 250_000, ProgressListener.NONE, BLOB), null).close();
            t.join(5000);
        }
        assertEquals(2, requests.size(), requests.toString());
        assertTrue(requests.get(0).startsWith("PUT /m HTTP/1.1\r\n") && requests.get(0).contains("\r\nContent-Length: 2\r\n")
                && requests.get(0).endsWith("\r\n\r\n{}"), requests.get(0));
        assertTrue(requests.get(1).contains("\r\nContent-Length: 250000\r\n"), requests.get(1));
        assertTrue(requests.get(1).endsWith("\r\n\r\n" + new String(content, 100, 250_000, StandardCharsets.ISO_8859_1)));
    }

    @Test
    void bytesAndFileRangesGoThroughTheJdkClientWithTheirLength() throws Exception {
        byte[] content = random(300_000);
        Recorder progress = new Recorder();
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread t = answer(server, requests, 2);
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            RequestBody bytes = RequestBody.of("{}".getBytes(StandardCharsets.UTF_8));
            assertEquals(2, bytes.publisher().contentLength());
            assertEquals(201, client.send(HttpRequest.newBuilder(base.resolve("/m")).PUT(bytes.publisher()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            RequestBody range = RequestBody.file(file(content), 100, 250_000, progress, BLOB);
            assertEquals(250_000, range.publisher().contentLength());
            assertEquals(201, client.send(HttpRequest.newBuilder(base.resolve("/b")).method("PATCH", range.publisher()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            t.join(5000);
        }
        assertEquals(2, requests.size(), requests.toString());
        assertTrue(requests.get(0).startsWith("PUT /m HTTP/1.1\r\n") && requests.get(0).toLowerCase().contains("\r\ncontent-length: 2\r\n")
                && requests.get(0).endsWith("\r\n\r\n{}"), requests.get(0));
        assertTrue(requests.get(1).toLowerCase().contains("\r\ncontent-length: 250000\r\n"), requests.get(1));
        assertTrue(requests.get(1).endsWith("\r\n\r\n" + new String(content, 100, 250_000, StandardCharsets.ISO_8859_1)));
        assertEquals(100L + 250_000, progress.done.get(progress.done.size() - 1));
    }

    /** Answers {@code count} requests on one connection with 201, recording each head and body. */
    private static Thread answer(ServerSocket server, List<String> requests, int count) {
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < count; i++) {
                    requests.add(readRequest(in));
                    out.write("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException ignored) {
                // the assertions tell
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String readRequest(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            sb.append((char) b);
        }
        for (String line : sb.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                int n = Integer.parseInt(line.substring(15).trim());
                sb.append(new String(in.readNBytes(n), StandardCharsets.ISO_8859_1));
            }
        }
        return sb.toString();
    }
}
