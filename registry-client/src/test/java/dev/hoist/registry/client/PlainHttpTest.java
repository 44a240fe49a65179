package dev.hoist.registry.client;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PlainHttp} against a scripted server: framing, kept-alive connections, a closed idle connection. */
class PlainHttpTest {
    /** Answers each request on a connection with the next of {@code answers}, then closes the connection. */
    private static Thread serve(ServerSocket server, List<String> requests, List<List<String>> answersPerConnection) {
        Thread t = new Thread(() -> {
            try {
                for (List<String> answers : answersPerConnection) {
                    try (Socket s = server.accept()) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        for (String answer : answers) {
                            requests.add(readRequest(in));
                            out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                            out.flush();
                        }
                    }
                }
            } catch (Exception ignored) {
                // the assertions tell
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The request's head and, when it has a Content-Length, its body. */
    private static String readRequest(InputStream in) throws Exception {
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

    private static String read(RegistryHttp.Response r) throws Exception {
        try (r) {
            return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void decodesChunkedAndSizedBodiesOnOneKeptAliveConnection() throws Exception {
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            Thread t = serve(server, requests, List.of(List.of(
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n",
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\nLocation: /x\r\n\r\nok",
                    "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n")));
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            assertEquals("hello world", read(http.send("GET", base.resolve("/v2/a?n=1"), Map.of("Accept", "x/y"), null, null)));
            RegistryHttp.Response created = http.send("PUT", base.resolve("/v2/b"), Map.of(),
                    RequestBody.of("body".getBytes(StandardCharsets.UTF_8)), null);
            assertEquals(201, created.status());
            assertEquals("/x", created.header("Location").orElseThrow());
            assertEquals("/x", created.header("location").orElseThrow(), "header names are case-insensitive");
            assertEquals("ok", read(created));
            RegistryHttp.Response head = http.send("HEAD", base.resolve("/v2/c"), Map.of(), null, null);
            assertEquals(200, head.status());
            assertEquals("", read(head));
            t.join(5000);
        }
        assertEquals(3, requests.size(), "all three on the one connection: " + requests);
        assertTrue(requests.get(0).startsWith("GET /v2/a?n=1 HTTP/1.1\r\n"), requests.get(0));
        assertTrue(requests.get(0).contains("\r\nAccept: x/y\r\n"), requests.get(0));
        assertTrue(requests.get(1).startsWith("PUT /v2/b HTTP/1.1\r\n"), requests.get(1));
        assertTrue(requests.get(1).contains("\r\nContent-Length: 4\r\n") && requests.get(1).endsWith("\r\n\r\nbody"),
                requests.get(1));
        assertTrue(requests.get(2).startsWith("HEAD /v2/c HTTP/1.1\r\n"), requests.get(2));
    }

    @Test
    void anIdleConnectionTheServerClosedIsReplacedOnce() throws Exception {
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            // the first connection answers once and is then closed by the server; the second answers the retry
            Thread t = serve(server, requests, List.of(
                    List.of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
                    List.of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo")));
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            assertEquals("one", read(http.send("GET", base.resolve("/1"), Map.of(), null, null)));
            assertEquals("two", read(http.send("POST", base.resolve("/2"), Map.of(), null, null)));
            t.join(5000);
        }
        assertEquals(2, requests.size(), requests.toString());
        assertTrue(requests.get(1).startsWith("POST /2 HTTP/1.1\r\n") && requests.get(1).contains("\r\nContent-Length: 0\r\n"),
                requests.get(1));
    }

    @Test
    void aPatchWhoseAnswerTimedOutOnAReusedConnectionIsNotSentAgain() throws Exception {
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofMillis(500))) {
            // the server answers the GET, then takes the PATCH and its body and is slow to answer: it may well have
            // appended the body, so sending it again could append it twice
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = server.accept();   // each connection on a thread of its own: a resend is seen
                        int n = connections.incrementAndGet();
                        Thread h = new Thread(() -> {
                            try (s) {
                                InputStream in = s.getInputStream();
                                if (n == 1) {
                                    requests.add(readRequest(in));
                                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
                                            .getBytes(StandardCharsets.ISO_8859_1));
                                    s.getOutputStream().flush();
                                }
                                requests.add(readRequest(in));
                                Thread.sleep(2000);
                            } catch (Exception ignored) {
                                // closed by the test
                            }
                        });
                        h.setDaemon(true);
                        h.start();
                    }
                } catch (Exception ignored) {
                    // closed by the test
                }
            });
            t.setDaemon(true);
            t.start();
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            assertEquals("one", read(http.send("GET", base.resolve("/1"), Map.of(), null, null)));
            byte[] chunk = "0123456789".getBytes(StandardCharsets.ISO_8859_1);
            assertThrows(java.net.SocketTimeoutException.class, () -> http.send("PATCH", base.resolve("/2"), Map.of(),
                    RequestBody.of(chunk), null));
        }
        assertEquals(1, connections.get(), "no second connection for a resend");
        assertEquals(2, requests.size(), requests.toString());
        assertTrue(requests.get(1).startsWith("PATCH /2 HTTP/1.1\r\n") && requests.get(1).endsWith("0123456789"),
                requests.get(1));
    }

    @Test
    // a guard, on a thread of its own: without the watchdog the write blocks for good, deaf to interrupts
    @org.junit.jupiter.api.Timeout(value = 120, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aBodyTheServerStopsReadingFailsAfterTheIdleTimeoutInsteadOfHanging() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofMillis(700))) {
            List<Socket> held = Collections.synchronizedList(new ArrayList<>());
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        held.add(server.accept());   // and never read: the socket buffers fill, then writes block
                    }
                } catch (Exception ignored) {
                    // closed by the test
                }
            });
            t.setDaemon(true);
            t.start();
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            byte[] big = new byte[64 * 1024 * 1024];   // far more than loopback's socket buffers hold
            java.net.SocketTimeoutException e = assertThrows(java.net.SocketTimeoutException.class,
                    () -> http.send("PATCH", base.resolve("/upload"), Map.of(), RequestBody.of(big), null));
            assertTrue(e.getMessage().contains("stopped reading"), e.getMessage());
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void theRetryAfterAClosedIdleConnectionTakesANewOneNotAnotherIdleOne() throws Exception {
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            // two connections that answer once each and are then closed by the server, both idle by then; a third
            Thread t = serve(server, requests, List.of(
                    List.of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
                    List.of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"),
                    List.of("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")));
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            RegistryHttp.Response one = http.send("GET", base.resolve("/1"), Map.of(), null, null);
            RegistryHttp.Response two = http.send("GET", base.resolve("/2"), Map.of(), null, null); // on a second connection
            assertEquals("one", read(one));
            assertEquals("two", read(two));
            assertEquals(201, http.send("POST", base.resolve("/3"), Map.of(), null, null).status());
            t.join(5000);
        }
        assertEquals(3, requests.size(), requests.toString());
        assertTrue(requests.get(2).startsWith("POST /3 HTTP/1.1\r\n"), requests.get(2));
    }

    @Test
    void aConnectionOpenedAheadCarriesTheFirstRequest() throws Exception {
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            // one connection only: a second would never be answered, and the request would time out
            Thread t = serve(server, requests, List.of(List.of("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")));
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            http.connectAhead(base);
            assertEquals(201, http.send("POST", base.resolve("/v2/a/blobs/uploads/"), Map.of(), null, null).status());
            t.join(5000);
        }
        assertEquals(1, requests.size(), requests.toString());
    }

    @Test
    void aConnectionOpenedAheadThatTheServerClosedIsReplaced() throws Exception {
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            // the server closes the connection opened ahead without reading from it; the next one answers
            Thread t = serve(server, requests, List.of(List.of(),
                    List.of("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")));
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            http.connectAhead(base);
            RegistryHttp.Response r = http.send("POST", base.resolve("/v2/a/blobs/uploads/"), Map.of(),
                    RequestBody.of("body".getBytes(StandardCharsets.UTF_8)), null);
            assertEquals(201, r.status());
            r.close();
            t.join(5000);
        }
        assertEquals(1, requests.size(), requests.toString());
        assertTrue(requests.get(0).startsWith("POST /v2/a/blobs/uploads/ HTTP/1.1\r\n") && requests.get(0).endsWith("body"),
                requests.get(0));
    }

    /** Keeps what it is given of 2xx bodies; fails after {@code failAfter} bytes. */
    private static final class Collector implements ResponseSink {
        final java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        final List<Integer> statuses = new ArrayList<>();
        final int failAfter;

        Collector(int failAfter) {
            this.failAfter = failAfter;
        }

        @Override
        public boolean accepts(int status) {
            statuses.add(status);
            return status / 100 == 2;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
            if (got.size() + length > failAfter) {
                throw new java.io.IOException("the sink is full");
            }
            got.write(bytes, offset, length);
        }
    }

    @Test
    void aSinkTakesSuccessfulBodiesAsTheyArriveAndLeavesOthersToTheCaller() throws Exception {
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            Thread t = serve(server, requests, List.of(List.of(
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot there",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                    "HTTP/1.1 206 Partial Content\r\nContent-Length: 4\r\n\r\nrest",
                    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"),
                    List.of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew")));
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            Collector sink = new Collector(100);
            RegistryHttp.Response missing = http.send("GET", base.resolve("/a"), Map.of(), null, sink);
            assertEquals(404, missing.status());
            assertEquals("not there", read(missing));
            RegistryHttp.Response chunked = http.send("GET", base.resolve("/b"), Map.of(), null, sink);
            assertEquals(200, chunked.status());
            assertEquals("", read(chunked));
            RegistryHttp.Response sized = http.send("GET", base.resolve("/c"), Map.of(), null, sink);
            assertEquals(206, sized.status());
            assertEquals("hello worldrest", sink.got.toString(StandardCharsets.UTF_8));
            assertEquals(List.of(404, 200, 206), sink.statuses);
            // a sink that fails drops the connection: the next request opens another
            Collector full = new Collector(4);
            java.io.IOException e = assertThrows(java.io.IOException.class,
                    () -> http.send("GET", base.resolve("/d"), Map.of(), null, full));
            assertEquals("the sink is full", e.getMessage());
            assertEquals("new", read(http.send("GET", base.resolve("/e"), Map.of(), null, null)));
            t.join(5000);
        }
        assertEquals(5, requests.size(), requests.toString());
    }

    @Test
    void keepsEveryValueOfARepeatedHeaderAndRefusesANamelessOne() throws Exception {
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            Thread t = serve(server, requests, List.of(
                    List.of("HTTP/1.1 200 OK\r\n : nameless\r\nContent-Length: 0\r\n\r\n"),
                    List.of("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=a\r\nwww-authenticate:  Bearer realm=b \r\n"
                            + "Content-Length: 0\r\n\r\n")));
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> http.send("GET", base.resolve("/v2/"), Map.of(), null, null));
            assertEquals("a malformed header line:  : nameless", e.getMessage());
            RegistryHttp.Response r = http.send("GET", base.resolve("/v2/"), Map.of(), null, null);
            assertEquals(List.of("Basic realm=a", "Bearer realm=b"), r.headers().get("Www-Authenticate"));
            assertEquals("Basic realm=a", r.header("WWW-AUTHENTICATE").orElseThrow());
            r.close();
            t.join(5000);
        }
    }

    @Test
    void refusesHeadersThatWouldSplitTheRequest() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v2/");
            assertThrows(IllegalArgumentException.class,
                    () -> http.send("GET", uri, Map.of("Authorization", "Basic x\r\nX-Evil: 1"), null, null));
            assertThrows(IllegalArgumentException.class, () -> http.send("GET", uri, Map.of("Bad Name", "v"), null, null));
        }
    }

    /** Sends a GET to a server that answers it with {@code answer} (then closes), and returns what was thrown. */
    private static java.io.IOException failure(String answer) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            Thread t = serve(server, Collections.synchronizedList(new ArrayList<>()), List.of(List.of(answer)));
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            java.io.IOException e = assertThrows(java.io.IOException.class,
                    () -> http.send("GET", base.resolve("/v2/"), Map.of(), null, null));
            t.join(5000);
            return e;
        }
    }

    @Test
    void aTlsAlertShowsTheServerSpeaksTls() throws Exception {
        // what a TLS 1.2 server sends plaintext: an alert record (21), version 3.3, length 2, fatal, unexpected message
        java.io.IOException e = failure("\025\003\003\000\002\002\012");
        assertTrue(e instanceof TlsSuspectedException t && t.certain(), String.valueOf(e));
    }

    @Test
    void goSaysInWordsThatItWantsTls() throws Exception {
        java.io.IOException e = failure("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
        assertTrue(e instanceof TlsSuspectedException t && t.certain(), String.valueOf(e));
    }

    @Test
    void aNewConnectionClosedWithoutAnAnswerMayBeTls() throws Exception {
        java.io.IOException e = failure("");
        assertTrue(e instanceof TlsSuspectedException t && !t.certain(), String.valueOf(e));
        assertEquals("the server closed the connection without answering", e.getMessage());
    }

    @Test
    void anyOtherUnframedBadRequestIsAnAnswer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             PlainHttp http = new PlainHttp(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            Thread t = serve(server, Collections.synchronizedList(new ArrayList<>()),
                    List.of(List.of("HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nmalformed name")));
            URI base = URI.create("http://127.0.0.1:" + server.getLocalPort());
            RegistryHttp.Response r = http.send("GET", base.resolve("/v2/"), Map.of(), null, null);
            assertEquals(400, r.status());
            assertEquals("malformed name", read(r));
            t.join(5000);
        }
    }
}
