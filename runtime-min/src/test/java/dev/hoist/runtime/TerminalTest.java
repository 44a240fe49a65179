package dev.hoist.runtime;

import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Containers with a pseudo-terminal ({@code run -t}, {@code exec -t}), driven from a real terminal that the test
 * holds as a terminal emulator would; needs root.
 */
@Timeout(60)
class TerminalTest {

    private static final int SIGWINCH = 28;

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;
    static Path busybox;
    static ContainerRuntime runtime;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "containers need root on Linux");
        busybox = shared.resolve("busybox");
        Busybox.system().extractRootfs(busybox);
        runtime = new ContainerRuntime(shared.resolve("root"));
    }

    private ContainerSpec.Builder spec(String script) throws Exception {
        Path dirs = Files.createTempDirectory(tmp, "c");
        return ContainerSpec.builder().overlay(List.of(busybox), Files.createDirectories(dirs.resolve("upper")),
                Files.createDirectories(dirs.resolve("work"))).argv("sh", "-c", script)
                .env(List.of("PATH=/bin", "TERM=xterm")).tty(true);
    }

    @Test
    void runWithATerminalRelaysItInRawModeWithItsSizeAndExitStatus() throws Exception {
        try (Pty pty = Pty.open(24, 80)) {
            String script = "tty; stty size; echo \"echo=$(stty -a | grep -o ' -\\?echo ' | head -1)\"; echo ready;"
                    + " while [ \"$(stty size)\" = '24 80' ]; do sleep 0.01; done; stty size;"
                    + " read line; echo \"got:$line\"; exit 3";
            try (RunningContainer c = runtime.runOnDevice(spec(script).build(), pty.slave(), true)) {
                pty.await("ready");
                assertFalse(pty.echoes(), "the user's terminal is in raw mode while the container runs");
                pty.resize(40, 100);
                LibC.signal(c.helperPid(), SIGWINCH);   // what the kernel sends the foreground process group
                pty.await("40 100");
                pty.type("hello\r");
                assertEquals(3, c.waitFor().code());
            }
            assertTrue(pty.echoes(), "the user's terminal is restored");
            String out = pty.finish();
            assertTrue(out.startsWith("/dev/pts/0\r\n24 80\r\necho= echo \r\nready\r\n"), out);
            assertTrue(out.contains("40 100\r\n"), out);
            assertTrue(out.contains("got:hello\r\n"), out);
        }
    }

    @Test
    void theTerminalIsTheControllingTerminalOfTheTargetAndOwnedByItsUser() throws Exception {
        try (Pty pty = Pty.open(24, 80)) {
            // /dev/tty opens only for a process with a controlling terminal
            String script = "ls -ln /dev/pts/0 | awk '{print $3, $4}'; echo ctty > /dev/tty";
            try (RunningContainer c = runtime.runOnDevice(spec(script).user("65534").build(), pty.slave(), false)) {
                assertEquals(0, c.waitFor().code(), pty.output());
            }
            // without -i the user's terminal is not in raw mode: it adds its own \r to the container's \r\n
            assertEquals("65534 5\nctty\n", pty.finish().replace("\r", ""));
        }
    }

    @Test
    void withoutInputTheTerminalReadsNothingFromTheUser() throws Exception {
        try (Pty pty = Pty.open(24, 80)) {
            try (RunningContainer c = runtime.runOnDevice(spec("echo ready; read -t 1 line; echo \"[$line] $?\"")
                    .build(), pty.slave(), false)) {
                pty.await("ready");
                pty.type("typed\r");
                assertEquals(0, c.waitFor().code());
            }
            assertTrue(pty.echoes(), "without -i the user's terminal is left as it is");
            String out = pty.finish();
            assertTrue(out.contains("[] 1"), out);
        }
    }

    @Test
    void aTerminalOverPipesGivesOneStreamWithTerminalLineEndings() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (RunningContainer c = runtime.run(spec("tty; echo to-stderr >&2; read line; echo \"got:$line\"").build(), out, err,
                new ByteArrayInputStream("piped\n".getBytes(StandardCharsets.UTF_8)))) {
            assertEquals(0, c.waitFor().code());
        }
        String s = out.toString(StandardCharsets.UTF_8);
        // the terminal echoes the input it is given, as a terminal does (here before or after the first lines)
        assertEquals("/dev/pts/0\r\nto-stderr\r\ngot:piped\r\n", s.replace("piped\r\n/", "/").replace("\r\npiped\r\n", "\r\n"), s);
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void execWithATerminal() throws Exception {
        Path root = tmp.resolve("root");
        ContainerRuntime rt = new ContainerRuntime(root);
        RunningContainer c = rt.runDetached(spec("echo up; sleep 100").tty(false).build(), DetachedContainersTest.info("", "busybox"));
        try {
            while (!Files.exists(rt.logFile(c.id())) || !Files.readString(rt.logFile(c.id())).contains("up")) {
                assertTrue(c.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
            }
            try (Pty pty = Pty.open(33, 97)) {
                ExecProcess p = rt.execOnDevice(c.id(), List.of("sh", "-c", "tty; stty size; echo $TERM; exit 4"), true,
                        pty.slave(), true);
                assertEquals(4, p.waitFor());
                assertTrue(pty.echoes(), "the user's terminal is restored");
                String out = pty.finish();
                assertTrue(out.matches("/dev/pts/\\d+\r\n33 97\r\nxterm\r\n"), out);
            }
        } finally {
            rt.remove(c.id(), true);
        }
    }

    @Test
    void aDetachedContainerWithATerminalWritesItToItsLog() throws Exception {
        Path root = tmp.resolve("root");
        ContainerRuntime rt = new ContainerRuntime(root);
        RunningContainer c = rt.runDetached(spec("tty; echo done").build(), DetachedContainersTest.info("", "busybox"));
        assertEquals(0, c.waitFor().code());
        assertEquals("/dev/pts/0\r\ndone\r\n", Files.readString(rt.logFile(c.id())));
        rt.remove(c.id(), false);
    }
}
