package dev.hoist.cache.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciJson;
import dev.hoist.oci.Platform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OciLayoutTest {
    @TempDir
    Path tmp;
    LocalImages source;
    LocalImages target;
    Path layout;

    @BeforeEach
    void setUp() {
        source = LocalImages.open(HoistRoot.at(tmp.resolve("source")));
        target = LocalImages.open(HoistRoot.at(tmp.resolve("target")));
        layout = tmp.resolve("layout");
    }

    private static Path blob(Path layout, Digest d) {
        return layout.resolve("blobs").resolve(d.algorithmName()).resolve(d.encoded());
    }

    @Test
    void roundTripKeepsManifestConfigAndNames() throws Exception {
        Image image = TestImages.commit(source, false, true, "one", "two");
        source.tag(image, "example.com/app:1.0");
        image = source.resolve("example.com/app:1.0");

        ImageIndex index = new OciLayoutWriter(source).write(layout, LayoutEntry.named(image, "example.com/app:1.0"));

        assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(layout.resolve("oci-layout")));
        assertEquals(index, ImageIndex.parse(Files.readAllBytes(layout.resolve("index.json"))));
        assertEquals(MediaTypes.OCI_INDEX, index.mediaType());
        Descriptor entry = index.manifests().get(0);
        assertEquals(image.target().digest(), entry.digest());
        assertEquals(MediaTypes.OCI_MANIFEST, entry.mediaType());
        assertEquals("1.0", entry.annotation("org.opencontainers.image.ref.name"));
        assertEquals("example.com/app:1.0", entry.annotation("io.containerd.image.name"));
        for (Descriptor layer : image.manifest().layers()) {
            Path file = blob(layout, layer.digest());
            assertTrue(Files.isSameFile(file, source.blobs().path(layer.digest())), "hard-linked from the store");
        }

        OciLayoutReader reader = OciLayoutReader.open(layout);
        assertEquals(List.of("1.0"), reader.refNames());
        LoadedImage loaded = reader.importRef(target, "1.0");
        assertEquals(image.target(), loaded.target());
        assertEquals("1.0", loaded.refName());
        assertEquals(List.of("example.com/app:1.0"), loaded.names());
        Image back = target.load(loaded.target(), List.of());
        assertEquals(image.manifest(), back.manifest());
        assertEquals(image.config(), back.config());
        assertTrue(target.list().isEmpty(), "the reader does not tag");
    }

    @Test
    void dockerManifestsAreWrittenAsOciUnlessPreserved() throws Exception {
        Image image = TestImages.commit(source, true, true, "docker");
        assertEquals(MediaTypes.DOCKER_MANIFEST, image.target().mediaType());

        ImageIndex index = new OciLayoutWriter(source).write(layout, LayoutEntry.refName(image, "latest"));
        Descriptor entry = index.manifests().get(0);
        assertEquals(MediaTypes.OCI_MANIFEST, entry.mediaType());
        assertNotEquals(image.target().digest(), entry.digest());
        assertFalse(Files.exists(blob(layout, image.target().digest())), "the Docker manifest is not written");
        LoadedImage loaded = OciLayoutReader.open(layout).importRef(target, "latest");
        Image back = target.load(loaded.target(), List.of());
        assertEquals(image.id(), back.id(), "same config, so same image ID");
        assertEquals(MediaTypes.OCI_CONFIG, back.manifest().config().mediaType());
        assertEquals(MediaTypes.OCI_LAYER_GZIP, back.manifest().layers().get(0).mediaType());
        assertEquals(List.of(), loaded.names(), "a bare ref name names nothing");

        Path preserved = tmp.resolve("preserved");
        Descriptor kept = new OciLayoutWriter(source).preservingManifests()
                .write(preserved, LayoutEntry.refName(image, "latest")).manifests().get(0);
        assertEquals(image.target().digest(), kept.digest());
        assertEquals(MediaTypes.DOCKER_MANIFEST, kept.mediaType());
        assertEquals(image.target(), OciLayoutReader.open(preserved).importRef(target, "latest").target());
    }

    @Test
    void addingToALayoutReplacesTheSameRefNameAndKeepsTheRest() throws Exception {
        Image a = TestImages.commit(source, false, false, "a");
        Image b = TestImages.commit(source, false, false, "b");
        Image c = TestImages.commit(source, false, false, "c");
        OciLayoutWriter writer = new OciLayoutWriter(source);
        writer.write(layout, LayoutEntry.refName(a, "t"), LayoutEntry.refName(b, "u"), LayoutEntry.untagged(c));
        ImageIndex index = writer.write(layout, LayoutEntry.refName(c, "t"), LayoutEntry.untagged(c));

        List<Descriptor> entries = index.manifests();
        assertEquals(3, entries.size());
        assertEquals(c.target().digest(), entries.get(0).digest());
        assertEquals("t", entries.get(0).annotation("org.opencontainers.image.ref.name"));
        assertEquals(b.target().digest(), entries.get(1).digest());
        assertEquals(c.target().digest(), entries.get(2).digest());
        assertEquals(List.of("t", "u"), OciLayoutReader.open(layout).refNames());
        assertTrue(Files.exists(blob(layout, a.target().digest())), "replaced entries' blobs stay, as with skopeo");

        // Docker writes a:latest and b:latest side by side: same ref name, different image names.
        Path two = tmp.resolve("two");
        writer.write(two, LayoutEntry.named(a, "a"), LayoutEntry.named(b, "b"));
        assertEquals(2, ImageIndex.parse(Files.readAllBytes(two.resolve("index.json"))).manifests().size());
        List<LoadedImage> all = OciLayoutReader.open(two).importAll(target);
        assertEquals(List.of("docker.io/library/a:latest"), all.get(0).names());
        assertEquals(List.of("docker.io/library/b:latest"), all.get(1).names());
    }

    @Test
    void multiPlatformIndexIsWrittenAsStoredWithTheCompletePlatforms() throws Exception {
        Image here = TestImages.commit(source, false, true, "here");
        Image s390x = TestImages.commit(source, Platform.parse("linux/s390x"), false, true, "s390x");
        Image partial = TestImages.commit(source, Platform.parse("linux/ppc64le"), false, true, "partial");
        source.blobs().delete(partial.manifest().layers().get(0).digest());
        Descriptor neverPulled = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256("absent"), 100)
                .withPlatform(Platform.parse("linux/riscv64"));
        Image index = TestImages.commitIndex(source, List.of(here, s390x, partial), List.of(neverPulled));
        assertEquals(here.manifest(), index.manifest());

        ImageIndex written = new OciLayoutWriter(source).write(layout, LayoutEntry.refName(index, "multi"));
        assertEquals(index.target().digest(), written.manifests().get(0).digest());
        assertEquals(MediaTypes.OCI_INDEX, written.manifests().get(0).mediaType());
        assertTrue(Files.exists(blob(layout, index.target().digest())));
        assertTrue(Files.exists(blob(layout, s390x.manifest().digest())));
        assertFalse(Files.exists(blob(layout, partial.manifest().digest())), "an incomplete platform is left out");

        LoadedImage loaded = OciLayoutReader.open(layout).importRef(target, "multi");
        assertEquals(index.target(), loaded.target());
        assertEquals(here.id(), target.load(loaded.target(), List.of()).id());
        assertTrue(target.blobs().contains(s390x.manifest().layers().get(0).digest()));
    }

    @Test
    void selectingByRefName() throws Exception {
        Image a = TestImages.commit(source, false, false, "a");
        Image b = TestImages.commit(source, false, false, "b");
        new OciLayoutWriter(source).write(layout, LayoutEntry.refName(a, "first"), LayoutEntry.refName(b, "second"));
        OciLayoutReader reader = OciLayoutReader.open(layout);

        assertEquals(b.target(), reader.importRef(target, "second").target());
        assertFalse(target.blobs().contains(a.manifest().layers().get(0).digest()), "only the selected image is read");
        ArchiveException none = assertThrows(ArchiveException.class, () -> reader.importRef(target, "third"));
        assertTrue(none.getMessage().contains("no image with the ref name \"third\"")
                && none.getMessage().contains("first, second"), none.getMessage());
        ArchiveException which = assertThrows(ArchiveException.class, () -> reader.importRef(target, null));
        assertTrue(which.getMessage().contains("holds 2 images"), which.getMessage());
        assertEquals(2, reader.importAll(target).size());
    }

    @Test
    void damagedOrMissingBlobsAndBadDiffIdsAreRefused() throws Exception {
        Image image = TestImages.commit(source, false, true, "payload");
        new OciLayoutWriter(source).write(layout, LayoutEntry.refName(image, "x"));
        Path layer = blob(layout, image.manifest().layers().get(0).digest());
        byte[] bytes = Files.readAllBytes(layer);
        bytes[bytes.length / 2] ^= 1;
        Files.delete(layer); // break the hard link before changing the content
        Files.write(layer, bytes);
        ArchiveException damaged = assertThrows(ArchiveException.class,
                () -> OciLayoutReader.open(layout).importRef(target, "x"));
        assertTrue(damaged.getMessage().contains("is damaged"), damaged.getMessage());
        assertFalse(target.blobs().contains(image.manifest().layers().get(0).digest()));

        Files.delete(layer);
        ArchiveException missing = assertThrows(ArchiveException.class,
                () -> OciLayoutReader.open(layout).importAll(target));
        assertTrue(missing.getMessage().contains("is missing from the layout"), missing.getMessage());

        // A config whose diff ID does not match the layer.
        Descriptor l = source.blobs().put(MediaTypes.OCI_LAYER, TestImages.tar(Map.of("f", TestImages.utf8("x"))));
        Image wrong = source.commit(TestImages.config(Platform.current(), List.of(Digest.sha256("not it")), "x"),
                List.of(l), false);
        Path other = tmp.resolve("other");
        new OciLayoutWriter(source).write(other, LayoutEntry.refName(wrong, "w"));
        ArchiveException diff = assertThrows(ArchiveException.class,
                () -> OciLayoutReader.open(other).importRef(target, "w"));
        assertTrue(diff.getMessage().contains("has diff ID " + l.digest()), diff.getMessage());
    }

    @Test
    void onlyEmptyDirectoriesOrLayoutsAreWrittenAndRead() throws Exception {
        Image image = TestImages.commit(source, false, false, "a");
        Path notLayout = Files.createDirectories(tmp.resolve("stuff"));
        Files.writeString(notLayout.resolve("file"), "x");
        ArchiveException write = assertThrows(ArchiveException.class,
                () -> new OciLayoutWriter(source).write(notLayout, LayoutEntry.untagged(image)));
        assertTrue(write.getMessage().contains("not empty and not an OCI layout"), write.getMessage());
        ArchiveException read = assertThrows(ArchiveException.class, () -> OciLayoutReader.open(notLayout));
        assertTrue(read.getMessage().contains("no oci-layout file"), read.getMessage());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        new OciLayoutWriter(source).write(empty, LayoutEntry.untagged(image));
        JsonNode index = OciJson.mapper().readTree(Files.readAllBytes(empty.resolve("index.json")));
        assertFalse(index.get("manifests").get(0).has("annotations"));
        assertThrows(IllegalArgumentException.class, () -> LayoutEntry.refName(image, "no spaces"));
    }
}
