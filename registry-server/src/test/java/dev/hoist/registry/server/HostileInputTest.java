package dev.hoist.registry.server;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and broken input: each gets a 4xx (never a 500 or a hang), and what was stored before is unchanged.
 */
class HostileInputTest {
    @TempDir
    static Path dir;
    static TestRegistry reg;
    static ImageManifest image;

    @BeforeAll
    static void start() throws Exception {
        reg = new TestRegistry(dir);
        image = reg.pushImage("victim/app", "v1", "precious");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            // Nothing stored changed.
            HttpResponse<byte[]> m = reg.get("/v2/victim/app/manifests/v1");
            assertArrayEquals(image.bytes(), m.body());
            for (var d : List.of(image.config(), image.layers().get(0))) {
                byte[] b = reg.get("/v2/victim/app/blobs/" + d.digest()).body();
                assertEquals(d.digest(), Digest.sha256(b));
            }
            assertEquals("{\"name\":\"victim/app\",\"tags\":[\"v1\"]}", TestRegistry.body(reg.get("/v2/victim/app/tags/list")));
        } finally {
            reg.close();
        }
    }

    /** Sends raw bytes and returns the status code of the first response, or -1 when the server closed. */
    static int raw(byte[] request) throws IOException {
        try (Socket s = new Socket(reg.base.getHost(), reg.base.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the server may close before reading everything
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            try {
                while ((c = in.read()) >= 0 && c != '\n') {
                    line.write(c);
                }
            } catch (java.net.SocketException e) {
                return -1;
            }
            String status = line.toString(StandardCharsets.US_ASCII);
            if (status.isEmpty()) {
                return -1;
            }
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static void assert4xx(int status) {
        assertTrue(status == -1 || (status >= 400 && status < 500), "status " + status);
    }

    @Test
    void hugeHeadersAreRefused() throws Exception {
        String big = "X-Big: " + "a".repeat(200_000) + "\r\n";
        assert4xx(raw(ascii("GET /v2/ HTTP/1.1\r\nHost: x\r\n" + big + "\r\n")));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        assert4xx(raw(ascii("GET /v2/ HTTP/1.1\r\nHost: x\r\n" + many + "\r\n")));
        assertEquals(200, reg.get("/v2/").statusCode());
    }

    @Test
    void pathTraversalAndLongPaths() throws Exception {
        assert4xx(raw(ascii("GET /v2/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
        assert4xx(raw(ascii("GET /v2/victim/../../../blobs/sha256/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
        assert4xx(raw(ascii("GET /v2/victim%2F..%2F..%2Fx/tags/list HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
        assert4xx(reg.get("/v2/" + "a/".repeat(3000) + "b/tags/list").statusCode());
        assert4xx(reg.get("/v2/victim/app/manifests/" + "t".repeat(200)).statusCode());
    }

    @Test
    void badRangesAndContentRanges() throws Exception {
        String blob = "/v2/victim/app/blobs/" + image.config().digest();
        for (String r : List.of("bytes=99999999999999999999-", "bytes=", "bytes=-", "bytes=-0", "bytes=a-b", "bytes=1000000-")) {
            assertEquals(416, reg.get(blob, "Range", r).statusCode(), r);
        }
        HttpResponse<byte[]> start = reg.send(reg.req("/v2/victim/up/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()).build());
        String loc = start.headers().firstValue("Location").orElseThrow();
        for (String cr : List.of("bytes=0-4", "abc", "5-2", "-1-4", "0-99999999999999999999")) {
            HttpResponse<byte[]> r = reg.send(reg.req(loc).header("Content-Range", cr).method("PATCH", HttpRequest.BodyPublishers.ofString("hello")).build());
            assertEquals(416, r.statusCode(), cr);
        }
        // Content-Range and Content-Length disagree: the body is larger than declared.
        HttpResponse<byte[]> r = reg.send(reg.req(loc).header("Content-Range", "0-4").method("PATCH",
                HttpRequest.BodyPublishers.ofString("hello world")).build());
        assertEquals(400, r.statusCode());
        assertEquals("0-0", reg.get(loc).headers().firstValue("Range").orElseThrow());
    }

    @Test
    void bodiesLargerOrSmallerThanDeclared() throws Exception {
        HttpResponse<byte[]> start = reg.send(reg.req("/v2/victim/up2/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()).build());
        String loc = start.headers().firstValue("Location").orElseThrow();
        // Chunked body longer than its Content-Range: refused, nothing appended.
        int s = raw(ascii("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Range: 0-4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "b\r\nhello world\r\n0\r\n\r\n"));
        assertEquals(400, s);
        assertEquals("0-0", reg.get(loc).headers().firstValue("Range").orElseThrow());
        // A body cut short of its Content-Length: the connection ends, and what the server read before it saw the
        // end (all of it, or nothing when the close came first) is kept to resume from.
        try (Socket sock = new Socket(reg.base.getHost(), reg.base.getPort())) {
            sock.getOutputStream().write(ascii("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nonly this"));
            sock.getOutputStream().flush();
        }
        String range = DistributionApiTest.awaitRange(reg, loc, "0-8");
        assertTrue(range.equals("0-8") || range.equals("0-0"), range);
        // A monolithic push whose body is longer than its Content-Length: the digest is of what was declared.
        byte[] data = ascii("0123456789");
        int m = raw(ascii("POST /v2/victim/up3/blobs/uploads/?digest=" + Digest.sha256(data) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n0123456789"));
        assertEquals(400, m);
        assertEquals(404, reg.head("/v2/victim/up3/blobs/" + Digest.sha256(data)).statusCode());
        // A manifest declared larger than the limit is refused before it is read.
        assertEquals(413, raw(ascii("PUT /v2/victim/app/manifests/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: " + MediaTypes.OCI_MANIFEST
                + "\r\nContent-Length: 999999999\r\n\r\n{}")));
    }

    @Test
    void manifestsThatMustNotReplaceTheStoredOne() throws Exception {
        for (String body : List.of("{", "null", "{\"schemaVersion\":2}", "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:bad\",\"size\":1}}",
                "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\"x\",\"digest\":\""
                        + Digest.sha256("missing") + "\",\"size\":7},\"layers\":[]}",
                "{\"schemaVersion\":2,\"manifests\":[],\"layers\":[]}", "{\"schemaVersion\":\"2\",\"manifests\":[]}")) {
            HttpResponse<byte[]> r = reg.putManifest("victim/app", "v1", MediaTypes.OCI_MANIFEST, body.getBytes(StandardCharsets.UTF_8));
            assert4xx(r.statusCode());
        }
    }

    @Test
    void badDigestsAndNamesOnWrites() throws Exception {
        String[] badDigests = {"sha256:xyz", "sha256:" + "a".repeat(63), "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256", "%00"};
        for (String d : badDigests) {
            assertEquals(400, reg.send(reg.req("/v2/victim/app/blobs/uploads/?mount=" + d + "&from=victim/app")
                    .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode(), d);
            assertEquals(400, reg.send(reg.req("/v2/victim/app/blobs/uploads/?digest=" + d)
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build()).statusCode(), d);
        }
        HttpResponse<byte[]> start = reg.send(reg.req("/v2/victim/up4/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()).build());
        String loc = start.headers().firstValue("Location").orElseThrow();
        for (String d : badDigests) {
            assertEquals(400, reg.send(reg.req(loc + "?digest=" + d).PUT(HttpRequest.BodyPublishers.ofString("abc")).build()).statusCode(), d);
        }
        // The session is still usable after refused finishes: nothing was appended by them.
        assertEquals("0-0", reg.get(loc).headers().firstValue("Range").orElseThrow());
        assertEquals(201, reg.send(reg.req(loc + "?digest=" + Digest.sha256("abc")).PUT(HttpRequest.BodyPublishers.ofString("abc")).build()).statusCode());
        // Writes to names that are not valid create nothing.
        for (String name : List.of("Victim/app", "victim/APP", "victim/../app", "victim/..", "..", "victim//app", "victim/app/")) {
            assert4xx(reg.putManifest(name, "v1", MediaTypes.OCI_MANIFEST, image.bytes()).statusCode());
            assert4xx(reg.send(reg.req("/v2/" + name + "/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode());
        }
        try (Stream<Path> repos = Files.walk(dir.resolve("registry/repositories"), 2)) {
            assertEquals(List.of("victim/app", "victim/up4"), repos.map(p -> dir.resolve("registry/repositories").relativize(p).toString())
                    .filter(p -> p.contains("/")).sorted().toList());
        }
    }

    @Test
    void expectContinueGetsAnInterimResponse() throws Exception {
        HttpResponse<byte[]> start = reg.send(reg.req("/v2/victim/up5/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()).build());
        String loc = start.headers().firstValue("Location").orElseThrow();
        try (Socket s = new Socket(reg.base.getHost(), reg.base.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(ascii("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
            out.flush();
            // The client waits for the 100 before it sends the body.
            InputStream in = s.getInputStream();
            assertTrue(readLine(in).startsWith("HTTP/1.1 100"));
            while (!readLine(in).isEmpty()) {
                // the interim response's headers
            }
            out.write(ascii("hello"));
            out.flush();
            assertTrue(readLine(in).startsWith("HTTP/1.1 202"));
        }
        assertEquals("0-4", reg.get(loc).headers().firstValue("Range").orElseThrow());
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void nothingPartialInStorage() throws Exception {
        try (Stream<Path> tmp = Files.list(dir.resolve("registry/tmp"))) {
            assertEquals(0, tmp.count());
        }
    }
}
