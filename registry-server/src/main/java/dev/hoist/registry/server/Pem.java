package dev.hoist.registry.server;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Reads and writes PEM keys and certificates with Bouncy Castle. Stateless. */
final class Pem {
    private Pem() {
    }

    /** A private key and its public key from a PEM file: PKCS#1 RSA, SEC1 EC or PKCS#8 (unencrypted). */
    static KeyPair readKeyPair(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof PEMKeyPair kp) {
                    if (kp.getPublicKeyInfo() == null) {
                        // SEC1 EC keys may leave the public key out: derive it.
                        PrivateKey key = conv.getPrivateKey(kp.getPrivateKeyInfo());
                        return new KeyPair(publicOf(key), key);
                    }
                    return conv.getKeyPair(kp);
                }
                if (o instanceof PrivateKeyInfo pki) {
                    PrivateKey key = conv.getPrivateKey(pki);
                    return new KeyPair(publicOf(key), key);
                }
            }
        } catch (IOException e) {
            throw new IOException("cannot read the private key " + file + ": " + e.getMessage(), e);
        }
        throw new IOException("the file " + file + " holds no unencrypted PEM private key (RSA or EC)");
    }

    private static PublicKey publicOf(PrivateKey key) throws IOException {
        try {
            if (key instanceof java.security.interfaces.RSAPrivateCrtKey rsa) {
                return java.security.KeyFactory.getInstance("RSA").generatePublic(
                        new java.security.spec.RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            }
            if (key instanceof java.security.interfaces.ECPrivateKey ec) {
                var params = ec.getParams();
                org.bouncycastle.jce.spec.ECParameterSpec bcSpec = org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util
                        .convertSpec(params);
                org.bouncycastle.math.ec.ECPoint q = bcSpec.getG().multiply(ec.getS()).normalize();
                var w = new java.security.spec.ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
                return java.security.KeyFactory.getInstance("EC").generatePublic(new java.security.spec.ECPublicKeySpec(w, params));
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot derive the public key: " + e.getMessage(), e);
        }
        throw new IOException("unsupported key type " + key.getAlgorithm() + "; use RSA or EC");
    }

    /** The certificates of a PEM file, in file order (leaf first, then its chain). */
    static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(conv.getCertificate(h));
                }
            }
        } catch (CertificateException | IOException e) {
            throw new IOException("cannot read the certificate " + file + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException("the file " + file + " holds no PEM certificate");
        }
        return out;
    }

    /** Writes objects (keys, certificates) as PEM, atomically, readable by the owner only. */
    static void write(Path file, Object... objects) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            for (Object o : objects) {
                if (o instanceof PrivateKey k) {
                    // PKCS#8 keeps an EC key's curve; BC's default SEC1 output of a JCA key would not.
                    w.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null));
                } else {
                    w.writeObject(o);
                }
            }
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sw.toString(), StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX filesystem
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
