package dev.hoist.cli;

import dev.hoist.registry.server.RegistryConfig;
import dev.hoist.registry.server.RegistryServer;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registries that speak TLS with a certificate nobody trusts (hoist's own, self-signed), reached on loopback without
 * flags and under another name with skopeo's --tls-verify flags; and a plain loopback registry, which gets no TLS.
 */
class TlsVerifyCommandsTest {
    /** 127.0.0.1 as an IPv4-mapped IPv6 address: reached on loopback, but not a loopback name to Docker's rules. */
    private static final String MAPPED = "[::ffff:7f00:1]";
    @TempDir
    Path dir;
    RegistryServer tls;
    String loopback;
    String mapped;

    @BeforeEach
    void start() throws Exception {
        tls = RegistryServer.start(RegistryConfig.defaults(dir.resolve("server")).withListen("127.0.0.1:0")
                .withOverrides(Map.of("tls.selfSigned", "true")));
        loopback = "127.0.0.1:" + tls.port();
        mapped = MAPPED + ":" + tls.port();
    }

    @AfterEach
    void stop() throws Exception {
        tls.close();
    }

    private MainTest.Result hoist(String root, String... args) {
        return MainTest.inRoot(dir.resolve(root), Map.of("SOURCE_DATE_EPOCH", "0", "DOCKER_CONFIG", dir.resolve("docker").toString()), args);
    }

    /** Imports busybox into root {@code a} as {@code name} and returns its ID. */
    private String importBusybox(String name) throws Exception {
        MainTest.Result imp = hoist("a", "import", "-c", "CMD [\"sh\"]", Busybox.rootfsTar().toString(), name);
        assertEquals(0, imp.status(), imp.err());
        return imp.out().trim();
    }

    @Test
    void aLoopbackRegistryServingTlsNeedsNoFlags() throws Exception {
        String name = loopback + "/team/busybox:v1";
        String id = importBusybox(name);
        MainTest.Result push = hoist("a", "push", name);
        assertEquals(0, push.status(), push.err());
        assertTrue(push.out().contains("v1: digest: sha256:"), push.out());
        MainTest.Result pull = hoist("b", "pull", name);
        assertEquals(0, pull.status(), pull.err());
        assertEquals(id, hoist("b", "inspect", "-f", "{{.Id}}", name).out().trim());
    }

    @Test
    void anotherNameIsVerifiedUnlessTlsVerifyIsFalse() throws Exception {
        String name = mapped + "/team/busybox:v1";
        String id = importBusybox(name);
        MainTest.Result refused = hoist("a", "push", name);
        assertNotEquals(0, refused.status());
        assertTrue(refused.err().contains("is not trusted") && refused.err().contains("--tls-verify=false"), refused.err());

        MainTest.Result push = hoist("a", "push", "--tls-verify=false", name);
        assertEquals(0, push.status(), push.err());
        assertNotEquals(0, hoist("b", "pull", name).status());
        assertNotEquals(0, hoist("b", "pull", "--tls-verify=true", name).status());
        MainTest.Result pull = hoist("b", "pull", "--tls-verify=false", name);
        assertEquals(0, pull.status(), pull.err());
        assertEquals(id, hoist("b", "inspect", "-f", "{{.Id}}", name).out().trim());

        assertEquals("v1\n", hoist("b", "tags", "--tls-verify=false", mapped + "/team/busybox").out());
        MainTest.Result manifest = hoist("b", "manifest", "inspect", "--tls-verify=false", name);
        assertTrue(manifest.out().contains("\"schemaVersion\":2"), manifest.err());
        assertNotEquals(0, hoist("b", "login", "-u", "u", "-p", "pw", mapped).status());
        MainTest.Result login = hoist("b", "login", "--tls-verify=false", "-u", "u", "-p", "pw", mapped);
        assertEquals(0, login.status(), login.err());
        assertTrue(login.out().contains("Login Succeeded"), login.out());
    }

    @Test
    void copyTakesSourceAndDestinationVerificationApart() throws Exception {
        String name = loopback + "/team/busybox:v1";
        importBusybox(name);
        assertEquals(0, hoist("a", "push", name).status());
        // the same server under a second name, as the flags are per registry
        String other = "[0:0:0:0:0:ffff:7f00:1]:" + tls.port();
        String src = "docker://" + mapped + "/team/busybox:v1";
        String dst = "docker://" + other + "/other/copy:c";

        MainTest.Result srcOnly = hoist("b", "copy", "--src-tls-verify=false", src, dst);
        assertNotEquals(0, srcOnly.status());
        assertTrue(srcOnly.err().contains("is not trusted"), srcOnly.err());
        MainTest.Result destVerified = hoist("b", "copy", "--tls-verify=false", "--dest-tls-verify=true", src, dst);
        assertNotEquals(0, destVerified.status(), "the specific flag wins");

        MainTest.Result both = hoist("b", "copy", "--src-tls-verify=false", "--dest-tls-verify=false", src, dst);
        assertEquals(0, both.status(), both.err());
        MainTest.Result either = hoist("b", "copy", "--tls-verify=false", src, "docker://" + other + "/other/copy:d");
        assertEquals(0, either.status(), either.err());
        assertEquals("c\nd\n", hoist("b", "tags", "--tls-verify=false", mapped + "/other/copy").out());
    }

    @Test
    void tlsVerifyTakesTrueOrFalse() {
        MainTest.Result r = hoist("a", "pull", "--tls-verify=no", loopback + "/x:1");
        assertEquals(Main.USAGE, r.status(), r.err());
        assertTrue(r.err().contains("expected true or false"), r.err());
        MainTest.Result help = hoist("a", "copy", "--help");
        assertTrue(help.out().contains("--src-tls-verify") && help.out().contains("--dest-tls-verify"), help.out());
    }

    @Test
    void aPlainLoopbackRegistryGetsNoTlsAttempt() throws Exception {
        try (RegistryServer plain = RegistryServer.start(RegistryConfig.defaults(dir.resolve("plain"))
                .withListen("127.0.0.1:0"));
             RecordingProxy proxy = new RecordingProxy(plain.port())) {
            String name = "127.0.0.1:" + proxy.port() + "/team/busybox:v1";
            importBusybox(name);
            MainTest.Result push = hoist("a", "push", name);
            assertEquals(0, push.status(), push.err());
            MainTest.Result pull = hoist("b", "pull", name);
            assertEquals(0, pull.status(), pull.err());
            List<String> starts = proxy.starts();
            assertFalse(starts.isEmpty());
            for (String s : starts) {
                assertTrue(s.matches("(GET|HEAD|POST|PUT|PATCH) /v2/\\S* HTTP/1\\.1"), "only HTTP/1.1 in the clear: " + starts);
            }
        }
    }

    /** Forwards loopback connections to {@code target}, keeping the first line each one sends. */
    private static final class RecordingProxy implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<String> starts = Collections.synchronizedList(new ArrayList<>());
        private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());

        RecordingProxy(int target) throws IOException {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                        open.add(client);
                        open.add(upstream);
                        pump(client.getInputStream(), upstream.getOutputStream(), true);
                        pump(upstream.getInputStream(), client.getOutputStream(), false);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        private void pump(InputStream in, OutputStream out, boolean record) {
            Thread t = new Thread(() -> {
                ByteArrayOutputStream first = record ? new ByteArrayOutputStream() : null;
                byte[] buf = new byte[64 * 1024];
                try (in; out) {
                    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        if (first != null) {
                            for (int i = 0; i < n && first != null; i++) {
                                if (buf[i] == '\r' || buf[i] == '\n' || first.size() > 200) {
                                    starts.add(first.toString(StandardCharsets.ISO_8859_1));
                                    first = null;
                                } else {
                                    first.write(buf[i]);
                                }
                            }
                        }
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // either side closed
                }
            });
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        List<String> starts() {
            synchronized (starts) {
                return new ArrayList<>(starts);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (open) {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }
}
