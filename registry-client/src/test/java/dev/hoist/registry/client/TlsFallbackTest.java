package dev.hoist.registry.client;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registries that speak TLS where plain HTTP was expected (loopback, insecure) and registries whose certificates are
 * not to be checked, against WireMock over HTTPS with its self-signed certificate.
 */
class TlsFallbackTest {
    private static final byte[] MANIFEST = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
    /** 127.0.0.1 as an IPv4-mapped IPv6 address: reached on loopback, but not a loopback name to Docker's rules. */
    private static final String MAPPED = "[::ffff:7f00:1]";
    @TempDir
    Path dir;
    WireMockServer tls;

    @BeforeEach
    void start() {
        tls = new WireMockServer(options().httpDisabled(true).dynamicHttpsPort().bindAddress("127.0.0.1"));
        tls.start();
        tls.stubFor(get(urlEqualTo("/v2/test/repo/manifests/v1")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody(MANIFEST)));
        tls.stubFor(put(urlEqualTo("/v2/test/repo/manifests/v2")).willReturn(aResponse().withStatus(201)));
    }

    @AfterEach
    void stop() {
        tls.stop();
    }

    private RegistryClient.Builder builder() {
        return RegistryClient.builder(LocalImages.open(HoistRoot.at(dir))).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of()).certsDirectory(dir.resolve("certs.d")).sleeper(d -> { })
                .retryPolicy(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1)));
    }

    @Test
    void aLoopbackRegistryThatSpeaksTlsIsReachedWithoutVerification() throws Exception {
        Reference ref = Reference.parse("127.0.0.1:" + tls.httpsPort() + "/test/repo:v1");
        try (RegistryClient c = builder().build()) {
            assertArrayEquals(MANIFEST, c.manifest(ref).bytes());
            assertArrayEquals(MANIFEST, c.manifest(ref).bytes());
        }
        assertEquals(2, tls.getAllServeEvents().size(), "each request once over HTTPS; the plain try got no answer");
    }

    @Test
    void aFirstRequestWithABodyIsSentWholeAfterTheSwitch() throws Exception {
        String registry = "localhost:" + tls.httpsPort();
        RegistryClient.Settings settings = new RegistryClient.Settings(CredentialsProvider.ANONYMOUS,
                DockerConfig.at(dir.resolve("config.json")), Set.of(), Set.of(), RetryPolicy.DEFAULT, d -> { },
                Clock.systemUTC(), Map.of(), dir.resolve("certs.d"), 1, ProgressListener.NONE, 1 << 20, 1 << 20,
                Duration.ofSeconds(10));
        RegistryHttp http = new RegistryHttp(settings);
        try {
            URI uri = http.base(registry).resolve("/v2/test/repo/manifests/v2");
            assertEquals("http", uri.getScheme(), "plain HTTP first, with no probe");
            byte[] body = new byte[300_000]; // more than the socket takes before the server hangs up
            java.util.Arrays.fill(body, (byte) '{');
            RegistryHttp.Response r = http.send(registry, new RegistryHttp.Request("PUT", uri)
                    .header("Content-Type", MediaTypes.OCI_MANIFEST).body(RequestBody.of(body)), List.of());
            r.close();
            assertEquals(201, r.status());
            assertEquals("https", r.uri().getScheme());
            assertEquals(URI.create("https://" + registry), http.base(registry));
        } finally {
            http.close();
        }
        List<LoggedRequest> got = tls.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
        assertEquals(1, got.size());
        assertEquals(300_000, got.get(0).getBody().length);
    }

    @Test
    void aNonLoopbackNameIsVerifiedUnlessToldOtherwise() throws Exception {
        String registry = MAPPED + ":" + tls.httpsPort();
        Reference ref = Reference.parse(registry + "/test/repo:v1");
        List<Duration> waits = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (RegistryClient c = builder().sleeper(waits::add)
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofMillis(200))).build()) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.manifest(ref));
            assertTrue(e.getMessage().contains("not trusted") && e.getMessage().contains("--tls-verify=false"),
                    e.getMessage());
        }
        assertEquals(List.of(), waits, "a refused certificate is reported at once, not retried");
        assertEquals(0, tls.getAllServeEvents().size());
        try (RegistryClient c = builder().unverifiedRegistries(Set.of(registry)).build()) {
            assertArrayEquals(MANIFEST, c.manifest(ref).bytes());
        }
        try (RegistryClient c = builder().insecureRegistries(Set.of(MAPPED)).build()) {
            assertArrayEquals(MANIFEST, c.manifest(ref).bytes());
        }
        assertEquals(2, tls.getAllServeEvents().size());
    }

    @Test
    void aServerThatAnswersNeitherSaysWhatWasTried() throws Exception {
        try (ServerSocket hangUp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (true) {
                    try (Socket s = hangUp.accept()) {
                        s.getInputStream().read(); // a request, or a TLS client hello: hang up on either
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            Reference ref = Reference.parse("127.0.0.1:" + hangUp.getLocalPort() + "/test/repo:v1");
            try (RegistryClient c = builder().build()) {
                RegistryException e = assertThrows(RegistryException.class, () -> c.manifest(ref));
                assertTrue(e.getMessage().contains("tried plain HTTP (the server closed the connection without "
                        + "answering), then HTTPS without certificate verification ("), e.getMessage());
                assertTrue(e.getMessage().contains("in plain HTTP or HTTPS"), e.getMessage());
                // the last try began in plain HTTP again: a switch on a hang-up is undone when HTTPS fails too
                assertTrue(e.getMessage().contains("failed after 2 tries: tried plain HTTP"), e.getMessage());
            }
        }
    }
}
