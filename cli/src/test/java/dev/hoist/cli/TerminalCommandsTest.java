package dev.hoist.cli;

import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.runtime.Pty;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code hoist run -it} and {@code hoist exec -it} as a user runs them: hoist in a process of its own whose
 * standard streams are a real terminal (held by the test as a terminal emulator would). Needs root.
 */
@Timeout(120)
class TerminalCommandsTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsRoot() {
        assumeTrue(ContainerRuntime.supported(), "running containers needs Linux and root");
    }

    private MainTest.Result hoist(String... args) {
        List<String> all = new ArrayList<>(List.of("--root", dir.resolve("root").toString()));
        all.addAll(List.of(args));
        return MainTest.run(Map.of(), all.toArray(String[]::new));
    }

    /** Starts hoist in a JVM of its own on the terminal's slave, as a shell would. */
    private Process hoistOn(Pty pty, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.hoist.cli.Main", "--root", dir.resolve("root").toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectInput(pty.slave()).redirectOutput(pty.slave()).redirectError(pty.slave())
                .start();
    }

    @Test
    void loginAsksForWhatWasNotGivenWithoutEchoingThePassword() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        byte[] salt = new byte[16];
        java.nio.file.Files.writeString(htpasswd, "alice:"
                + org.bouncycastle.crypto.generators.OpenBSDBCrypt.generate("2y", "s3cret-pw".toCharArray(), salt, 5) + "\n");
        dev.hoist.registry.server.RegistryServer server = dev.hoist.registry.server.RegistryServer.start(
                dev.hoist.registry.server.RegistryConfig.defaults(dir.resolve("server")).withListen("127.0.0.1:0")
                        .withAuth(new dev.hoist.registry.server.RegistryConfig.Auth(htpasswd, null, false, false, null, null)));
        Path dockerConfig = dir.resolve("docker-config");
        try (Pty pty = Pty.open(24, 80)) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    "dev.hoist.cli.Main", "--root", dir.resolve("root").toString(), "login", "127.0.0.1:" + server.port()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(pty.slave()).redirectOutput(pty.slave())
                    .redirectError(pty.slave());
            pb.environment().put("DOCKER_CONFIG", dockerConfig.toString());
            Process p = pb.start();
            pty.await("Username: ");
            pty.type("alice\r");
            pty.await("Password: ");
            pty.type("s3cret-pw\r");
            assertEquals(0, p.waitFor());
            String out = pty.finish();
            assertTrue(out.contains("Login Succeeded"), out);
            assertTrue(!out.contains("s3cret-pw"), "the password is not echoed: " + out);
            assertTrue(java.nio.file.Files.readString(dockerConfig.resolve("config.json")).contains("127.0.0.1:" + server.port()));
        } finally {
            server.close();
        }
        MainTest.Result noTerminal = hoist("login", "127.0.0.1:1");
        assertEquals(Main.USAGE, noTerminal.status());
        assertTrue(noTerminal.err().contains("standard input is not a terminal"), noTerminal.err());
    }

    @Test
    void runAndExecWithATerminal() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        try (Pty pty = Pty.open(33, 97)) {
            Process p = hoistOn(pty, "run", "--rm", "-it", "busybox:local", "sh", "-c",
                    "tty; stty size; echo $TERM; echo ready; read line; echo \"got:$line\"; exit 5");
            pty.await("ready");
            pty.type("typed\r");
            assertEquals(5, p.waitFor());
            assertTrue(pty.echoes(), "the terminal is restored");
            String out = pty.finish();
            assertTrue(out.startsWith("/dev/pts/0\r\n33 97\r\nxterm\r\nready\r\n"), out);
            assertTrue(out.contains("got:typed\r\n"), out);
        }

        MainTest.Result run = hoist("run", "-d", "--name", "svc", "busybox:local", "sleep", "100");
        assertEquals(0, run.status(), run.err());
        try (Pty pty = Pty.open(40, 120)) {
            Process p = hoistOn(pty, "exec", "-it", "svc", "sh", "-c", "tty; stty size; exit 6");
            assertEquals(6, p.waitFor());
            String out = pty.finish();
            assertTrue(out.matches("/dev/pts/\\d+\r\n40 120\r\n"), out);
        } finally {
            assertEquals(0, hoist("rm", "-f", "svc").status());
        }
    }
}
