package dev.hoist.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HoistRootTest {
    private static final Path HOME = Path.of("/home/u");

    @Test
    void explicitRootWins() {
        HoistRoot r = HoistRoot.resolve(Path.of("/x/y"), Map.of(HoistRoot.ENV, "/env"), true, HOME);
        assertEquals(Path.of("/x/y"), r.path());
    }

    @Test
    void relativeExplicitRootIsMadeAbsolute() {
        HoistRoot r = HoistRoot.resolve(Path.of("rel/../state"), Map.of(), false, HOME);
        assertEquals(Path.of("").toAbsolutePath().resolve("state"), r.path());
    }

    @Test
    void environmentBeforeDefaults() {
        assertEquals(Path.of("/env"), HoistRoot.resolve(null, Map.of(HoistRoot.ENV, "/env"), true, HOME).path());
        assertEquals(Path.of("/var/lib/hoist"), HoistRoot.resolve(null, Map.of(HoistRoot.ENV, " "), true, HOME).path());
    }

    @Test
    void superuserGetsTheSystemRoot() {
        assertEquals(Path.of("/var/lib/hoist"),
                HoistRoot.resolve(null, Map.of("XDG_DATA_HOME", "/xdg"), true, HOME).path());
    }

    @Test
    void otherUsersGetXdgDataHome() {
        assertEquals(Path.of("/xdg/hoist"), HoistRoot.resolve(null, Map.of("XDG_DATA_HOME", "/xdg"), false, HOME).path());
        assertEquals(Path.of("/home/u/.local/share/hoist"), HoistRoot.resolve(null, Map.of(), false, HOME).path());
        // a relative XDG_DATA_HOME is invalid and ignored, as the XDG spec says
        assertEquals(Path.of("/home/u/.local/share/hoist"),
                HoistRoot.resolve(null, Map.of("XDG_DATA_HOME", "rel"), false, HOME).path());
    }

    @Test
    void layoutFollowsTheOciBlobsDirectory(@TempDir Path dir) {
        HoistRoot r = HoistRoot.at(dir);
        var d = dev.hoist.oci.Digest.sha256("x");
        assertEquals(dir.resolve("blobs/sha256/" + d.hex()), r.blobPath(d));
        assertEquals(dir.resolve("tmp"), r.tmpDir());
    }

    @Test
    void layoutIsCreatedOnlyWhenWritten(@TempDir Path dir) throws Exception {
        HoistRoot r = HoistRoot.at(dir.resolve("root"));
        BlobStore blobs = BlobStore.onDisk(r);
        assertTrue(blobs.list().isEmpty());
        assertTrue(blobs.stat(dev.hoist.oci.Digest.sha256("x")).isEmpty());
        assertFalse(Files.exists(r.path()), "reading must not create the root");
        blobs.put("text/plain", "x".getBytes());
        assertTrue(Files.isDirectory(r.blobsDir().resolve("sha256")));
        assertTrue(Files.isDirectory(r.tmpDir()));
    }

    @Test
    void tempNamesRecordTheirPurpose(@TempDir Path dir) throws Exception {
        HoistRoot r = HoistRoot.at(dir);
        Path f = r.createTempFile("blob");
        Path d = r.createTempDirectory("unpack");
        assertEquals(r.tmpDir(), f.getParent());
        assertTrue(f.getFileName().toString().startsWith("blob."));
        assertTrue(Files.isDirectory(d));
        assertThrows(IllegalArgumentException.class, () -> r.createTempFile("../evil"));
    }

    @Test
    void locksAreReentrantWithinAThread(@TempDir Path dir) throws Exception {
        HoistRoot r = HoistRoot.at(dir);
        try (RootLock outer = r.lockExclusive("images")) {
            try (RootLock inner = r.lockExclusive("images")) {
                assertTrue(inner.isHeldByCurrentThread());
            }
            assertTrue(outer.isHeldByCurrentThread());
        }
        assertTrue(Files.exists(r.locksDir().resolve("images.lock")));
    }
}
