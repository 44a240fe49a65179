package dev.hoist.cache.layer;

import dev.hoist.oci.MediaTypes.Compression;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WhiteoutTest {
    @TempDir
    Path tmp;

    @Test
    void aStackOfThreeLayersWithWhiteoutsAndOpaqueDirectories() throws Exception {
        // layer 1: the base
        Path base = tmp.resolve("base");
        Fixtures.write(base.resolve("etc/conf"), "v1\n");
        Fixtures.write(base.resolve("etc/old"), "old\n");
        Fixtures.write(base.resolve("cache/a"), "a\n");
        Fixtures.write(base.resolve("cache/sub/b"), "b\n");
        Fixtures.write(base.resolve("app/keep"), "keep\n");
        Fixtures.write(base.resolve("tmp/x"), "x\n");
        LayerWriter writer = LayerWriter.builder().compression(Compression.GZIP).build();
        Fixtures.Written l1 = Fixtures.writeTree(writer, base);

        // layer 2: modify etc/conf, delete etc/old and tmp, make cache opaque with one new file
        Path c2 = tmp.resolve("c2");
        Fixtures.write(c2.resolve("etc/conf"), "v2\n");
        Fixtures.write(c2.resolve("cache/new"), "new\n");
        ChangeSet cs2 = new ChangeSet(c2, List.of("etc/conf", "cache/new"), List.of("etc/old", "tmp"), List.of("cache"));
        Fixtures.Written l2 = write(writer, cs2);
        List<String> names2 = LayerRoundTripTest.entries(l2.bytes()).stream().map(TarEntry::name).toList();
        assertEquals(List.of(".wh.tmp", "cache/", "cache/.wh..wh..opq", "cache/new", "etc/", "etc/.wh.old", "etc/conf"), names2);

        // layer 3: bring tmp back as a file, delete app/keep, add to the opaque dir
        Path c3 = tmp.resolve("c3");
        Fixtures.write(c3.resolve("tmp"), "now a file\n");
        Fixtures.write(c3.resolve("cache/third"), "3\n");
        Fixtures.write(c3.resolve("app/.placeholder"), "");
        ChangeSet cs3 = new ChangeSet(c3, List.of("tmp", "cache/third"), List.of("app/keep"), List.of());
        Fixtures.Written l3 = write(writer, cs3);

        Path root = Files.createDirectories(tmp.resolve("root"));
        List<AppliedLayer> applied = LayerApplier.create().applyAll(List.of(
                new ByteArrayInputStream(l1.bytes()), new ByteArrayInputStream(l2.bytes()),
                new ByteArrayInputStream(l3.bytes())), root);
        assertEquals(l1.layer().diffId(), applied.get(0).diffId());
        assertEquals(l2.layer().diffId(), applied.get(1).diffId());
        assertEquals(l3.layer().diffId(), applied.get(2).diffId());

        assertEquals(Set.of("app", "cache", "cache/new", "cache/third", "etc", "etc/conf", "tmp"), files(root));
        assertEquals("v2\n", Files.readString(root.resolve("etc/conf")));
        assertEquals("now a file\n", Files.readString(root.resolve("tmp")));
    }

    @Test
    void whiteoutsHideLowerLayersOnlyNotTheirOwnLayer() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Fixtures.write(root.resolve("d/lower"), "lower\n");
        Fixtures.write(root.resolve("f"), "lower f\n");
        // the same layer writes f and whites it out; and writes d/!first (sorted before the opaque marker)
        byte[] layer = tar(t -> {
            file(t, "f", "this layer's f\n");
            file(t, ".wh.f", "");
            dir(t, "d/");
            file(t, "d/!first", "kept\n");
            file(t, "d/.wh..wh..opq", "");
            file(t, "d/later", "kept too\n");
        });
        LayerApplier.create().apply(new ByteArrayInputStream(layer), root);
        assertEquals("this layer's f\n", Files.readString(root.resolve("f")));
        assertEquals(Set.of("d", "d/!first", "d/later", "f"), files(root));
    }

    @Test
    void opaqueKeepsWhatThisLayerWroteBelowTheDirectory() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Fixtures.write(root.resolve("d/sub/lower"), "lower\n");
        Fixtures.write(root.resolve("d/other"), "lower\n");
        byte[] layer = tar(t -> {
            file(t, "d/!a/b", "mine\n"); // no directory entries for d or d/!a: they are made on the way
            file(t, "d/.wh..wh..opq", "");
        });
        LayerApplier.create().apply(new ByteArrayInputStream(layer), root);
        assertEquals(Set.of("d", "d/!a", "d/!a/b"), files(root));
    }

    @Test
    void aufsMetadataIsIgnoredAndMissingVictimsAreFine() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        byte[] layer = tar(t -> {
            file(t, ".wh..wh.plnk/123.4", "");
            file(t, ".wh..wh.aufs", "");
            file(t, ".wh.nothing-here", "");
            file(t, "nodir/.wh.x", "");
        });
        LayerApplier.create().apply(new ByteArrayInputStream(layer), root);
        assertEquals(Set.of(), files(root));
        assertFalse(Files.exists(root.resolve("nothing-here")));
        assertFalse(Files.exists(root.resolve("nodir")));
    }

    @Test
    void laterEntriesReplaceWhateverIsThere() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Fixtures.write(root.resolve("was-dir/inner/file"), "lower\n");
        Fixtures.write(root.resolve("was-file"), "lower\n");
        Posix.symlink("was-file", root.resolve("was-link"));
        Fixtures.write(root.resolve("same"), "lower\n");
        byte[] layer = tar(t -> {
            file(t, "was-dir", "now a file\n");
            dir(t, "was-file/");
            file(t, "was-file/child", "child\n");
            file(t, "was-link", "now a file too\n");
            file(t, "same", "first\n");
            file(t, "same", "second\n"); // the same path twice in one layer: the last one wins
            symlink(t, "became-link", "same");
            hardlink(t, "hard", "same");
        });
        LayerApplier.create().apply(new ByteArrayInputStream(layer), root);
        assertEquals("now a file\n", Files.readString(root.resolve("was-dir")));
        assertEquals("child\n", Files.readString(root.resolve("was-file/child")));
        assertFalse(Files.isSymbolicLink(root.resolve("was-link")));
        assertEquals("now a file too\n", Files.readString(root.resolve("was-link")));
        assertEquals("second\n", Files.readString(root.resolve("same")));
        assertEquals("second\n", Files.readString(root.resolve("hard")));
        assertEquals(2, FileStat.of(root.resolve("same")).nlink());
    }

    @Test
    void aFreshTargetTakesTheSamePathTwice() throws Exception {
        // into an empty target small files are created on writer threads: repeats must still be ordered
        Path root = Files.createDirectories(tmp.resolve("root"));
        byte[] layer = tar(t -> {
            for (int i = 0; i < 50; i++) {
                file(t, "d" + (i % 3) + "/f", "v" + i + "\n");
                hardlink(t, "d" + (i % 3) + "/h" + i, "d" + (i % 3) + "/f");
            }
        });
        LayerApplier.builder().writerThreads(4).build().apply(new ByteArrayInputStream(layer), root);
        assertEquals("v48\n", Files.readString(root.resolve("d0/f")));
        assertEquals("v49\n", Files.readString(root.resolve("d1/f")));
        assertEquals("v47\n", Files.readString(root.resolve("d2/f")));
        assertEquals("v47\n", Files.readString(root.resolve("d2/h47")));
    }

    @Test
    void anOpaqueRootHidesEverythingBelow() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Fixtures.write(root.resolve("d/lower"), "lower\n");
        Fixtures.write(root.resolve("f"), "lower\n");
        byte[] layer = tar(t -> {
            file(t, ".wh..wh..opq", "");
            file(t, "g", "mine\n");
        });
        LayerApplier.create().apply(new ByteArrayInputStream(layer), root);
        assertEquals(Set.of("g"), files(root));
    }

    @Test
    void changeSetPathsAreChecked() {
        Path r = tmp;
        assertThrows(IllegalArgumentException.class, () -> new ChangeSet(r, List.of("../x"), List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ChangeSet(r, List.of("/x"), List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ChangeSet(r, List.of(), List.of("a//b"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ChangeSet(r, List.of("a"), List.of("a"), List.of()));
    }

    private static Fixtures.Written write(LayerWriter w, ChangeSet cs) throws IOException, LayerException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WrittenLayer l = w.writeChanges(cs, out);
        return new Fixtures.Written(l, out.toByteArray());
    }

    static Set<String> files(Path root) throws IOException {
        Set<String> out = new TreeSet<>();
        try (var s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(p -> out.add(root.relativize(p).toString()));
        }
        return out;
    }

    interface TarBody {
        void write(TarArchiveOutputStream t) throws IOException;
    }

    /** A plain tar built with commons-compress, entries in the order given. */
    static byte[] tar(TarBody body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            body.write(t);
        }
        return out.toByteArray();
    }

    static void file(TarArchiveOutputStream t, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(b.length);
        t.putArchiveEntry(e);
        t.write(b);
        t.closeArchiveEntry();
    }

    static void dir(TarArchiveOutputStream t, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    static void symlink(TarArchiveOutputStream t, String name, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
        e.setLinkName(target);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    static void hardlink(TarArchiveOutputStream t, String name, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK, true);
        e.setLinkName(target);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }
}
