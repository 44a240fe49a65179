package dev.hoist.registry.server;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Server TLS: an {@link SSLContext} from a PEM certificate chain and private key (RSA or EC), or from a
 * self-signed certificate made once and kept under the storage's {@code tls/}. Stateless.
 */
public final class TlsContexts {
    private TlsContexts() {
    }

    /** The SSL context for {@code tls}; a self-signed certificate is kept in {@code storage/tls}. */
    static SSLContext load(RegistryConfig.Tls tls, Path storage, String host) throws IOException {
        Path cert = tls.cert();
        Path key = tls.key();
        if (cert == null) {
            cert = storage.resolve("tls").resolve("self-signed.crt");
            key = storage.resolve("tls").resolve("self-signed.key");
            if (!Files.exists(cert) || !Files.exists(key)) {
                selfSigned(cert, key, host);
            }
        } else if (key == null) {
            throw new IOException("tls.cert is set but tls.key is not: give the PEM private key of the certificate");
        }
        List<X509Certificate> chain = Pem.readCertificates(cert);
        KeyPair kp = Pem.readKeyPair(key);
        if (!chain.get(0).getPublicKey().equals(kp.getPublic())) {
            throw new IOException("the private key " + key + " does not belong to the first certificate in " + cert);
        }
        try {
            char[] pw = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("registry", kp.getPrivate(), pw, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the certificate " + cert + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes an EC P-256 self-signed certificate, valid ten years, for localhost, 127.0.0.1, ::1, this machine's
     * name and {@code host}, and writes it and its key as PEM.
     */
    public static void selfSigned(Path certFile, Path keyFile, String host) throws IOException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
            try {
                names.add(InetAddress.getLocalHost().getHostName());
            } catch (IOException ignored) {
                // no name
            }
            if (host != null && !host.isEmpty() && !host.equals("0.0.0.0") && !host.equals("::")) {
                names.add(host);
            }
            List<GeneralName> sans = new ArrayList<>();
            for (String n : names) {
                boolean ip = n.contains(":") || n.matches("[0-9.]+");
                sans.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, n));
            }
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=hoist registry (self-signed)");
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), subject, kp.getPublic());
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer));
            Pem.write(keyFile, kp.getPrivate());
            Pem.write(certFile, cert);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }
}
