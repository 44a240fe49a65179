package dev.hoist.cli;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The build-time training run for the class-data-sharing archive: runs the everyday commands against a
 * scratch root (import, images, inspect, history, tag, rmi, prune) so that the classes they load are
 * archived and later starts map them instead of loading them. Not part of the public command line.
 */
final class Training {
    private Training() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        // JDK classes that commands load but the commands below never do, so that starts map them from the archive
        // rather than read them from the JDK's image: Main.main asks for the console and copies System.getenv()
        // (the commands below run through Main.run, given a map), and a size with a fraction (2.13MB) rounds
        // through BigInteger division, which the training images' sizes never need.
        System.console();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            e.getKey();
            break;
        }
        Humans.size(2_129_920L);
        dev.hoist.cache.FileTrees.delete(root);     // each archive from the same start, not from the last one's state
        Files.createDirectories(root);
        Path tar = root.resolve("training-rootfs.tar");
        writeTar(tar);
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        System.setOut(sink);
        System.setErr(sink);
        String r = root.resolve("state").toString();
        // hoist's own registry, in-process on an ephemeral loopback port, so that the client and server
        // classes are archived too.
        dev.hoist.registry.server.RegistryServer server = dev.hoist.registry.server.RegistryServer.start(
                dev.hoist.registry.server.RegistryConfig.defaults(root.resolve("registry-root")).withListen("127.0.0.1:0"));
        String reg = "127.0.0.1:" + server.port();
        String layout = root.resolve("layout").toString();
        String archive = root.resolve("saved.tar").toString();
        Map<String, String> env = Map.of("DOCKER_CONFIG", root.resolve("docker").toString());
        String context = writeContext(root.resolve("context")).toString();
        try {
            for (String[] cmd : new String[][] {
                    {"--version"},
                    {"--help"},
                    {"--root", r, "images"},
                    {"--root", r, "images", "--help"},
                    {"--root", r, "import", "--change", "CMD [\"sh\"]", tar.toString(), "training:one"},
                    {"--root", r, "tag", "training:one", "127.0.0.1:5000/training/two"},
                    {"--root", r, "images"},
                    {"--root", r, "images", "-q"},
                    {"--root", r, "inspect", "training:one"},
                    {"--root", r, "inspect", "--format", "{{.Id}}", "training:one"},
                    {"--root", r, "history", "training:one"},
                    {"--root", r, "tag", "training:one", reg + "/training/three:1"},
                    {"--root", r, "push", reg + "/training/three:1"},
                    {"--root", r, "rmi", reg + "/training/three:1"},
                    {"--root", r, "pull", reg + "/training/three:1"},
                    {"--root", r, "tags", reg + "/training/three"},
                    {"--root", r, "manifest", "inspect", reg + "/training/three:1"},
                    {"--root", r, "copy", "docker://" + reg + "/training/three:1", "oci:" + layout + ":1"},
                    {"--root", r, "copy", "oci:" + layout + ":1", "docker://" + reg + "/training/four:1"},
                    {"--root", r, "save", "-o", archive, "training:one"},
                    {"--root", r, "load", "-i", archive},
                    {"--root", r, "oci", "export", "training:one", layout},
                    {"--root", r, "oci", "import", layout + ":one", "training:five"},
                    {"--root", r, "pull", reg + "/training/missing:1"},
                    // As root, a real container: the training image has no programs, so it fails at exec (127)
                    // after namespaces, mounts and the helper have all been set up.
                    {"--root", r, "run", "--rm", "training:one", "/no/such/program"},
                    {"--root", r, "ps", "-a"},
                    // a build, then the same build again (every step cached: the path of a warm build), then
                    // one whose RUN step fails at exec in a real container (as root)
                    {"--root", r, "build", "-t", "training:built", context},
                    {"--root", r, "build", "-t", "training:built", context},
                    {"--root", r, "build", "-q", "-f", context + "/Dockerfile.run", context},
                    {"--root", r, "rmi", "127.0.0.1:5000/training/two"},
                    {"--root", r, "rmi", "training:one"},
                    {"--root", r, "prune", "--dry-run"},
                    {"--root", r, "inspect", "no-such-image"},
                    {"--root", r, "no-such-command"},
            }) {
                Main.run(sink, sink, System.in, env, cmd);
            }
            // The image has no programs, so no training container gets past its exec, and a container that fails
            // there ends in a setup error: load what the exit of every container that ran uses.
            new dev.hoist.runtime.ExitStatus(0, false, false).success();
            // In a process of its own, hoist run forwards its signals (SignalProxy); in-process, as here, it does not.
            // Load those classes to archive them, without taking this process's signals.
            for (String c : new String[] {"dev.hoist.cli.SignalProxy", "sun.misc.Signal", "sun.misc.Signal$InternalMiscHandler",
                    "sun.misc.Signal$SunMiscHandler"}) {
                Class.forName(c);
            }
        } finally {
            server.close();
            System.setOut(realOut);
            System.setErr(realErr);
        }
    }

    /** A build context on the training image that uses the common instructions. */
    private static Path writeContext(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("hello.txt"), "hello\n");
        Files.writeString(dir.resolve(".dockerignore"), "*.tmp\n");
        Files.writeString(dir.resolve("Dockerfile"), String.join("\n",
                "# syntax=docker/dockerfile:1",
                "FROM training:one AS base",
                "ARG VERSION=1",
                "ENV APP=/app PATH=/bin",
                "WORKDIR /app",
                "COPY hello.txt ./",
                "ADD hello.txt /app/added.txt",
                "FROM base",
                "COPY --from=base /app/hello.txt /copied.txt",
                "LABEL org.example.version=$VERSION",
                "EXPOSE 8080",
                "USER 0:0",
                "CMD [\"/app/hello.txt\"]", ""));
        Files.writeString(dir.resolve("Dockerfile.run"), "FROM training:one\nRUN [\"/no/such/program\"]\n");
        return dir;
    }

    private static void writeTar(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            byte[] data = "training\n".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry("etc/hostname");
            e.setSize(data.length);
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        }
    }
}
