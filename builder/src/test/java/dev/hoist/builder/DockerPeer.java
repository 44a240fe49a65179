package dev.hoist.builder;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The peer Docker daemon at {@value #DOCKER_HOST}, driven through the {@code docker} command. Tests that need it
 * are skipped when nothing accepts connections on its socket, unless {@code HOIST_REQUIRE_PEERS=1}: then they fail.
 */
final class DockerPeer {
    static final String DOCKER_HOST = "unix:///tmp/hoist-peers/docker.sock";
    static final Path DOCKER_SOCKET = Path.of("/tmp/hoist-peers/docker.sock");

    private DockerPeer() {
    }

    static void assume() {
        if (answers() && onPath("docker")) {
            return;
        }
        String what = "a running peer Docker daemon (" + DOCKER_SOCKET + ") and the docker command";
        if ("1".equals(System.getenv("HOIST_REQUIRE_PEERS"))) {
            fail(what + " is required (HOIST_REQUIRE_PEERS=1) but absent");
        }
        Assumptions.abort(what + " is absent; set up the peers (../shared/peers/setup.sh) to compare with Docker");
    }

    private static boolean answers() {
        if (!Files.exists(DOCKER_SOCKET)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(DOCKER_SOCKET))) {
            return channel.isConnected();
        } catch (IOException e) {
            return false;
        }
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

    /** What a docker command did: its exit code, standard output and standard error. */
    record Result(int code, String out, String err) {
    }

    /** Runs {@code docker args…} with the classic builder; fails the test unless it exits 0. */
    static String run(String... args) throws IOException, InterruptedException {
        Result r = exec(args);
        if (r.code() != 0) {
            fail("docker " + String.join(" ", args) + " exited with " + r.code() + ":\n" + r.out() + r.err());
        }
        return r.out();
    }

    /** Runs {@code docker args…} and returns what it did, whatever its exit code. */
    static Result exec(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("hoist-docker", ".out");
        Path err = Files.createTempFile("hoist-docker", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(concat(args)).redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> env = pb.environment();
            env.put("DOCKER_HOST", DOCKER_HOST);
            env.put("DOCKER_BUILDKIT", "0");
            Process p = pb.start();
            p.getOutputStream().close();
            // A guard against a hung daemon, not an assertion about its speed.
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("docker " + String.join(" ", args) + " did not finish");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static List<String> concat(String... args) {
        List<String> command = new java.util.ArrayList<>();
        command.add("docker");
        command.addAll(List.of(args));
        return command;
    }
}
