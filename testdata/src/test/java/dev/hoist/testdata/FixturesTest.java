package dev.hoist.testdata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FixturesTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Fixtures.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void busyboxRootfsWritesTheTar(@TempDir Path dir) throws Exception {
        Path tar = dir.resolve("out/busybox.tar");
        assertEquals(0, run("busybox-rootfs", tar.toString()), err());
        assertArrayEquals(Files.readAllBytes(Busybox.rootfsTar()), Files.readAllBytes(tar));
        assertTrue(out().startsWith("wrote " + tar + " ("), out());
    }

    @Test
    void helloContextWritesDockerfileAndBinary(@TempDir Path dir) throws Exception {
        assertEquals(0, run("hello-context", dir.toString(), "arm64"), err());
        assertArrayEquals(HelloWorld.binary(HelloWorld.Arch.ARM64), Files.readAllBytes(dir.resolve("hello")));
        assertTrue(Files.isRegularFile(dir.resolve("Dockerfile")));
        assertTrue(out().contains("arm64"), out());
    }

    @Test
    void contextCopiesANamedContext(@TempDir Path dir) throws Exception {
        assertEquals(0, run("context", "busybox-app", dir.toString()), err());
        assertTrue(Files.isRegularFile(dir.resolve("config/app.conf")));
        assertEquals(0, run("contexts"));
        assertTrue(out().contains("busybox-app\n") && out().contains("\nhello\n"), out());
    }

    @Test
    void badUsageExitsTwoWithTheUsage() {
        assertEquals(2, run());
        assertTrue(err().contains("busybox-rootfs OUT.tar"), err());
        err.reset();
        assertEquals(2, run("busybox-rootfs"));
        assertTrue(err().startsWith("error: busybox-rootfs takes OUT.tar, got 0 arguments"), err());
        err.reset();
        assertEquals(2, run("frobnicate"));
        assertTrue(err().startsWith("error: unknown command \"frobnicate\""), err());
        assertEquals(0, run("--help"));
        assertTrue(out().contains("hello-context DIR"), out());
    }

    @Test
    void failuresExitOneWithAMessage(@TempDir Path dir) {
        assertEquals(1, run("context", "nope", dir.toString()));
        assertTrue(err().startsWith("error: no test context named \"nope\""), err());
        err.reset();
        assertEquals(1, run("hello-context", dir.toString(), "sparc"));
        assertTrue(err().contains("expected amd64 (x86_64) or arm64 (aarch64)"), err());
    }

    @Test
    void mainThrowsInsteadOfExitingWhenEmbedded() {
        String previous = System.setProperty("hoist.fixtures.exit", "false");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Fixtures.main(new String[] {"context", "nope", "unused"}));
            assertTrue(e.getMessage().contains("failed with status 1"), e.getMessage());
        } finally {
            if (previous == null) {
                System.clearProperty("hoist.fixtures.exit");
            } else {
                System.setProperty("hoist.fixtures.exit", previous);
            }
        }
    }
}
