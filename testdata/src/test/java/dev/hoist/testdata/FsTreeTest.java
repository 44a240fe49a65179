package dev.hoist.testdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsTreeTest {

    @Test
    void parentsComeBeforeChildrenAndSiblingsSortByName() {
        FsTree tree = new FsTree()
                .directory("a", 0755)
                .directory("a-b", 0755)
                .file("a/z", 0644, new byte[0])
                .file("a/b", 0644, new byte[0])
                .symlink("a.link", "a");
        assertEquals(List.of("a", "a/b", "a/z", "a-b", "a.link"),
                tree.entries().stream().map(FsTree.Entry::path).toList());
    }

    @Test
    void rejectsDuplicatesOrphansAndUnsafePaths() {
        FsTree tree = new FsTree().directory("a", 0755);
        assertThrows(IllegalStateException.class, () -> tree.directory("a", 0700));
        assertThrows(IllegalStateException.class, () -> tree.file("missing/file", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> tree.file("/abs", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> tree.file("a/../b", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> tree.directory("b", 0100755));
    }

    @Test
    void longNamesUseTheUstarPrefixAndReadBack(@TempDir Path dir) throws IOException {
        String deep = "d".repeat(80);
        String file = deep + "/" + "f".repeat(90);
        FsTree tree = new FsTree().directory(deep, 0700).file(file, 0600, "x".getBytes(StandardCharsets.UTF_8));
        Path tar = dir.resolve("long.tar");
        try (var out = Files.newOutputStream(tar)) {
            tree.writeTar(out);
        }
        Map<String, BusyboxTest.Read> read = BusyboxTest.readTar(tar);
        assertEquals(List.of(deep + "/", file), List.copyOf(read.keySet()));
        assertEquals(0600, read.get(file).entry().getMode() & 07777);
        assertEquals("x", new String(read.get(file).content(), StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class,
                () -> new FsTree().file("x".repeat(101), 0644, new byte[0]).writeTar(new ByteArrayOutputStream()));
    }

    @Test
    void writesIntoADirectoryWithModesIncludingSticky(@TempDir Path dir) throws IOException {
        new FsTree().directory("ro", 0555).file("ro/f", 0640, new byte[] {1}).directory("t", 01777)
                .symlink("l", "ro/f").writeTo(dir);
        assertEquals(0555, (int) Files.getAttribute(dir.resolve("ro"), "unix:mode") & 07777);
        assertEquals(0640, (int) Files.getAttribute(dir.resolve("ro/f"), "unix:mode") & 07777);
        assertEquals(01777, (int) Files.getAttribute(dir.resolve("t"), "unix:mode") & 07777);
        assertEquals(Path.of("ro/f"), Files.readSymbolicLink(dir.resolve("l")));
        Files.setAttribute(dir.resolve("ro"), "unix:mode", 0755); // let @TempDir clean up as non-root too
    }
}
