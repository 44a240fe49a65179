package dev.hoist.registry.client;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RegistryClient#prepare}: set-up ahead of the first request, whose failures that request reports. */
class PrepareTest {
    @TempDir
    Path dir;

    @Test
    void aFailedPreparationIsReportedByTheFirstRequestAndLeavesTheExecutorWorking() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs.d").resolve("bad.example:5000"));
        Files.writeString(certs.resolve("ca.crt"), "not a certificate");
        LocalImages images = LocalImages.open(HoistRoot.at(Files.createDirectories(dir.resolve("root"))));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        Reference ref = Reference.parse("bad.example:5000/a/b:1");
        try (RegistryClient client = RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of()).certsDirectory(certs.getParent()).executor(executor).build()) {
            client.prepare(ref);
            assertTrue(executor.submit(() -> true).get(), "the executor still runs tasks after a failed preparation");
            Exception e = assertThrows(Exception.class, () -> client.manifest(ref));
            assertTrue(mentions(e, "cannot read the CA certificates"), () -> "reported: " + e);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aConnectionThatCannotBeOpenedAheadIsReportedByTheFirstRequest() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        LocalImages images = LocalImages.open(HoistRoot.at(Files.createDirectories(dir.resolve("root"))));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        Reference ref = Reference.parse("127.0.0.1:" + port + "/a/b:1");
        try (RegistryClient client = RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of()).retryPolicy(RetryPolicy.NONE)
                .executor(executor).build()) {
            client.prepare(ref);
            assertTrue(executor.submit(() -> true).get(), "the executor still runs tasks after a failed preparation");
            RegistryException e = assertThrows(RegistryException.class, () -> client.manifest(ref));
            assertTrue(e.getMessage().contains("GET http://127.0.0.1:" + port + "/v2/a/b/manifests/1 failed"), e.getMessage());
        } finally {
            executor.shutdownNow();
        }
    }

    private static boolean mentions(Throwable t, String text) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (String.valueOf(c.getMessage()).contains(text)) {
                return true;
            }
        }
        return false;
    }
}
