package dev.hoist.runtime;

import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Images built to make the runtime touch the host: mount points that are symbolic links to host paths, garbage or
 * redirected user databases. Each gets a clear error or stays inside the container, and the host path it aims at
 * is left as it was (a "victim" directory or file per test). Needs root.
 */
class HostileImagesTest {

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

    record Result(ExitStatus status, String out, String err) {
    }

    private Result run(ContainerSpec spec) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (RunningContainer c = runtime.run(spec, out, err, null)) {
            return new Result(c.waitFor(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    /** A plain root directory (no init layer above it): the runtime's mount points are the image's own. */
    private Path plainRootfs(String name) throws Exception {
        Path rootfs = tmp.resolve(name);
        Busybox.system().extractRootfs(rootfs);
        return rootfs;
    }

    private Path victim() throws Exception {
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("keep"), "untouched\n");
        return victim;
    }

    private static void assertUntouched(Path victim) throws Exception {
        try (var s = Files.list(victim)) {
            assertEquals(List.of(victim.resolve("keep")), s.toList());
        }
        assertEquals("untouched\n", Files.readString(victim.resolve("keep")));
        assertTrue(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().noneMatch(l -> l.contains(victim.toString())),
                "nothing is mounted on " + victim);
    }

    private void assertRefused(String mountPoint) throws Exception {
        Path rootfs = plainRootfs("hostile" + mountPoint.replace('/', '-'));
        Path victim = victim();
        Files.delete(rootfs.resolve(mountPoint.substring(1)));
        Files.createSymbolicLink(rootfs.resolve(mountPoint.substring(1)), victim);
        ContainerException e = assertThrows(ContainerException.class, () -> run(ContainerSpec.builder().rootfs(rootfs)
                .argv("true").build()));
        assertTrue(e.getMessage().contains("the image's " + mountPoint + " is a symbolic link"), e.getMessage());
        assertUntouched(victim);
    }

    @Test
    void procThatIsASymlinkToAHostPathIsRefused() throws Exception {
        assertRefused("/proc");
    }

    @Test
    void sysThatIsASymlinkToAHostPathIsRefused() throws Exception {
        assertRefused("/sys");
    }

    @Test
    void devThatIsASymlinkToAHostPathIsRefused() throws Exception {
        assertRefused("/dev");
    }

    @Test
    void devThatIsASymlinkToTheHostsDevIsRefused() throws Exception {
        Path rootfs = plainRootfs("hostile-dev");
        Files.delete(rootfs.resolve("dev"));
        Files.createSymbolicLink(rootfs.resolve("dev"), Path.of("/dev"));
        ContainerException e = assertThrows(ContainerException.class, () -> run(ContainerSpec.builder().rootfs(rootfs)
                .argv("true").build()));
        assertTrue(e.getMessage().contains("/dev is a symbolic link"), e.getMessage());
    }

    @Test
    void inALayeredImageTheInitLayerCoversSymlinkedMountPoints() throws Exception {
        Path layer = plainRootfs("layer");
        Path victim = victim();
        for (String d : List.of("proc", "sys", "dev")) {
            Files.delete(layer.resolve(d));
            Files.createSymbolicLink(layer.resolve(d), victim);
        }
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Result r = run(ContainerSpec.builder().overlay(List.of(layer), upper, Files.createDirectories(tmp.resolve("work")))
                .argv("sh", "-c", "echo $$; ls /dev/null; ls /sys/class/net").env(List.of("PATH=/bin")).build());
        assertEquals("1\n/dev/null\nlo\n", r.out(), r.err());
        assertUntouched(victim);
    }

    @Test
    void aVolumeOverASymlinkToAHostPathStaysInTheContainer() throws Exception {
        Path rootfs = plainRootfs("hostile-volume");
        Path victim = victim();
        Files.createSymbolicLink(rootfs.resolve("data"), victim);   // resolved after pivot_root: the container's path
        Path volume = Files.createDirectories(tmp.resolve("volume"));
        Files.writeString(volume.resolve("v"), "volume\n");
        Result r = run(ContainerSpec.builder().rootfs(rootfs).argv("sh", "-c", "cat /data/v; ls " + victim)
                .env(List.of("PATH=/bin")).addMount(Mount.bind(volume, "/data", true)).build());
        assertEquals("volume\nv\n", r.out(), r.err());
        assertUntouched(victim);
    }

    @Test
    void garbagePasswdIsAClearErrorForNamedUsersOnly() throws Exception {
        Path rootfs = plainRootfs("garbage-passwd");
        byte[] longLine = ("x".repeat(10_000) + ":x:7:7::/:/bin/sh\n").getBytes(StandardCharsets.UTF_8);
        try (var out = Files.newOutputStream(rootfs.resolve("etc/passwd"))) {
            out.write(new byte[] {0, 1, 2, ':', ':', '\n', 'x', ':', 'y', '\n', ':', ':', ':', ':', ':', ':', '\n'});
            out.write(longLine);
            out.write(new byte[] {(byte) 0xff, (byte) 0xfe, ':', '1', ':', '1'});
        }
        ContainerException e = assertThrows(ContainerException.class, () -> run(ContainerSpec.builder().rootfs(rootfs)
                .argv("true").user("nobody").build()));
        assertTrue(e.getMessage().contains("unable to find user nobody"), e.getMessage());
        Result numeric = run(ContainerSpec.builder().rootfs(rootfs).argv("sh", "-c", "id -u; echo $HOME")
                .env(List.of("PATH=/bin")).user("1000").build());
        assertEquals("1000\n/\n", numeric.out(), numeric.err());
    }

    @Test
    void garbageGroupIsAClearErrorForNamedGroups() throws Exception {
        Path rootfs = plainRootfs("garbage-group");
        Files.write(rootfs.resolve("etc/group"), new byte[] {':', ':', ':', '\n', 'g', ':', 'x', ':', 'z', ':', '\n', (byte) 0xff});
        ContainerException e = assertThrows(ContainerException.class, () -> run(ContainerSpec.builder().rootfs(rootfs)
                .argv("true").user("nobody:staff").build()));
        assertTrue(e.getMessage().contains("unable to find group staff"), e.getMessage());
        Result numeric = run(ContainerSpec.builder().rootfs(rootfs).argv("sh", "-c", "id -u; id -g")
                .env(List.of("PATH=/bin")).user("nobody:1234").build());
        assertEquals("65534\n1234\n", numeric.out(), numeric.err());
    }

    @Test
    void passwdThatIsASymlinkToAHostFileIsReadInTheContainer() throws Exception {
        Path rootfs = plainRootfs("hostile-passwd");
        Path hostPasswd = tmp.resolve("host-passwd");
        Files.writeString(hostPasswd, "hostonly:x:4242:4242::/:/bin/sh\n");
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), hostPasswd);   // a path the container does not have
        ContainerException e = assertThrows(ContainerException.class, () -> run(ContainerSpec.builder().rootfs(rootfs)
                .argv("true").user("hostonly").build()));
        assertTrue(e.getMessage().contains("unable to find user hostonly"), e.getMessage());
        assertEquals("hostonly:x:4242:4242::/:/bin/sh\n", Files.readString(hostPasswd));
    }

    /** Runs as a named user on a rootfs whose /etc/passwd is what {@code hostile} made it; the error message. */
    private String userLookupError(String name, java.util.function.Consumer<Path> hostile) throws Exception {
        Path rootfs = plainRootfs(name);
        Files.delete(rootfs.resolve("etc/passwd"));
        hostile.accept(rootfs.resolve("etc/passwd"));
        long start = System.nanoTime();
        ContainerException e = assertThrows(ContainerException.class, () -> run(ContainerSpec.builder().rootfs(rootfs)
                .argv("true").user("nobody").build()));
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "fails at once, not after reading forever");
        return e.getMessage();
    }

    @Test
    void passwdThatIsASymlinkToDevZeroIsAClearErrorAtOnce() throws Exception {
        String error = userLookupError("passwd-zero", p -> uncheck(() -> Files.createSymbolicLink(p, Path.of("/dev/zero"))));
        assertTrue(error.contains("the image's /etc/passwd is not a regular file"), error);
    }

    @Test
    void passwdThatIsAFifoIsAClearErrorAtOnce() throws Exception {
        String error = userLookupError("passwd-fifo", p -> uncheck(() -> assertEquals(0,
                new ProcessBuilder("mkfifo", p.toString()).start().waitFor())));
        assertTrue(error.contains("the image's /etc/passwd is not a regular file"), error);
    }

    @Test
    void hugePasswdIsAClearError() throws Exception {
        String error = userLookupError("passwd-huge", p -> uncheck(() -> {
            try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(1L << 30);   // sparse: a gigabyte of NULs
            }
        }));
        assertTrue(error.contains("the image's /etc/passwd is larger than 16 MiB"), error);
    }

    @Test
    void passwdWithALineLongerThanRuncReadsIsAClearError() throws Exception {
        String error = userLookupError("passwd-long-line", p -> uncheck(() -> Files.writeString(p,
                "root:x:0:0:root:/root:/bin/sh\n" + "x".repeat(70_000) + ":x:7:7::/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n")));
        assertTrue(error.contains("the image's /etc/passwd has a line longer than 65536 bytes"), error);
    }

    @Test
    void numericUserWithGroupAndHomeDoesNotReadPasswd() throws Exception {
        Path rootfs = plainRootfs("passwd-unread");
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/dev/zero"));
        Result r = run(ContainerSpec.builder().rootfs(rootfs).argv("grep", "-E", "^(Uid|Gid)", "/proc/self/status")
                .env(List.of("PATH=/bin", "HOME=/")).user("1000:1000").build());   // (id would read /etc/passwd)
        assertEquals("Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n", r.out(), r.err());
    }

    @Test
    void groupThatIsASymlinkToDevZeroIsAClearError() throws Exception {
        Path rootfs = plainRootfs("group-zero");
        Files.delete(rootfs.resolve("etc/group"));
        Files.createSymbolicLink(rootfs.resolve("etc/group"), Path.of("/dev/zero"));
        ContainerException e = assertThrows(ContainerException.class, () -> run(ContainerSpec.builder().rootfs(rootfs)
                .argv("true").user("nobody").build()));
        assertTrue(e.getMessage().contains("the image's /etc/group is not a regular file"), e.getMessage());
    }

    private interface IoAction {
        void run() throws Exception;
    }

    private static void uncheck(IoAction action) {
        try {
            action.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
