package dev.hoist.registry.client;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthAndProxyTest {

    @Test
    void parsesChallenges() {
        AuthChallenge c = AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/busybox:pull repository:x/y:pull,push\"");
        assertTrue(c.isBearer());
        assertEquals("https://auth.docker.io/token", c.param("realm"));
        assertEquals("registry.docker.io", c.param("service"));
        assertEquals("repository:library/busybox:pull repository:x/y:pull,push", c.param("scope"));
        AuthChallenge b = AuthChallenge.parse("Basic realm=Registry");
        assertTrue(b.isBasic());
        assertEquals("Registry", b.param("realm"));
        assertNull(AuthChallenge.parse(" "));
    }

    @Test
    void proxiesFollowTheEnvironment() {
        EnvProxySelector p = EnvProxySelector.fromEnv(Map.of("HTTPS_PROXY", "http://proxy.corp:3128",
                "no_proxy", "internal.corp,.svc,registry.local:5000"));
        assertEquals(List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.corp", 3128))),
                p.select(URI.create("https://ghcr.io/v2/")));
        assertEquals(List.of(Proxy.NO_PROXY), p.select(URI.create("http://ghcr.io/v2/")), "no HTTP_PROXY set");
        assertEquals(List.of(Proxy.NO_PROXY), p.select(URI.create("https://registry.internal.corp/v2/")));
        assertEquals(List.of(Proxy.NO_PROXY), p.select(URI.create("https://a.b.svc/v2/")));
        assertEquals(List.of(Proxy.NO_PROXY), p.select(URI.create("https://registry.local:5000/v2/")));
        assertEquals(1, p.select(URI.create("https://registry.local:5001/v2/")).size());
        assertTrue(p.select(URI.create("https://registry.local:5001/v2/")).get(0).type() == Proxy.Type.HTTP);
        assertEquals(List.of(Proxy.NO_PROXY), p.select(URI.create("https://127.0.0.1:5000/v2/")));
        assertNull(EnvProxySelector.fromEnv(Map.of()));
    }

    @Test
    void proxyCredentialsArePercentDecodedAndNeverShown() {
        ProxyUrl p = ProxyUrl.parse("HTTPS_PROXY", "http://corp%5Cme:p%40ss%3Aw%25rd+x@proxy.corp:3128/");
        assertEquals("proxy.corp", p.host());
        assertEquals(3128, p.port());
        assertEquals("corp\\me", p.user());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("corp\\me:p@ss:w%rd+x".getBytes(StandardCharsets.UTF_8)),
                p.authorization());
        assertEquals("http://corp\\me:***@proxy.corp:3128", p.toString());
        ProxyUrl bare = ProxyUrl.parse("http_proxy", "[::1]:8080");
        assertNull(bare.authorization());
        assertEquals("http://[::1]:8080", bare.toString());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("u:".getBytes(StandardCharsets.UTF_8)),
                ProxyUrl.parse("HTTP_PROXY", "u@proxy").authorization(), "a user without a password, as curl sends it");
        assertEquals("proxy.corp", EnvProxySelector.fromEnv(Map.of("HTTPS_PROXY", "http://u:secret@proxy.corp:3128"))
                .proxyFor(URI.create("https://ghcr.io/v2/")).host());
        for (String bad : List.of("http://u:sec@ret@proxy.corp:3128", "http://u:sec%zzret@proxy.corp",
                "http://u:secret@", "http://u:secret@proxy corp:1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> EnvProxySelector.fromEnv(Map.of("HTTPS_PROXY", bad)));
            assertTrue(e.getMessage().startsWith("HTTPS_PROXY=http://***@"), e.getMessage());
            assertFalse(e.getMessage().contains("sec"), e.getMessage());
        }
    }

    @Test
    void backoffGrowsAndIsBounded() {
        RetryPolicy p = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(1));
        for (int retry = 1; retry <= 10; retry++) {
            long ms = p.delay(retry).toMillis();
            long exp = Math.min(1000, 100L << (retry - 1));
            assertTrue(ms >= exp / 2 && ms <= exp, retry + ": " + ms);
        }
        assertTrue(RetryPolicy.waitsOut(Duration.ofSeconds(60)));
        assertTrue(!RetryPolicy.waitsOut(Duration.ofSeconds(61)), "a longer Retry-After is reported, not waited for");
    }
}
