package dev.hoist.registry.client;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which scheme a registry is spoken to in, and how and when that changes. */
class RegistrySchemesTest {
    private static final TlsSuspectedException CERTAIN = new TlsSuspectedException("a TLS alert", true, null);
    private static final TlsSuspectedException HUNG_UP = new TlsSuspectedException("closed", false, null);

    @Test
    void mostRegistriesAreVerifiedHttpsAndNeverSwitch() {
        RegistrySchemes s = new RegistrySchemes(Set.of(), Set.of());
        URI base = s.base("ghcr.io");
        assertEquals(URI.create("https://ghcr.io"), base);
        assertEquals(URI.create("https://registry-1.docker.io"), s.base("docker.io"));
        assertFalse(s.unverified(base.resolve("/v2/")));
        assertNull(s.fallback(base.resolve("/v2/"), new IOException("PKIX path building failed")));
        assertEquals(URI.create("https://ghcr.io"), s.base("ghcr.io"));
    }

    @Test
    void aLoopbackRegistrySwitchesToUnverifiedHttpsOnceItShowsTls() {
        RegistrySchemes s = new RegistrySchemes(Set.of(), Set.of());
        URI ping = s.base("127.0.0.1:5000").resolve("/v2/");
        assertEquals(URI.create("http://127.0.0.1:5000/v2/"), ping);
        URI upload = s.base("127.0.0.1:5000").resolve("/v2/a/blobs/uploads/?digest=sha256%3Aab");
        assertNull(s.fallback(ping, new java.net.ConnectException("refused")), "no sign of TLS");
        assertEquals(URI.create("https://127.0.0.1:5000/v2/"), s.fallback(ping, CERTAIN));
        assertEquals(URI.create("https://127.0.0.1:5000"), s.base("127.0.0.1:5000"));
        assertEquals(URI.create("https://127.0.0.1:5000/v2/a/blobs/uploads/?digest=sha256%3Aab"), s.current(upload),
                "a request made before the switch goes after it, its query as it was");
        assertTrue(s.unverified(s.current(upload)));
        s.fallbackFailed(s.current(ping));
        assertEquals(URI.create("https://127.0.0.1:5000"), s.base("127.0.0.1:5000"), "a TLS alert is certain");
        assertNull(s.fallback(s.current(ping), new IOException("handshake failed")), "never back");
    }

    @Test
    void aSwitchOnAHangUpIsUndoneWhenHttpsFailsToo() {
        RegistrySchemes s = new RegistrySchemes(Set.of("registry.lan"), Set.of());
        URI ping = s.base("registry.lan:5000").resolve("/v2/");
        assertEquals("http", ping.getScheme(), "named insecure by host: any port");
        URI https = s.fallback(ping, HUNG_UP);
        assertEquals(URI.create("https://registry.lan:5000/v2/"), https);
        s.fallbackFailed(https);
        assertEquals(URI.create("http://registry.lan:5000"), s.base("registry.lan:5000"), "a retry starts over");
        // a concurrent request that failed in plain HTTP while another switched is sent to where the host is now
        URI again = s.fallback(ping, HUNG_UP);
        assertEquals(again, s.fallback(ping, HUNG_UP));
        s.answered(again);
        s.fallbackFailed(again);
        assertEquals(URI.create("https://registry.lan:5000"), s.base("registry.lan:5000"), "settled by an answer");
    }

    @Test
    void anAnsweredPlainRegistryStaysPlain() {
        RegistrySchemes s = new RegistrySchemes(Set.of(), Set.of());
        URI ping = s.base("localhost:5000").resolve("/v2/");
        s.answered(ping);
        assertNull(s.fallback(ping, HUNG_UP));
        assertNull(s.fallback(ping, CERTAIN));
        assertEquals(URI.create("http://localhost:5000"), s.base("localhost:5000"));
    }

    @Test
    void unverifiedRegistriesTryHttpsFirstThenPlainHttp() {
        RegistrySchemes s = new RegistrySchemes(Set.of(), Set.of("registry.lan"));
        URI ping = s.base("registry.lan").resolve("/v2/");
        assertEquals(URI.create("https://registry.lan/v2/"), ping);
        assertTrue(s.unverified(ping));
        URI plain = s.fallback(ping, new javax.net.ssl.SSLException("Unsupported or unrecognized SSL message"));
        assertEquals(URI.create("http://registry.lan/v2/"), plain);
        s.fallbackFailed(plain);
        assertEquals("https", s.base("registry.lan").getScheme(), "both failed: HTTPS first again");
        assertEquals(plain, s.fallback(ping, new EOFException()));
        s.answered(plain);
        assertNull(s.fallback(plain, CERTAIN), "settled in plain HTTP");
        assertEquals("http", s.base("registry.lan").getScheme());
    }
}
