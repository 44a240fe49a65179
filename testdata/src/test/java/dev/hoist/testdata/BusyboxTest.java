package dev.hoist.testdata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BusyboxTest {

    /** One tar entry as read back by commons-compress, with the content of regular files. */
    record Read(TarArchiveEntry entry, byte[] content) {
    }

    private static Busybox busybox;
    private static Map<String, Read> entries;

    @BeforeAll
    static void readCachedTar() throws IOException {
        busybox = Busybox.system();
        entries = readTar(Busybox.rootfsTar());
    }

    @Test
    void rootfsHoldsBusyboxItsAppletsAndTheBaseDirectories() throws IOException {
        List<String> expected = new ArrayList<>();
        expected.add("bin/");
        List<String> bin = new ArrayList<>(busybox.applets());
        bin.add("busybox");
        bin.sort(null);
        bin.forEach(name -> expected.add("bin/" + name));
        expected.addAll(List.of("dev/", "etc/", "etc/group", "etc/passwd", "proc/", "root/", "sys/", "tmp/"));
        assertEquals(expected, List.copyOf(entries.keySet()), "entries, in tar order");
        assertTrue(busybox.applets().size() > 100, "busybox-static has hundreds of applets");
        assertTrue(busybox.applets().containsAll(List.of("sh", "ls", "cat", "[", "echo", "mkdir")));
        assertFalse(busybox.applets().contains("busybox"));
    }

    @Test
    void busyboxIsTheHostBinaryWithMode0755() throws IOException {
        Read read = entries.get("bin/busybox");
        assertTrue(read.entry().isFile());
        assertEquals(0755, read.entry().getMode() & 07777);
        assertArrayEquals(Files.readAllBytes(busybox.binary()), read.content());
    }

    @Test
    void appletsAreSymlinksToBusybox() throws IOException {
        for (String applet : busybox.applets()) {
            TarArchiveEntry entry = entries.get("bin/" + applet).entry();
            assertTrue(entry.isSymbolicLink(), applet);
            assertEquals("busybox", entry.getLinkName(), applet);
            assertEquals(0777, entry.getMode() & 07777, applet);
        }
    }

    @Test
    void modesOwnersAndTimesAreNormalised() {
        assertEquals(01777, entries.get("tmp/").entry().getMode() & 07777, "tmp is world-writable and sticky");
        for (String dir : List.of("bin/", "dev/", "etc/", "proc/", "root/", "sys/")) {
            assertTrue(entries.get(dir).entry().isDirectory(), dir);
            assertEquals(0755, entries.get(dir).entry().getMode() & 07777, dir);
        }
        assertEquals(0644, entries.get("etc/passwd").entry().getMode() & 07777);
        for (Read read : entries.values()) {
            TarArchiveEntry entry = read.entry();
            assertEquals(0, entry.getLongUserId(), entry.getName());
            assertEquals(0, entry.getLongGroupId(), entry.getName());
            assertEquals("", entry.getUserName(), entry.getName());
            assertEquals("", entry.getGroupName(), entry.getName());
            assertEquals(0, entry.getModTime().getTime(), entry.getName());
            assertTrue(entry.getExtraPaxHeaders().isEmpty(), entry.getName());
        }
    }

    @Test
    void passwdAndGroupHoldRootAndNobody() {
        assertEquals("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
                new String(entries.get("etc/passwd").content(), StandardCharsets.UTF_8));
        assertEquals("root:x:0:\nnogroup:x:65534:\n",
                new String(entries.get("etc/group").content(), StandardCharsets.UTF_8));
    }

    @Test
    void twoBuildsGiveTheSameBytesAsTheCache(@TempDir Path dir) throws IOException {
        Path first = dir.resolve("first.tar");
        Path second = dir.resolve("nested/second.tar");
        busybox.writeRootfsTar(first);
        Busybox.of(Busybox.SYSTEM_BINARY).writeRootfsTar(second);
        byte[] bytes = Files.readAllBytes(first);
        assertArrayEquals(bytes, Files.readAllBytes(second));
        assertArrayEquals(bytes, Files.readAllBytes(Busybox.rootfsTar()));
        assertEquals(0, bytes.length % 10240, "padded to whole tar records");
        try (var list = Files.list(dir)) {
            assertEquals(List.of("first.tar", "nested"), list.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary files left behind");
        }
    }

    @Test
    void cachedTarIsKeyedByTheBinaryDigestAndReused() throws IOException {
        Path cached = Busybox.rootfsTar();
        assertEquals(cached, busybox.cachedRootfsTar());
        assertEquals(Busybox.cacheDirectory(), cached.getParent());
        assertTrue(cached.getFileName().toString().contains(busybox.sha256()), cached.toString());
        assertTrue(busybox.sha256().matches("[0-9a-f]{64}"));
    }

    @Test
    void extractedRootfsRunsBusyboxList(@TempDir Path dir) throws Exception {
        busybox.extractRootfs(dir);
        assertEquals(01777, (int) Files.getAttribute(dir.resolve("tmp"), "unix:mode") & 07777);
        assertEquals(0755, (int) Files.getAttribute(dir.resolve("bin/busybox"), "unix:mode") & 07777);
        assertEquals(Path.of("busybox"), Files.readSymbolicLink(dir.resolve("bin/sh")));

        List<String> listed = Arrays.asList(run(dir.resolve("bin/busybox").toString(), "--list").split("\n"));
        List<String> expected = new ArrayList<>(busybox.applets());
        expected.add("busybox");
        assertEquals(expected.stream().sorted().toList(), listed.stream().sorted().toList());
        assertEquals("hello from the rootfs\n", run(dir.resolve("bin/sh").toString(), "-c", "echo hello from the rootfs"));
    }

    @Test
    void rootfsWorksAsARootUnderChroot(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "chroot needs root");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/chroot")), "needs chroot(8)");
        busybox.extractRootfs(dir);
        assertEquals("root:x:0:\nbusybox\n",
                run("/usr/sbin/chroot", dir.toString(), "/bin/sh", "-c", "head -1 /etc/group; ls /bin/busybox | cut -c6-"));
    }

    @Test
    void dynamicallyLinkedBusyboxIsRejectedWithTheInstallHint() throws IOException {
        Path dynamic = Path.of("/bin/ls");
        Assumptions.assumeTrue(Elf.read(dynamic).hasInterpreter(), "needs a dynamically linked /bin/ls");
        FixtureException e = assertThrows(FixtureException.class, () -> Busybox.of(dynamic));
        assertTrue(e.getMessage().contains("dynamically linked"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install busybox-static"), e.getMessage());
    }

    @Test
    void missingOrNonElfBusyboxIsRejectedWithTheInstallHint(@TempDir Path dir) throws IOException {
        FixtureException missing = assertThrows(FixtureException.class, () -> Busybox.of(dir.resolve("busybox")));
        assertTrue(missing.getMessage().contains("apt-get install busybox-static"), missing.getMessage());
        Path script = Files.writeString(dir.resolve("script"), "#!/bin/sh\necho not busybox\n");
        FixtureException notElf = assertThrows(FixtureException.class, () -> Busybox.of(script));
        assertTrue(notElf.getMessage().contains("not an ELF executable"), notElf.getMessage());
    }

    static Map<String, Read> readTar(Path tar) throws IOException {
        Map<String, Read> result = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream archive = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry entry; (entry = archive.getNextEntry()) != null; ) {
                byte[] content = entry.isFile() ? archive.readAllBytes() : new byte[0];
                if (result.put(entry.getName(), new Read(entry, content)) != null) {
                    throw new AssertionError("duplicate entry " + entry.getName());
                }
            }
        }
        return result;
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), String.join(" ", command) + " failed: " + output);
        return output;
    }
}
