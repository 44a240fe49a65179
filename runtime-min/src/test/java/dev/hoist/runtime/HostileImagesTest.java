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
}
