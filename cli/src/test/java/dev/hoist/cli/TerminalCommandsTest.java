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
