package dev.hoist.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TempPathsTest {
    @TempDir
    Path dir;

    @Test
    void filesAreNewEmptyAndTheOwnersOnlyAsTheJdksAre() throws Exception {
        Set<Path> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Path p = TempPaths.createFile(dir, ".config", ".json.tmp");
            assertTrue(seen.add(p), "a name came twice: " + p);
            assertEquals(dir, p.getParent());
            String name = p.getFileName().toString();
            assertTrue(name.matches("\\.config[0-9a-f]{16}\\.json\\.tmp"), name);
            assertEquals(0, Files.size(p));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        }
        Path jdk = Files.createTempFile(dir, "x", "y");
        assertEquals(Files.getPosixFilePermissions(jdk), Files.getPosixFilePermissions(TempPaths.createFile(dir, "x", "y")));
    }

    @Test
    void directoriesAreNewAndTheOwnersOnly() throws Exception {
        Path d = TempPaths.createDirectory(dir, ".init-layer");
        assertTrue(Files.isDirectory(d));
        assertTrue(d.getFileName().toString().matches("\\.init-layer[0-9a-f]{16}"), d.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        assertTrue(!d.equals(TempPaths.createDirectory(dir, ".init-layer")));
    }

    @Test
    void aNameThatWouldLeaveTheDirectoryIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> TempPaths.createFile(dir, "../x", ".tmp"));
        assertThrows(IllegalArgumentException.class, () -> TempPaths.createDirectory(dir, "a/b"));
    }

    @Test
    void aMissingDirectoryIsAnError() {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> TempPaths.createFile(dir.resolve("gone"), "a", "b"));
    }
}
