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

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registries reached through a proxy that wants Basic credentials from the proxy URL ({@link BasicAuthProxy} on
 * loopback) in front of WireMock over HTTPS and HTTP, which asks for the registry's own Basic credentials. The
 * registry is named {@code registry.test}, a name only the proxy resolves, so the client cannot go around it.
 */
class ProxyCredentialsTest {
    private static final byte[] MANIFEST = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
    /** The proxy's user and password, with characters that must be percent-encoded in the URL. */
    private static final String PROXY_USER = "corp\\me";
    private static final String PROXY_PASSWORD = "p@ss:w%rd";
    private static final String PROXY_URL_USERINFO = "corp%5Cme:p%40ss%3Aw%25rd";
    private static final String PROXY_AUTH = basic(PROXY_USER, PROXY_PASSWORD);
    private static final Credentials REGISTRY = Credentials.basic("reguser", "regpass");

    @TempDir
    Path dir;
    WireMockServer registry;
    BasicAuthProxy proxy;

    @BeforeEach
    void start() throws Exception {
        registry = new WireMockServer(options().dynamicPort().dynamicHttpsPort().bindAddress("127.0.0.1"));
        registry.start();
        registry.stubFor(get(urlEqualTo("/v2/test/repo/manifests/v1")).withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"registry\"")));
        registry.stubFor(get(urlEqualTo("/v2/test/repo/manifests/v1"))
                .withHeader("Authorization", equalTo(REGISTRY.basicHeader())).willReturn(aResponse().withStatus(200)
                        .withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody(MANIFEST)));
        proxy = new BasicAuthProxy(PROXY_AUTH).map("registry.test", registry.httpsPort())
               ;
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        registry.stop();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A client that logs in to {@code registryName} only; over HTTPS unverified, or over plain HTTP when insecure. */
    private RegistryClient client(Map<String, String> env, String registryName, boolean insecure) {
        return RegistryClient.builder(LocalImages.open(HoistRoot.at(dir)))
                .credentials(r -> r.equals(registryName) ? Optional.of(REGISTRY) : Optional.empty())
                .environment(env).certsDirectory(dir.resolve("certs.d")).sleeper(d -> { })
                .unverifiedRegistries(insecure ? Set.of() : Set.of(registryName))
                .insecureRegistries(insecure ? Set.of(registryName) : Set.of())
                .retryPolicy(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1))).build();
    }

    @Test
    void anHttpsRegistryIsReachedThroughTheTunnelWithTheProxysCredentialsOnTheConnectOnly() throws Exception {
        String name = "registry.test:" + registry.httpsPort();
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://" + PROXY_URL_USERINFO + "@127.0.0.1:" + proxy.port());
        try (RegistryClient c = client(env, name, false)) {
            assertArrayEquals(MANIFEST, c.manifest(Reference.parse(name + "/test/repo:v1")).bytes());
        }
        assertFalse(proxy.requestLines().isEmpty());
        for (int i = 0; i < proxy.requestLines().size(); i++) {
            assertEquals("CONNECT " + name + " HTTP/1.1", proxy.requestLines().get(i));
            assertEquals(PROXY_AUTH, proxy.heads().get(i).get("proxy-authorization"));
            assertNull(proxy.heads().get(i).get("authorization"), "the registry's credentials stay in the tunnel");
        }
        List<LoggedRequest> seen = registry.findAll(com.github.tomakehurst.wiremock.client.WireMock
                .getRequestedFor(urlEqualTo("/v2/test/repo/manifests/v1")));
        assertEquals(2, seen.size(), "the challenge, then the request with the registry's credentials");
        for (LoggedRequest r : seen) {
            assertFalse(r.containsHeader("Proxy-Authorization"), "the proxy's credentials never reach the registry");
        }
        assertEquals(REGISTRY.basicHeader(), seen.get(1).getHeader("Authorization"));
    }

    @Test
    void aRedirectedRequestCarriesNoProxyCredentialsToTheServer() throws Exception {
        // to the same name: WireMock's certificate is trusted for registry.test only, as the registry is unverified
        String name = "registry.test:" + registry.httpsPort();
        registry.stubFor(get(urlEqualTo("/v2/test/repo/manifests/moved")).willReturn(aResponse().withStatus(307)
                .withHeader("Location", "https://" + name + "/storage/manifest")));
        registry.stubFor(get(urlEqualTo("/storage/manifest")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody(MANIFEST)));
        Map<String, String> env = Map.of("https_proxy", "http://" + PROXY_URL_USERINFO + "@127.0.0.1:" + proxy.port());
        try (RegistryClient c = client(env, name, false)) {
            assertArrayEquals(MANIFEST, c.manifest(Reference.parse(name + "/test/repo:moved")).bytes());
        }
        List<LoggedRequest> stored = registry.findAll(com.github.tomakehurst.wiremock.client.WireMock
                .getRequestedFor(urlEqualTo("/storage/manifest")));
        assertEquals(1, stored.size());
        assertFalse(stored.get(0).containsHeader("Proxy-Authorization"));
        for (Map<String, String> head : proxy.heads()) {
            assertEquals(PROXY_AUTH, head.get("proxy-authorization"));
        }
    }

    @Test
    void aPlainHttpRegistryGetsTheRegistrysCredentialsAndTheProxyItsOwn() throws Exception {
        proxy.map("registry.test", registry.port());
        String name = "registry.test:" + registry.port();
        Map<String, String> env = Map.of("HTTP_PROXY", "http://" + PROXY_URL_USERINFO + "@127.0.0.1:" + proxy.port());
        try (RegistryClient c = client(env, name, true)) {
            assertArrayEquals(MANIFEST, c.manifest(Reference.parse(name + "/test/repo:v1")).bytes());
        }
        String last = proxy.requestLines().get(proxy.requestLines().size() - 1);
        assertEquals("GET http://" + name + "/v2/test/repo/manifests/v1 HTTP/1.1", last);
        Map<String, String> head = proxy.heads().get(proxy.heads().size() - 1);
        assertEquals(PROXY_AUTH, head.get("proxy-authorization"));
        assertEquals(REGISTRY.basicHeader(), head.get("authorization"));
        List<LoggedRequest> seen = registry.findAll(com.github.tomakehurst.wiremock.client.WireMock
                .getRequestedFor(urlEqualTo("/v2/test/repo/manifests/v1")));
        assertEquals(REGISTRY.basicHeader(), seen.get(seen.size() - 1).getHeader("Authorization"));
    }

    @Test
    void refusedCredentialsSayWhichVariableToFixWithoutShowingThePassword() throws Exception {
        String name = "registry.test:" + registry.httpsPort();
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://corp%5Cme:wrong-secret@127.0.0.1:" + proxy.port());
        RegistryException e;
        try (RegistryClient c = client(env, name, false)) {
            e = assertThrows(RegistryException.class, () -> c.manifest(Reference.parse(name + "/test/repo:v1")));
        }
        assertEquals(407, e.status());
        assertTrue(e.getMessage().startsWith("the proxy http://corp\\me:***@127.0.0.1:" + proxy.port()
                + " refused the credentials of corp\\me to reach https://" + name), e.getMessage());
        assertTrue(e.getMessage().contains("check HTTPS_PROXY"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-secret"), e.getMessage());
        assertEquals(1, proxy.requestLines().size(), "a refusal is not retried");
        assertTrue(registry.getAllServeEvents().isEmpty());
    }

    @Test
    void aProxyThatWantsCredentialsWhereNoneAreGivenSaysHowToGiveThem() throws Exception {
        String name = "registry.test:" + registry.httpsPort();
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://127.0.0.1:" + proxy.port());
        RegistryException e;
        try (RegistryClient c = client(env, name, false)) {
            e = assertThrows(RegistryException.class, () -> c.manifest(Reference.parse(name + "/test/repo:v1")));
        }
        assertEquals(407, e.status());
        assertTrue(e.getMessage().contains("the proxy http://127.0.0.1:" + proxy.port() + " asks for credentials"),
                e.getMessage());
        assertTrue(e.getMessage().contains("put them in HTTPS_PROXY as http://user:password@127.0.0.1:"), e.getMessage());
    }
}
