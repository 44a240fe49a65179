package dev.hoist.registry.client;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TlsContextsTest {
    @TempDir
    Path dir;

    @Test
    void trustsDockersPerRegistryCertificates() throws Exception {
        Path openssl = Path.of("/usr/bin/openssl");
        Assumptions.assumeTrue(Files.isExecutable(openssl), "openssl is missing");
        Path host = Files.createDirectories(dir.resolve("myregistry.example:5000"));
        Process p = new ProcessBuilder(openssl.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=myregistry.example", "-keyout", dir.resolve("key.pem").toString(),
                "-out", host.resolve("ca.crt").toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        Assumptions.assumeTrue(p.waitFor() == 0, "openssl could not make a certificate");
        assertNotNull(TlsContexts.forRegistry(dir, "myregistry.example:5000"));
        assertNull(TlsContexts.forRegistry(dir, "other.example"));
        Files.createDirectories(dir.resolve("empty.example"));
        assertNull(TlsContexts.forRegistry(dir, "empty.example"));
        Path bad = Files.createDirectories(dir.resolve("bad.example"));
        Files.writeString(bad.resolve("ca.crt"), "not a certificate");
        assertThrows(RegistryException.class, () -> TlsContexts.forRegistry(dir, "bad.example"));
    }
}
