package dev.hoist.registry.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaults() {
        RegistryConfig c = RegistryConfig.defaults(dir);
        assertEquals(dir.resolve("registry"), c.storage());
        assertEquals("127.0.0.1", c.host());
        assertEquals(5000, c.port());
        assertTrue(c.fsync());
        assertFalse(c.tls().enabled());
        assertEquals(4L << 20, 4L << 20);
        assertEquals(Duration.ofHours(24), c.uploads().ttl().value());
        assertEquals(Duration.ZERO, c.gc().interval().value());
    }

    @Test
    void yamlWithEverythingAndRelativePaths() throws Exception {
        Path cfg = dir.resolve("etc/registry.yaml");
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, """
                storage: data/registry
                listen: 0.0.0.0:5443
                readOnly: true
                accessLog: stdout
                limits:
                  maxBlobSize: 10GiB
                  maxHeaderSize: 32KiB
                  idleTimeout: 90s
                  shutdownTimeout: 2m
                uploads: {ttl: 12h}
                gc: {interval: 1d, grace: 30m, deleteUntagged: true}
                tls: {cert: tls/cert.pem, key: tls/key.pem}
                auth:
                  htpasswd: htpasswd
                  anonymousPull: true
                  token: {service: my-registry, expiry: 5m}
                  groups: {devs: [alice]}
                  rules:
                    - {repository: "team/**", groups: [devs], actions: ["*"]}
                """);
        RegistryConfig c = RegistryConfig.load(cfg, dir);
        assertEquals(dir.resolve("data/registry"), c.storage());
        assertEquals(5443, c.port());
        assertEquals("0.0.0.0", c.host());
        assertTrue(c.readOnly());
        assertEquals(10L << 30, c.limits().maxBlobSize().bytes());
        assertEquals(32L << 10, c.limits().maxHeaderSize().bytes());
        assertEquals(Duration.ofSeconds(90), c.limits().idleTimeout().value());
        assertEquals(Duration.ofDays(1), c.gc().interval().value());
        assertTrue(c.gc().deleteUntagged());
        assertEquals(dir.resolve("etc/tls/cert.pem"), c.tls().cert());
        assertEquals(dir.resolve("etc/htpasswd"), c.auth().htpasswd());
        assertEquals("my-registry", c.auth().token().service());
        assertEquals(Duration.ofMinutes(5), c.auth().token().expiry().value());
        assertEquals(java.util.List.of("alice"), c.auth().groups().get("devs"));
        assertEquals("team/**", c.auth().rules().get(0).repository());
    }

    @Test
    void overridesAndEnvironment() throws Exception {
        RegistryConfig c = RegistryConfig.defaults(dir)
                .withOverrides(Map.of("listen", "127.0.0.1:6000", "tls.selfSigned", "true", "gc.grace", "2h", "readOnly", "true"));
        assertEquals(6000, c.port());
        assertTrue(c.tls().selfSigned());
        assertEquals(Duration.ofHours(2), c.gc().grace().value());
        assertTrue(c.readOnly());
        RegistryConfig e = c.withEnvironment(Map.of("HOIST_REGISTRY_READONLY", "false", "HOIST_REGISTRY_AUTH_ANONYMOUSPULL", "true",
                "HOIST_REGISTRY_LIMITS_MAXBLOBSIZE", "1MiB", "PATH", "/bin"));
        assertFalse(e.readOnly());
        assertTrue(e.auth().anonymousPull());
        assertEquals(1L << 20, e.limits().maxBlobSize().bytes());
        assertEquals(dir.resolve("registry"), e.storage());
    }

    @Test
    void mistakesAreNamed() throws Exception {
        IOException unknownKey = assertThrows(IOException.class, () -> RegistryConfig.defaults(dir).withOverrides(Map.of("lisen", "x")));
        assertTrue(unknownKey.getMessage().contains("lisen"), unknownKey.getMessage());
        IOException badDuration = assertThrows(IOException.class, () -> RegistryConfig.defaults(dir).withOverrides(Map.of("gc.grace", "soon")));
        assertTrue(badDuration.getMessage().contains("soon"), badDuration.getMessage());
        IOException env = assertThrows(IOException.class, () -> RegistryConfig.defaults(dir).withEnvironment(Map.of("HOIST_REGISTRY_NOPE", "1")));
        assertTrue(env.getMessage().contains("HOIST_REGISTRY_NOPE"), env.getMessage());
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "listen: [1, 2\n");
        IOException yaml = assertThrows(IOException.class, () -> RegistryConfig.load(cfg, dir));
        assertTrue(yaml.getMessage().contains("bad.yaml"), yaml.getMessage());
        assertThrows(IOException.class, () -> RegistryConfig.load(dir.resolve("missing.yaml"), dir));
    }
}
