package dev.hoist.cache.archive;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The peer tools of the test machine: the Docker daemon at {@value #DOCKER_HOST} and skopeo. A test that needs
 * one is skipped when it is absent, unless {@code HOIST_REQUIRE_PEERS=1}, when it fails.
 */
final class Peers {
    static final String DOCKER_HOST = "unix:///tmp/hoist-peers/docker.sock";
    static final Path DOCKER_SOCKET = Path.of("/tmp/hoist-peers/docker.sock");
    static final Path SKOPEO = Path.of("/usr/bin/skopeo");
    /** The image the peer setup loads into the daemon. */
    static final String BUSYBOX = "busybox:local";

    private Peers() {
    }

    static void assumeDocker() {
        require(daemonAnswers() && onPath("docker"), "a running peer Docker daemon (" + DOCKER_SOCKET + ") and the"
                + " docker command");
    }

    /** True when something accepts connections on the socket: a socket file left by a dead daemon does not count. */
    private static boolean daemonAnswers() {
        if (!Files.exists(DOCKER_SOCKET)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(DOCKER_SOCKET))) {
            return channel.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    static void assumeSkopeo() {
        require(Files.isExecutable(SKOPEO), "skopeo at " + SKOPEO);
    }

    private static void require(boolean present, String what) {
        if (present) {
            return;
        }
        if ("1".equals(System.getenv("HOIST_REQUIRE_PEERS"))) {
            fail(what + " is required (HOIST_REQUIRE_PEERS=1) but absent");
        }
        Assumptions.abort(what + " is absent; set up the peers or run without this test");
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** A process started with the peers' environment, its output going to a file. */
    static ProcessBuilder builder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("DOCKER_HOST", DOCKER_HOST);
        return pb;
    }

    /** Runs {@code command} and returns its standard output; fails the test, with its output, unless it exits 0. */
    static String run(String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("hoist-peer", ".out");
        Path err = Files.createTempFile("hoist-peer", ".err");
        try {
            Process p = builder(List.of(command)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            // A guard against a hung tool, not an assertion about its speed.
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish");
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                fail(String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + output
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return output;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
