package dev.hoist.registry.client;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP proxy on loopback for tests: CONNECT tunnels and absolute-form requests, each only with the
 * {@code Proxy-Authorization} it was told to require (else 407). It resolves host names from its own table, so the
 * client reaches a registry on loopback by a name that is not loopback to it (and so not bypassed) and that nothing
 * else resolves. Records the head of every request it is sent. Forwards an absolute-form request as proxies do:
 * in origin form, without its {@code Proxy-*} headers, one request per connection.
 */
final class BasicAuthProxy implements Closeable {
    private final ServerSocket server;
    private final String required;
    private final Map<String, Integer> hosts = new ConcurrentHashMap<>();
    private final List<Map<String, String>> heads = new CopyOnWriteArrayList<>();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    /** A proxy that requires {@code authorization} as the {@code Proxy-Authorization} value. */
    BasicAuthProxy(String authorization) throws IOException {
        this.required = authorization;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "test-proxy");
        t.setDaemon(true);
        t.start();
    }

    /** Makes {@code name} resolve, for this proxy only, to 127.0.0.1:{@code port}. */
    BasicAuthProxy map(String name, int port) {
        hosts.put(name, port);
        return this;
    }

    int port() {
        return server.getLocalPort();
    }

    /** The request lines sent to this proxy, in order (e.g. {@code CONNECT registry.test:443 HTTP/1.1}). */
    List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    /** The headers of each request sent to this proxy (names in lower case), in order. */
    List<Map<String, String>> heads() {
        return List.copyOf(heads);
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "test-proxy-conn");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException closed) {
            // the proxy was closed
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            List<String> lines = readHead(in);
            if (lines.isEmpty()) {
                return;
            }
            String requestLine = lines.get(0);
            Map<String, String> headers = new ConcurrentHashMap<>();
            for (String l : lines.subList(1, lines.size())) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).trim().toLowerCase(), l.substring(colon + 1).trim());
            }
            requestLines.add(requestLine);
            heads.add(headers);
            if (!required.equals(headers.get("proxy-authorization"))) {
                out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                        + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            String[] parts = requestLine.split(" ");
            if (parts[0].equals("CONNECT")) {
                try (Socket target = connect(parts[1])) {
                    out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    pump(client, target);
                }
                return;
            }
            URI uri = URI.create(parts[1]);
            try (Socket target = connect(uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : 80))) {
                StringBuilder head = new StringBuilder(parts[0] + " " + uri.getRawPath()
                        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()) + " " + parts[2] + "\r\n");
                for (String l : lines.subList(1, lines.size())) {
                    String name = l.substring(0, l.indexOf(':')).trim().toLowerCase();
                    if (!name.startsWith("proxy-") && !name.equals("connection")) {
                        head.append(l).append("\r\n");
                    }
                }
                head.append("Connection: close\r\n\r\n");
                target.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                target.getOutputStream().flush();
                pump(client, target);
            }
        } catch (IOException e) {
            // the client or the target went away
        }
    }

    private Socket connect(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        Integer port = hosts.get(hostPort.substring(0, colon));
        if (port == null || port != Integer.parseInt(hostPort.substring(colon + 1))) {
            throw new IOException("the test proxy knows no " + hostPort);
        }
        return new Socket(InetAddress.getLoopbackAddress(), port);
    }

    /** Copies bytes both ways until the target closes its side. */
    private static void pump(Socket client, Socket target) throws IOException {
        Thread up = new Thread(() -> {
            try {
                client.getInputStream().transferTo(target.getOutputStream());
            } catch (IOException ignored) {
                // either side closed
            }
        }, "test-proxy-up");
        up.setDaemon(true);
        up.start();
        target.getInputStream().transferTo(client.getOutputStream());
        client.getOutputStream().flush();
    }

    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String l = line.toString(StandardCharsets.ISO_8859_1);
                if (l.endsWith("\r")) {
                    l = l.substring(0, l.length() - 1);
                }
                if (l.isEmpty()) {
                    return lines;
                }
                lines.add(l);
                line.reset();
            } else {
                line.write(c);
            }
        }
        return List.of();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
