package dev.hoist.registry.client;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/** A CNCF registry ({@code docker-registry}) started for a test on a loopback port, in a temp dir. */
final class PeerRegistry implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private final Process process;
    private final int port;

    private PeerRegistry(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts one, or skips the test when the binary is absent (fails instead with HOIST_REQUIRE_PEERS=1). */
    static PeerRegistry start(Path dir) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            if ("1".equals(System.getenv("HOIST_REQUIRE_PEERS"))) {
                throw new IllegalStateException(BINARY + " is missing; install the docker-registry package");
            }
            Assumptions.abort(BINARY + " is missing");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: error
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("data"), port));
        Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        PeerRegistry r = new PeerRegistry(p, port);
        HttpClient c = HttpClient.newHttpClient();
        for (int i = 0; i < 200; i++) {
            try {
                HttpResponse<Void> resp = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (resp.statusCode() == 200) {
                    return r;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
            }
            Thread.sleep(50);
        }
        r.close();
        throw new IllegalStateException("docker-registry did not come up on port " + port);
    }

    String host() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
