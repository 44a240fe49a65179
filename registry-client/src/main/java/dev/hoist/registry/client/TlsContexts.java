package dev.hoist.registry.client;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * TLS contexts trusting the system CAs plus Docker's per-registry CAs ({@code CERTS_DIR/HOST[:PORT]/*.crt}), and one
 * trusting anything for registries whose certificates are not checked.
 */
final class TlsContexts {
    private TlsContexts() {
    }

    /**
     * A context that accepts any certificate for any host name, for the registries that Docker and skopeo reach
     * without verification (loopback, insecure, {@code --tls-verify=false}). Its trust manager is an
     * {@link X509ExtendedTrustManager}: the JDK wraps a plain {@link X509TrustManager} in one that checks the host
     * name all the same.
     */
    static SSLContext unverified() throws RegistryException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustingAnything()}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new RegistryException("cannot set up TLS: " + e.getMessage() + "; check the Java installation", e);
        }
    }

    /** Accepts every certificate chain, and checks no host name. */
    private static final class TrustingAnything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            // trusted
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            // trusted
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            // trusted
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            // trusted
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // trusted
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // trusted
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** The context for {@code registry}, or null when its directory has no certificates (use the default). */
    static SSLContext forRegistry(Path certsDir, String registry) throws RegistryException {
        Path dir = certsDir.resolve(registry.replace("[", "").replace("]", ""));
        if (!Files.isDirectory(dir)) {
            dir = certsDir.resolve(registry);
            if (!Files.isDirectory(dir)) {
                return null;
            }
        }
        try {
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int n = 0;
            for (var tm : system.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        ks.setCertificateEntry("system-" + n++, c);
                    }
                }
            }
            int extra = 0;
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crt")) {
                for (Path f : files) {
                    try (InputStream in = Files.newInputStream(f)) {
                        for (Certificate c : cf.generateCertificates(in)) {
                            ks.setCertificateEntry("docker-" + extra++, c);
                        }
                    }
                }
            }
            if (extra == 0) {
                return null;
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new RegistryException("cannot read the CA certificates in " + dir + ": " + e.getMessage()
                    + "; fix or remove them", e);
        }
    }
}
