package dev.hoist.cache.image;

import dev.hoist.cache.BlobWriter;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.layer.ChangeSet;
import dev.hoist.cache.layer.LayerWriter;
import dev.hoist.cache.layer.OverlayMarkers;
import dev.hoist.cache.layer.WrittenLayer;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LayerSnapshotsTest {
    @TempDir
    Path dir;

    private LocalImages images;
    private LayerSnapshots snapshots;
    private final List<Descriptor> layers = new ArrayList<>();
    private final List<Digest> diffIds = new ArrayList<>();
    private int trees;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "whiteouts (0/0 devices, trusted xattrs) need root");
        images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        snapshots = new LayerSnapshots(images);
    }

    /** Adds a layer made of {@code files} (path=content; a path ending in / is a directory) and the deletions. */
    private void layer(List<String> files, List<String> deleted, List<String> opaque) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree" + trees++));
        List<String> changed = new ArrayList<>();
        for (String f : files) {
            int eq = f.indexOf('=');
            String path = eq < 0 ? f : f.substring(0, eq);
            if (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
                Files.createDirectories(tree.resolve(path));
            } else {
                Files.createDirectories(tree.resolve(path).getParent());
                Files.writeString(tree.resolve(path), f.substring(eq + 1));
            }
            changed.add(path);
        }
        changed.sort(null);
        try (BlobWriter w = images.blobs().writer()) {
            WrittenLayer wl = LayerWriter.builder().build().writeChanges(new ChangeSet(tree, changed, deleted, opaque), w.stream());
            w.commit(wl.digest());
            layers.add(wl.descriptor());
            diffIds.add(wl.diffId());
        }
    }

    @Test
    void stackedLayersHideWhatWhiteoutsAndOpaqueDirectoriesHide() throws Exception {
        layer(List.of("d/", "d/old=o", "d/sub/", "d/sub/s=s", "keep=k", "gone=g", "e/", "e/x=x"), List.of(), List.of());
        layer(List.of("d/", "d/new=n"), List.of("gone", "e/x"), List.of("d"));
        layer(List.of("d/", "d/a=a"), List.of(), List.of());
        LayerStack stack = snapshots.stack(layers, diffIds);
        assertEquals(3, stack.directories().size(), "one directory per layer, bottom-most first");
        Path middle = stack.directories().get(1);
        assertTrue(OverlayMarkers.isWhiteout(middle.resolve("gone")), "a whiteout is a 0/0 character device");
        assertTrue(OverlayMarkers.isOpaque(middle.resolve("d")), "an opaque directory has the overlay attribute");
        assertNull(stack.find("gone"));
        assertNull(stack.find("e/x"));
        assertTrue(Files.isDirectory(stack.find("e")), "the directory of a deleted file stays");
        assertEquals("k", Files.readString(stack.find("keep")));
        assertNull(stack.find("d/old"), "the opaque directory hides the lower layer's files");
        assertNull(stack.find("d/sub/s"));
        assertEquals("n", Files.readString(stack.find("d/new")));
        assertEquals(stack.directories().get(2).resolve("d/a"), stack.find("d/a"), "the top-most layer provides a path");
        assertNull(stack.find("nothing/here"));
    }

    @Test
    void linksResolveInsideTheStack() throws Exception {
        layer(List.of("real/", "real/f=f"), List.of(), List.of());
        Path tree = Files.createDirectories(dir.resolve("links"));
        Files.createSymbolicLink(tree.resolve("abs"), Path.of("/real"));
        Files.createSymbolicLink(tree.resolve("rel"), Path.of("real/../real"));
        try (BlobWriter w = images.blobs().writer()) {
            WrittenLayer wl = LayerWriter.builder().build().writeChanges(
                    new ChangeSet(tree, List.of("abs", "rel"), List.of(), List.of()), w.stream());
            w.commit(wl.digest());
            layers.add(wl.descriptor());
            diffIds.add(wl.diffId());
        }
        LayerStack stack = snapshots.stack(layers, diffIds);
        assertEquals("real/f", stack.resolveLinks("abs/f"));
        assertEquals("real/f", stack.resolveLinks("rel/f"));
        assertEquals("real", stack.resolveLinks("abs"));
        assertEquals("f", Files.readString(stack.find(stack.resolveLinks("abs/f"))));
    }

    @Test
    void aDeepStackIsFlattenedBelowOnBoundariesThatStayPut() throws Exception {
        for (int i = 0; i < 41; i++) {
            layer(List.of("f" + i + "=" + i), i == 5 ? List.of("f1") : List.of(), List.of());
        }
        LayerStack at40 = snapshots.stack(layers.subList(0, 40), diffIds.subList(0, 40));
        LayerStack at41 = snapshots.stack(layers, diffIds);
        assertTrue(at40.directories().size() <= LayerSnapshots.MAX_DEPTH);
        assertEquals(1 + 40 - 16, at40.directories().size(), "the lowest 16 layers are one flattened directory");
        assertEquals(at40.directories().get(0), at41.directories().get(0), "the next layer keeps the flattened part");
        assertEquals(images.root().path().resolve("snapshots").resolve(Snapshots.chainId(diffIds.subList(0, 16)).hex()),
                at41.directories().get(0));
        assertNull(at41.find("f1"), "deleted within the flattened part");
        assertEquals("3", Files.readString(at41.find("f3")));
        assertEquals("40", Files.readString(at41.find("f40")));
        for (int i = 0; i < 41; i++) {
            if (i != 1) {
                assertTrue(at41.find("f" + i) != null, "f" + i);
            }
        }
    }

    @Test
    void aLayerIsUnpackedOnceAndAnAdoptedDirectoryIsKept() throws Exception {
        layer(List.of("a=1"), List.of(), List.of());
        Path first = snapshots.layer(layers.get(0), diffIds.get(0));
        Object inode = Files.readAttributes(first, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        assertEquals(first, snapshots.layer(layers.get(0), diffIds.get(0)));
        assertEquals(inode, Files.readAttributes(first, java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                "not unpacked again");

        Path upper = images.root().createTempDirectory("upper");
        Files.writeString(upper.resolve("b"), "2");
        Digest made = Digest.sha256("some layer");
        assertEquals(snapshots.dir(made), snapshots.adopt(made, upper));
        assertFalse(Files.exists(upper), "moved into place");
        assertEquals("2", Files.readString(snapshots.dir(made).resolve("b")));
        Path other = images.root().createTempDirectory("upper");
        assertEquals(snapshots.dir(made), snapshots.adopt(made, other), "the first one is kept");
        assertTrue(Files.isDirectory(other), "the caller's directory is left for it to delete");
        assertNotEquals(other, snapshots.dir(made));
    }

    @Test
    void unusedLayerDirectoriesArePruned() throws Exception {
        layer(List.of("a=1"), List.of(), List.of());
        Path unpacked = snapshots.layer(layers.get(0), diffIds.get(0));
        assertEquals(List.of(unpacked), new Snapshots(images).removeUnused(false));
        assertFalse(Files.exists(unpacked));
    }
}
