package dev.hoist.cache.layer;

import dev.hoist.oci.MediaTypes.Compression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A real overlayfs mount: changes made through it, its upper directory turned into a layer. */
class OverlayUpperTest {
    @TempDir
    Path tmp;
    Path merged;
    boolean mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", merged.toString());
        }
    }

    @Test
    void upperDirectoryBecomesALayerThatReproducesTheMergedView() throws Exception {
        assumeTrue(Posix.isRoot(), "overlay mounts need root");
        Path lower = tmp.resolve("lower");
        Fixtures.write(lower.resolve("etc/conf"), "v1\n");
        Fixtures.write(lower.resolve("etc/unchanged"), "same\n");
        Fixtures.write(lower.resolve("gone.txt"), "bye\n");
        Fixtures.write(lower.resolve("tree/a"), "a\n");
        Fixtures.write(lower.resolve("tree/sub/b"), "b\n");
        Fixtures.write(lower.resolve("redo/old1"), "old\n");
        Fixtures.write(lower.resolve("redo/old2"), "old\n");
        Fixtures.write(lower.resolve("bin/tool"), "#!/bin/sh\n");
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        merged = Files.createDirectories(tmp.resolve("merged"));
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
                + ",redirect_dir=off,metacopy=off", merged.toString());
        mounted = true;

        // change things through the mount, as a RUN step would
        Files.writeString(merged.resolve("etc/conf"), "v2\n");
        Files.delete(merged.resolve("gone.txt"));
        run("rm", "-rf", merged.resolve("tree").toString());
        run("rm", "-rf", merged.resolve("redo").toString());
        Files.createDirectories(merged.resolve("redo"));
        Files.writeString(merged.resolve("redo/new"), "new\n");
        Posix.chmod(merged.resolve("bin/tool"), 04755);
        Files.writeString(merged.resolve("added"), "added\n");
        Posix.lsetxattr(merged.resolve("added"), "user.note", "kept".getBytes(StandardCharsets.UTF_8));
        Posix.symlink("etc/conf", merged.resolve("conf-link"));
        Files.createLink(merged.resolve("added-hardlink"), merged.resolve("added"));
        Map<String, String> expected = TreeSnapshot.of(merged);
        run("umount", merged.toString());
        mounted = false;

        // the upper directory holds overlay's whiteouts and opaque marker
        FileStat whiteout = FileStat.of(upper.resolve("gone.txt"));
        assertTrue(whiteout.isCharDevice() && whiteout.rdev() == 0, "gone.txt is a whiteout device");
        assertTrue(Posix.lgetxattr(upper.resolve("redo"), "trusted.overlay.opaque") != null, "redo is opaque");

        LayerWriter writer = LayerWriter.builder().compression(Compression.GZIP).build();
        Fixtures.Written base = Fixtures.writeTree(writer, lower);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WrittenLayer diff = writer.writeOverlayUpper(upper, out);
        byte[] diffBytes = out.toByteArray();

        List<TarEntry> entries = LayerRoundTripTest.entries(diffBytes);
        Set<String> names = entries.stream().map(TarEntry::name).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of(".wh.gone.txt", ".wh.tree", "redo/", "redo/.wh..wh..opq", "redo/new",
                "etc/", "etc/conf", "bin/tool", "added", "added-hardlink", "conf-link")), names.toString());
        assertFalse(names.contains("etc/unchanged"), "unchanged lower files are not in the layer");
        for (TarEntry e : entries) {
            for (String x : e.xattrs().keySet()) {
                assertFalse(x.contains("overlay."), e.name() + " carries overlay's own xattr " + x);
            }
        }
        TarEntry link = entries.stream().filter(e -> e.type() == TarEntry.Type.HARDLINK).findFirst().orElseThrow();
        assertEquals("added-hardlink", link.name());
        assertEquals("added", link.linkName());

        Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        LayerApplier.create().applyAll(List.of(new ByteArrayInputStream(base.bytes()), new ByteArrayInputStream(diffBytes)), rootfs);
        assertEquals(expected, TreeSnapshot.of(rootfs));

        // the same upper gives the same layer
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertEquals(diff, writer.writeOverlayUpper(upper, again));
    }

    @Test
    void userXattrOpaqueMarkersAreRecognised() throws Exception {
        assumeTrue(Posix.isRoot(), "whiteout devices need root");
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Fixtures.write(upper.resolve("d/new"), "x\n");
        Posix.lsetxattr(upper.resolve("d"), "user.overlay.opaque", "y".getBytes(StandardCharsets.UTF_8));
        Posix.mknod(upper.resolve("removed"), Posix.S_IFCHR, 0, 0);
        ChangeSet cs = ChangeSet.fromOverlayUpper(upper);
        assertEquals(List.of("d"), cs.opaqueDirectories());
        assertEquals(List.of("removed"), cs.deleted());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerWriter.builder().compression(Compression.NONE).build().writeChanges(cs, out);
        List<String> names = LayerRoundTripTest.entries(out.toByteArray()).stream().map(TarEntry::name).toList();
        assertEquals(List.of(".wh.removed", "d/", "d/.wh..wh..opq", "d/new"), names);
        TarEntry d = LayerRoundTripTest.entries(out.toByteArray()).get(1);
        assertTrue(d.xattrs().isEmpty(), "user.overlay.opaque is overlay's own");
    }

    @Test
    void redirectedDirectoriesAreRefused() throws Exception {
        assumeTrue(Posix.isRoot(), "trusted.* xattrs need root");
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Files.createDirectories(upper.resolve("moved"));
        Posix.lsetxattr(upper.resolve("moved"), "trusted.overlay.redirect", "/orig".getBytes(StandardCharsets.UTF_8));
        LayerException e = org.junit.jupiter.api.Assertions.assertThrows(LayerException.class,
                () -> ChangeSet.fromOverlayUpper(upper));
        assertTrue(e.getMessage().contains("redirect_dir=off"), e.getMessage());
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + output);
        }
    }
}
