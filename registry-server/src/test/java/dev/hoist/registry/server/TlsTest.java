package dev.hoist.registry.server;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPS with PEM files (RSA with a chain, EC) and with a self-signed certificate; HTTP/2 over TLS. */
class TlsTest {
    @TempDir
    Path dir;

    static SSLContext trusting(X509Certificate ca) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    static SSLContext trustAll() throws Exception {
        TrustManager tm = new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[]{tm}, null);
        return ctx;
    }

    static X509Certificate cert(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys, boolean ca) throws Exception {
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(new SecureRandom().nextInt(1 << 30)),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject, subjectKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (!ca) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        }
        String alg = issuerKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKeys.getPrivate())));
    }

    static String pem(Object... objects) throws Exception {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        }
        return sw.toString();
    }

    static KeyPair keys(String alg) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
        g.initialize(alg.equals("RSA") ? 2048 : 256);
        return g.generateKeyPair();
    }

    HttpResponse<String> get(SSLContext ctx, RegistryServer s) throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(ctx).build();
        return c.send(HttpRequest.newBuilder(s.uri().resolve("/v2/")).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rsaCertificateWithItsChainInPkcs1() throws Exception {
        KeyPair caKeys = keys("RSA");
        X500Name caName = new X500Name("CN=test ca");
        X509Certificate ca = cert(caName, caKeys, caName, caKeys, true);
        KeyPair leafKeys = keys("RSA");
        X509Certificate leaf = cert(new X500Name("CN=localhost"), leafKeys, caName, caKeys, false);
        Files.writeString(dir.resolve("chain.pem"), pem(leaf, ca));
        Files.writeString(dir.resolve("key.pem"), pem(leafKeys)); // "RSA PRIVATE KEY", PKCS#1
        assertTrue(Files.readString(dir.resolve("key.pem")).contains("BEGIN RSA PRIVATE KEY"));
        RegistryConfig c = TestRegistry.config(dir, Map.of("tls.cert", dir.resolve("chain.pem").toString(),
                "tls.key", dir.resolve("key.pem").toString()));
        try (RegistryServer s = RegistryServer.start(c)) {
            assertTrue(s.https());
            HttpResponse<String> r = get(trusting(ca), s);
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, r.version());
        }
    }

    @Test
    void ecCertificateWithPkcs8Key() throws Exception {
        KeyPair k = keys("EC");
        X500Name name = new X500Name("CN=localhost");
        X509Certificate self = cert(name, k, name, k, false);
        Files.writeString(dir.resolve("c.pem"), pem(self));
        Files.writeString(dir.resolve("k.pem"), pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k.getPrivate(), null)));
        RegistryConfig c = TestRegistry.config(dir, Map.of("tls.cert", dir.resolve("c.pem").toString(),
                "tls.key", dir.resolve("k.pem").toString()));
        try (RegistryServer s = RegistryServer.start(c)) {
            assertEquals(200, get(trusting(self), s).statusCode());
        }
    }

    @Test
    void opensslSec1EcKey() throws Exception {
        Path openssl = Path.of("/usr/bin/openssl");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(openssl), "openssl is not installed");
        Process p = new ProcessBuilder(openssl.toString(), "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                "-out", dir.resolve("sec1.key").toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        p = new ProcessBuilder(openssl.toString(), "req", "-x509", "-key", dir.resolve("sec1.key").toString(), "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2", "-out", dir.resolve("sec1.crt").toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        assertTrue(Files.readString(dir.resolve("sec1.key")).contains("BEGIN EC PRIVATE KEY"));
        RegistryConfig c = TestRegistry.config(dir, Map.of("tls.cert", dir.resolve("sec1.crt").toString(),
                "tls.key", dir.resolve("sec1.key").toString()));
        try (RegistryServer s = RegistryServer.start(c)) {
            assertEquals(200, get(trustAll(), s).statusCode());
        }
    }

    @Test
    void uploadsOverHttp2ArriveWholeStreamedAndMonolithic() throws Exception {
        RegistryConfig c = TestRegistry.config(dir, Map.of("tls.selfSigned", "true"));
        try (RegistryServer s = RegistryServer.start(c)) {
            HttpClient h2 = HttpClient.newBuilder().sslContext(trustAll()).version(HttpClient.Version.HTTP_2).build();
            // bodies far past HTTP/2's 64 KiB initial flow-control window, which the server must keep opening
            byte[] blob = new byte[3 * 1024 * 1024 + 17];
            new java.util.Random(7).nextBytes(blob);
            String digest = "sha256:" + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(blob));
            HttpResponse<String> start = h2.send(HttpRequest.newBuilder(s.uri().resolve("/v2/h2/app/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, start.statusCode(), start.body());
            assertEquals(HttpClient.Version.HTTP_2, start.version());
            String location = start.headers().firstValue("Location").orElseThrow();
            HttpResponse<String> patch = h2.send(HttpRequest.newBuilder(s.uri().resolve(location))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/octet-stream")
                    .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, patch.statusCode(), patch.body());
            String done = patch.headers().firstValue("Location").orElseThrow();
            HttpResponse<String> put = h2.send(HttpRequest.newBuilder(s.uri().resolve(done + (done.contains("?") ? "&" : "?")
                    + "digest=" + digest)).timeout(Duration.ofSeconds(30))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, put.statusCode(), put.body());

            // monolithic: POST ?digest= with the whole body
            blob[0] ^= 1;
            String digest2 = "sha256:" + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(blob));
            HttpResponse<String> mono = h2.send(HttpRequest.newBuilder(s.uri().resolve("/v2/h2/app/blobs/uploads/?digest="
                    + digest2)).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, mono.statusCode(), mono.body());
            for (String d : new String[] {digest, digest2}) {
                HttpResponse<byte[]> got = h2.send(HttpRequest.newBuilder(s.uri().resolve("/v2/h2/app/blobs/" + d)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, got.statusCode());
                assertEquals(blob.length, got.body().length);
            }
        }
    }

    @Test
    void selfSignedIsMadeOnceAndKept() throws Exception {
        RegistryConfig c = TestRegistry.config(dir, Map.of("tls.selfSigned", "true"));
        String first;
        try (RegistryServer s = RegistryServer.start(c)) {
            assertTrue(s.uri().toString().startsWith("https://127.0.0.1:"));
            HttpResponse<String> r = get(trustAll(), s);
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            first = Files.readString(c.storage().resolve("tls/self-signed.crt"));
            X509Certificate cert = Pem.readCertificates(c.storage().resolve("tls/self-signed.crt")).get(0);
            assertEquals(200, get(trusting(cert), s).statusCode(), "valid for 127.0.0.1");
            // Plain HTTP clients are not served.
            HttpClient plain = HttpClient.newHttpClient();
            assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + s.port() + "/v2/")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        try (RegistryServer s = RegistryServer.start(c)) {
            assertEquals(first, Files.readString(c.storage().resolve("tls/self-signed.crt")));
        }
    }

    @Test
    void mismatchedKeyIsExplained() throws Exception {
        KeyPair k = keys("EC");
        X500Name name = new X500Name("CN=localhost");
        Files.writeString(dir.resolve("c.pem"), pem(cert(name, k, name, k, false)));
        Files.writeString(dir.resolve("k.pem"), pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys("EC").getPrivate(), null)));
        RegistryConfig c = TestRegistry.config(dir, Map.of("tls.cert", dir.resolve("c.pem").toString(),
                "tls.key", dir.resolve("k.pem").toString()));
        var e = assertThrows(java.io.IOException.class, () -> RegistryServer.start(c));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }
}
