package dev.hoist.cache.layer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static dev.hoist.cache.layer.WhiteoutTest.dir;
import static dev.hoist.cache.layer.WhiteoutTest.file;
import static dev.hoist.cache.layer.WhiteoutTest.hardlink;
import static dev.hoist.cache.layer.WhiteoutTest.symlink;
import static dev.hoist.cache.layer.WhiteoutTest.tar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layers built to escape the target: each is refused, or (for symlinks inside the layer) contained in the
 * target, and nothing outside the target changes: not a sibling directory, not the host's /etc.
 */
class HostileLayerTest {
    @TempDir
    Path tmp;
    Path target;
    Path outside;
    String unique;
    Map<String, String> outsideBefore;
    long passwdLinks;

    @BeforeEach
    void setUp() throws IOException {
        target = Files.createDirectories(tmp.resolve("target"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Fixtures.write(outside.resolve("sentinel"), "untouched\n");
        Fixtures.write(outside.resolve("sub/sentinel2"), "untouched\n");
        outsideBefore = TreeSnapshot.of(outside);
        unique = "hoist-hostile-" + UUID.randomUUID();
        passwdLinks = FileStat.of(Path.of("/etc/passwd")).nlink();
    }

    @AfterEach
    void nothingOutsideTheTargetChanged() throws IOException {
        assertEquals(outsideBefore, TreeSnapshot.of(outside), "the sibling directory changed");
        assertFalse(Files.exists(Path.of("/etc", unique)), "wrote into the host's /etc");
        assertFalse(Files.exists(Path.of("/", unique)), "wrote into the host's /");
        assertFalse(Files.exists(tmp.resolve(unique)), "wrote next to the target");
        assertEquals(passwdLinks, FileStat.of(Path.of("/etc/passwd")).nlink(), "linked to the host's /etc/passwd");
        try (var s = Files.list(tmp)) {
            assertEquals(2, s.count(), "something appeared beside target and outside");
        }
    }

    private LayerException refused(byte[] layer) {
        return assertThrows(LayerException.class, () -> LayerApplier.create().apply(new ByteArrayInputStream(layer), target));
    }

    private void applies(byte[] layer) throws Exception {
        LayerApplier.create().apply(new ByteArrayInputStream(layer), target);
    }

    @Test
    void dotDotIsRefused() throws IOException {
        LayerException e = refused(tar(t -> file(t, "../" + unique, "x")));
        assertEquals("../" + unique, e.entry());
        assertTrue(e.getMessage().contains(".."), e.getMessage());
    }

    @Test
    void dotDotInTheMiddleIsRefused() throws IOException {
        LayerException e = refused(tar(t -> {
            dir(t, "a/");
            file(t, "a/../../" + unique, "x");
        }));
        assertEquals("a/../../" + unique, e.entry());
    }

    @Test
    void dotDotIntoTheSiblingIsRefused() throws IOException {
        refused(tar(t -> file(t, "../outside/sentinel", "overwritten")));
    }

    @Test
    void absolutePathsAreRefused() throws IOException {
        LayerException e = refused(tar(t -> file(t, "/etc/" + unique, "x")));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
        refused(tar(t -> file(t, outside.resolve("sentinel").toString(), "overwritten")));
    }

    @Test
    void aSymlinkToRootIsFollowedInsideTheTarget() throws Exception {
        applies(tar(t -> {
            symlink(t, "l", "/");
            file(t, "l/etc/" + unique, "contained");
        }));
        assertEquals("contained", Files.readString(target.resolve("etc/" + unique)));
        assertTrue(Files.isSymbolicLink(target.resolve("l")));
    }

    @Test
    void aSymlinkClimbingUpIsStoppedAtTheTarget() throws Exception {
        applies(tar(t -> {
            symlink(t, "l", "../../..");
            file(t, "l/" + unique, "contained");
            symlink(t, "m", "../outside");
            file(t, "m/sentinel", "contained too");
        }));
        assertEquals("contained", Files.readString(target.resolve(unique)));
        assertEquals("contained too", Files.readString(target.resolve("outside/sentinel")));
    }

    @Test
    void aSymlinkToTheSiblingByAbsolutePathIsFollowedInsideTheTarget() throws Exception {
        applies(tar(t -> {
            symlink(t, "l", outside.toString());
            file(t, "l/sentinel", "contained");
            file(t, "l/.wh.sub", ""); // a whiteout through the link: removes nothing outside
            file(t, "l/.wh..wh..opq", "");
        }));
        Path inside = target.resolve(outside.toString().substring(1));
        assertEquals("contained", Files.readString(inside.resolve("sentinel")));
    }

    @Test
    void aSymlinkReplacingADirectoryIsNotWrittenThrough() throws Exception {
        applies(tar(t -> {
            dir(t, "d/");
            file(t, "d/a", "a");
            symlink(t, "d", outside.toString());
            file(t, "d/sentinel", "contained");
            file(t, "d/sub/sentinel2", "contained");
        }));
        assertTrue(Files.isSymbolicLink(target.resolve("d")));
        Path inside = target.resolve(outside.toString().substring(1));
        assertEquals("contained", Files.readString(inside.resolve("sentinel")));
        assertEquals("contained", Files.readString(inside.resolve("sub/sentinel2")));
    }

    @Test
    void aFileReplacesASymlinkInsteadOfWritingThroughIt() throws Exception {
        applies(tar(t -> {
            symlink(t, "s", outside.resolve("sentinel").toString());
            file(t, "s", "replaced the link");
            symlink(t, "dir-link", outside.toString());
            dir(t, "dir-link/");
        }));
        assertFalse(Files.isSymbolicLink(target.resolve("s")));
        assertEquals("replaced the link", Files.readString(target.resolve("s")));
        assertTrue(Files.isDirectory(target.resolve("dir-link"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aHardLinkClimbingUpIsRefused() throws IOException {
        LayerException e = refused(tar(t -> hardlink(t, "h", "../../etc/passwd")));
        assertEquals("h", e.entry());
        refused(tar(t -> hardlink(t, "h", "../outside/sentinel")));
    }

    @Test
    void aHardLinkToAnAbsolutePathIsRefused() throws IOException {
        LayerException e = refused(tar(t -> hardlink(t, "h", "/etc/passwd")));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
        refused(tar(t -> hardlink(t, "h", outside.resolve("sentinel").toString())));
    }

    @Test
    void aHardLinkThroughASymlinkStaysInside() throws IOException {
        LayerException e = refused(tar(t -> {
            symlink(t, "l", outside.toString());
            hardlink(t, "h", "l/sentinel");
        }));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        refused(tar(t -> {
            symlink(t, "etc", "/etc");
            hardlink(t, "h", "etc/passwd");
        }));
    }

    @Test
    void whiteoutsNamingTheParentAreRefused() throws IOException {
        LayerException e = refused(tar(t -> {
            dir(t, "a/");
            file(t, "a/.wh...", "");
        }));
        assertEquals("a/.wh...", e.entry());
        refused(tar(t -> file(t, ".wh...", "")));
        refused(tar(t -> file(t, "a/.wh.", "")));
        refused(tar(t -> file(t, "../.wh.outside", "")));
        refused(tar(t -> file(t, "../outside/.wh.sentinel", "")));
    }

    @Test
    void theTargetRootCannotBeReplaced() throws IOException {
        refused(tar(t -> symlink(t, "./", outside.toString())));
        refused(tar(t -> file(t, ".", "x")));
    }

    @Test
    void symlinkLoopsAreRefused() throws IOException {
        LayerException e = refused(tar(t -> {
            symlink(t, "a", "b");
            symlink(t, "b", "a");
            file(t, "a/x", "x");
        }));
        assertTrue(e.getMessage().contains("symbolic links"), e.getMessage());
    }

    @Test
    void writingUnderAFileIsRefused() throws IOException {
        LayerException e = refused(tar(t -> {
            file(t, "f", "x");
            file(t, "f/x", "x");
        }));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void truncatedAndCorruptLayersAreRefused() throws IOException {
        byte[] good = tar(t -> file(t, "f", "x".repeat(10_000)));
        LayerException e = refused(java.util.Arrays.copyOf(good, 3000));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        byte[] bad = good.clone();
        bad[100] ^= 0x55; // inside the header: the checksum no longer matches
        e = refused(bad);
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        byte[] gz = gzip(good);
        e = refused(java.util.Arrays.copyOf(gz, gz.length / 2));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("corrupt"), e.getMessage());
        java.io.ByteArrayOutputStream zout = new java.io.ByteArrayOutputStream();
        try (var z = LayerCompression.compress(zout, dev.hoist.oci.MediaTypes.Compression.ZSTD, 3)) {
            z.write(good);
        }
        byte[] zst = zout.toByteArray();
        e = refused(java.util.Arrays.copyOf(zst, zst.length / 2));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("corrupt"), e.getMessage());
        e = refused("this is not a layer at all, just some text that goes on for more than one block. ".repeat(10).getBytes());
        assertTrue(e.getMessage().contains("not a tar"), e.getMessage());
    }

    private static byte[] gzip(byte[] b) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }
}
