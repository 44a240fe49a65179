package dev.hoist.registry.client;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 in the clear on blocking sockets, for the registries spoken to without TLS and without a proxy
 * (loopback and insecure ones): kept-alive connections pooled per host, bodies framed by length or chunked.
 * A server that turns out to speak TLS on the port is reported with a {@link TlsSuspectedException}, for the
 * caller to switch to HTTPS.
 * It does only what {@link RegistryHttp} asks of it; the JDK's client starts ~50 ms slower (its classes, its
 * logger lookup, which opens every jar on the class path, its selector thread). Thread-safe.
 */
final class PlainHttp implements AutoCloseable {
    private static final int BUFFER = 256 * 1024;
    /** What Go's {@code net/http} (the CNCF registry's server) answers plaintext on a TLS port with. */
    static final String GO_TLS_ANSWER = "Client sent an HTTP request to an HTTPS server";
    /** Bodies larger than this are written under {@link WriteWatchdog}; smaller ones fit the socket's buffers. */
    private static final long WATCHED_BODY = 256 * 1024;
    private final int connectTimeoutMs;
    private final int readTimeoutMs;
    private final Map<String, ArrayDeque<Connection>> idle = new HashMap<>();
    private boolean closed;

    PlainHttp(Duration connectTimeout, Duration readTimeout) {
        this.connectTimeoutMs = (int) connectTimeout.toMillis();
        this.readTimeoutMs = (int) readTimeout.toMillis();
    }

    /**
     * Sends {@code method uri} with {@code headers} and {@code body} (null: none for GET and HEAD, else an empty
     * one), written straight to the socket, and returns the response; its body goes to {@code sink} when that
     * accepts it (read to its end before this returns), else to a stream the caller must close.
     */
    RegistryHttp.Response send(String method, URI uri, Map<String, String> headers, RequestBody body,
                               ResponseSink sink) throws IOException {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (!token(h.getKey()) || h.getValue().indexOf('\r') >= 0 || h.getValue().indexOf('\n') >= 0) {
                throw new IllegalArgumentException("an invalid HTTP header: " + h.getKey());
            }
        }
        String authority = uri.getRawAuthority();
        for (int attempt = 0; ; attempt++) {
            // The retry takes a new connection, not another idle one: the server may have closed those too.
            Connection c = attempt == 0 ? take(authority) : null;
            boolean reused = c != null;
            if (c == null) {
                c = open(uri);
            }
            Head head;
            try {
                writeRequest(c, method, uri, headers, body, readTimeoutMs);
                head = readHead(c);
            } catch (IOException e) {
                c.close();
                if (e instanceof TlsSuspectedException t && t.certain()) {
                    throw t;
                }
                if (reused && !(e instanceof java.net.SocketTimeoutException && !idempotent(method))) {
                    continue; // the server closed an idle connection: once more on a new one
                }
                throw e instanceof java.net.SocketException && !(e instanceof java.net.ConnectException)
                        ? new TlsSuspectedException("the server reset the connection without answering ("
                                + e.getMessage() + ")", false, e)
                        : e;
            }
            if (head.status() == 400 && head.http10() && head.first("Content-Length") == null
                    && head.first("Transfer-Encoding") == null) {
                return badRequest(c, uri, head);
            }
            return respond(c, method, uri, head, sink);
        }
    }

    /**
     * Whether sending {@code method} twice does what sending it once does. A reused connection that fails is
     * taken for one the server closed while it was idle, and the request is sent again on a new one; but when the
     * answer timed out, the server had the request and may have acted on it, and a POST or PATCH sent again could
     * start a second upload or append its chunk twice: that failure is the caller's to handle.
     */
    private static boolean idempotent(String method) {
        return switch (method) {
            case "GET", "HEAD", "PUT", "DELETE", "OPTIONS" -> true;
            default -> false;
        };
    }

    /**
     * An HTTP/1.0 400 without framing, read to the connection's end: Go's TLS servers answer plaintext so, with
     * the words {@value #GO_TLS_ANSWER}, and for that a {@link TlsSuspectedException}; any other is returned.
     */
    private static RegistryHttp.Response badRequest(Connection c, URI uri, Head head) throws IOException {
        byte[] text;
        try {
            text = c.in.readNBytes(64 * 1024);
        } finally {
            c.close();
        }
        if (new String(text, StandardCharsets.ISO_8859_1).contains(GO_TLS_ANSWER)) {
            throw new TlsSuspectedException("the server answered \"" + GO_TLS_ANSWER + "\"", true, null);
        }
        return new RegistryHttp.Response(head.status(), head.headers(), new java.io.ByteArrayInputStream(text), uri);
    }

    /**
     * Opens a connection to {@code uri}'s host and keeps it among the idle ones, for a request to come. Should the
     * server close it first, that request retries on a new connection, as after any idle connection.
     */
    void connectAhead(URI uri) throws IOException {
        release(open(uri), true);
    }

    /** A response's status line and headers; names are case-insensitive. */
    private record Head(int status, Map<String, List<String>> headers, boolean http10) {
        /** The first value of header {@code name}, or null. */
        String first(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** Whether header {@code name} has the value {@code value}, ignoring case. */
        boolean has(String name, String value) {
            List<String> values = headers.get(name);
            if (values != null) {
                for (String v : values) {
                    if (v.equalsIgnoreCase(value)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static final class Connection {
        final String authority;
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Connection(String authority, Socket socket) throws IOException {
            this.authority = authority;
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    private synchronized Connection take(String authority) {
        ArrayDeque<Connection> q = idle.get(authority);
        return q == null ? null : q.pollLast();
    }

    private void release(Connection c, boolean reusable) {
        synchronized (this) {
            if (reusable && !closed) {
                ArrayDeque<Connection> q = idle.get(c.authority);
                if (q == null) {
                    q = new ArrayDeque<>();
                    idle.put(c.authority, q);
                }
                q.addLast(c);
                return;
            }
        }
        c.close();
    }

    private Connection open(URI uri) throws IOException {
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        String host = uri.getHost();
        if (host != null && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // Direct: PlainHttp is for registries reached without a proxy (hoist's proxies come from the environment
        // and go over the JDK client). A plain new Socket() asks the JVM's default ProxySelector for a SOCKS proxy on
        // connect, which initialises it (it reads net.properties): ~0.7 ms of every registry command.
        Socket s = new Socket(Proxy.NO_PROXY);
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
            s.setSoTimeout(readTimeoutMs);
            return new Connection(uri.getRawAuthority(), s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private static void writeRequest(Connection c, String method, URI uri, Map<String, String> headers,
                                     RequestBody body, long stallTimeoutMs) throws IOException {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        StringBuilder sb = new StringBuilder(256).append(method).append(' ').append(path);
        if (uri.getRawQuery() != null) {
            sb.append('?').append(uri.getRawQuery());
        }
        sb.append(" HTTP/1.1\r\nHost: ").append(uri.getRawAuthority()).append("\r\nUser-Agent: hoist\r\n");
        for (Map.Entry<String, String> h : headers.entrySet()) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        long length = body == null ? 0 : body.length();
        if (body != null || !(method.equals("GET") || method.equals("HEAD"))) {
            sb.append("Content-Length: ").append(length).append("\r\n");
        }
        sb.append("\r\n");
        c.out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (length > WATCHED_BODY) {
            // a body larger than the socket's buffers can block on a server that stops reading: watched, so that the
            // write fails after the idle timeout instead of waiting forever
            c.out.flush();
            try (WriteWatchdog.Watched w = WriteWatchdog.watch(c.socket.getOutputStream(), c.socket, stallTimeoutMs)) {
                OutputStream buffered = new BufferedOutputStream(w, 64 * 1024);
                body.writeTo(buffered);
                buffered.flush();
            }
            return;
        }
        if (length != 0) {
            body.writeTo(c.out);
        }
        c.out.flush();
    }

    private static boolean token(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static Head readHead(Connection c) throws IOException {
        c.in.mark(2);
        int type = c.in.read();
        int major = c.in.read();
        c.in.reset();
        if ((type == 0x15 || type == 0x16) && major == 3) {
            // a TLS alert or handshake record (type, then version 3.x): the server speaks TLS on this port
            throw new TlsSuspectedException("the server answered with a TLS record", true, null);
        }
        while (true) {
            String status = readLine(c.in);
            if (status == null) {
                throw new TlsSuspectedException("the server closed the connection without answering", false,
                        new EOFException("the server closed the connection before answering"));
            }
            if (!status.startsWith("HTTP/1.") || status.length() < 12) {
                throw new IOException("not an HTTP/1.1 status line: " + status);
            }
            int code;
            try {
                code = Integer.parseInt(status.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP/1.1 status line: " + status, e);
            }
            Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line = readLine(c.in); ; line = readLine(c.in)) {
                if (line == null) {
                    throw new EOFException("the server closed the connection in the middle of the headers");
                }
                if (line.isEmpty()) {
                    break;
                }
                int colon = line.indexOf(':');
                String name = colon <= 0 ? "" : line.substring(0, colon).trim();
                if (name.isEmpty()) {
                    throw new IOException("a malformed header line: " + line);
                }
                List<String> values = map.get(name);
                if (values == null) {
                    values = new ArrayList<>(1);
                    map.put(name, values);
                }
                values.add(line.substring(colon + 1).trim());
            }
            if (code >= 100 && code < 200) {
                continue; // informational: the real answer follows
            }
            // A map, not java.net.http.HttpHeaders: HttpHeaders.of links five lambdas on first use.
            return new Head(code, Collections.unmodifiableMap(map), status.startsWith("HTTP/1.0"));
        }
    }

    /** A CRLF- (or LF-) terminated ISO-8859-1 line without its end; null at the end of the stream before any byte. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (sb.length() == 0) {
                    return null;
                }
                throw new EOFException("the connection ended in the middle of a line");
            }
            if (b == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            if (sb.length() > 64 * 1024) {
                throw new IOException("a header line longer than 64 KiB");
            }
            sb.append((char) b);
        }
    }

    private RegistryHttp.Response respond(Connection c, String method, URI uri, Head head, ResponseSink sink)
            throws IOException {
        BodyStream body = bodyOf(c, method, head);
        if (sink == null || !sink.accepts(head.status())) {
            return new RegistryHttp.Response(head.status(), head.headers(), body, uri);
        }
        byte[] buffer = new byte[BUFFER];
        try {
            for (int n = body.read(buffer, 0, buffer.length); n >= 0; n = body.read(buffer, 0, buffer.length)) {
                sink.write(buffer, 0, n); // what has arrived: a cut connection loses none of it
            }
        } catch (IOException | RuntimeException e) {
            body.abort();
            throw e;
        }
        body.close();
        return new RegistryHttp.Response(head.status(), head.headers(), InputStream.nullInputStream(), uri);
    }

    private BodyStream bodyOf(Connection c, String method, Head head) throws IOException {
        int s = head.status();
        boolean keep = head.http10() ? head.has("Connection", "keep-alive") : !head.has("Connection", "close");
        if (method.equals("HEAD") || s == 204 || s == 304) {
            release(c, keep);
            return new BodyStream(null, InputStream.nullInputStream(), false);
        }
        String te = head.first("Transfer-Encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            return new BodyStream(c, new Chunked(c.in), keep);
        }
        String length = head.first("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                c.close();
                throw new IOException("a malformed Content-Length: " + length, e);
            }
            if (n == 0) {
                release(c, keep);
                return new BodyStream(null, InputStream.nullInputStream(), false);
            }
            return new BodyStream(c, new Bounded(c.in, n), keep);
        }
        return new BodyStream(c, c.in, false); // to the end of the connection
    }

    /** A response body: gives the connection back when read to its end and closed, else closes it. */
    private final class BodyStream extends InputStream {
        private final Connection connection;
        private final InputStream in;
        private final boolean reusable;
        private boolean atEnd;
        private boolean closed;

        BodyStream(Connection connection, InputStream in, boolean reusable) {
            this.connection = connection;
            this.in = in;
            this.reusable = reusable;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                atEnd = true;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, len);
            if (n < 0) {
                atEnd = true;
            }
            return n;
        }

        void abort() {
            if (!closed) {
                closed = true;
                if (connection != null) {
                    connection.close();
                }
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (connection != null && reusable && !atEnd) {
                drain(); // a short unread rest (an error body, say) is cheaper to skip than a new connection
            }
            if (connection != null) {
                release(connection, reusable && atEnd);
            }
        }

        private void drain() {
            byte[] buf = new byte[8192];
            try {
                for (int total = 0; total < 64 * 1024; ) {
                    int n = in.read(buf, 0, buf.length);
                    if (n < 0) {
                        atEnd = true;
                        return;
                    }
                    total += n;
                }
            } catch (IOException e) {
                atEnd = false;
            }
        }
    }

    /** The first {@code length} bytes of a stream; an early end is an error. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long left;

        Bounded(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the connection ended " + left + " bytes before the body's end");
            }
            left -= n;
            return n;
        }
    }

    /** A chunked body, decoded; trailers are skipped. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean end;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (end) {
                return -1;
            }
            if (left == 0) {
                String size = readLine(in);
                if (size == null) {
                    throw new EOFException("the connection ended in a chunked body");
                }
                int semi = size.indexOf(';');
                try {
                    left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("a malformed chunk size: " + size, e);
                }
                if (left == 0) {
                    for (String t = readLine(in); t != null && !t.isEmpty(); t = readLine(in)) {
                        // trailers
                    }
                    end = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the connection ended in a chunk");
            }
            left -= n;
            if (left == 0 && readLine(in) == null) {
                throw new EOFException("the connection ended after a chunk");
            }
            return n;
        }
    }

    @Override
    public void close() {
        List<Connection> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (ArrayDeque<Connection> q : idle.values()) {
                all.addAll(q);
            }
            idle.clear();
        }
        for (Connection c : all) {
            c.close();
        }
    }
}
