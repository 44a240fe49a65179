package dev.hoist.cache.image;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.StoreException;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.History;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.oci.RootFs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalImagesTest {
    @TempDir
    Path dir;
    LocalImages images;

    @BeforeEach
    void open() {
        images = LocalImages.open(HoistRoot.at(dir));
    }

    private Image commit(String layerText, boolean docker) throws Exception {
        Descriptor layer = images.blobs().put(MediaTypes.OCI_LAYER, layerText.getBytes(StandardCharsets.UTF_8));
        ImageConfig config = ImageConfig.builder()
                .platform(Platform.current())
                .created(Instant.EPOCH)
                .config(ContainerConfig.builder().cmd("sh").build())
                .rootfs(RootFs.layers(List.of(layer.digest())))
                .addHistory(History.of(Instant.EPOCH, "test " + layerText, false))
                .build();
        return images.commit(config, List.of(layer), docker);
    }

    @Test
    void commitTagListAndResolveByNameAndId() throws Exception {
        Image image = commit("one", true);
        assertEquals(MediaTypes.DOCKER_MANIFEST, image.manifest().contentType());
        assertEquals("docker.io/library/busybox:local", images.tag(image, "busybox:local"));
        images.tag(image, "127.0.0.1:5000/x/y");

        List<Image> all = images.list();
        assertEquals(1, all.size());
        assertEquals(List.of("127.0.0.1:5000/x/y:latest", "docker.io/library/busybox:local"), all.get(0).names());

        assertEquals(image.id(), images.resolve("busybox:local").id());
        assertEquals(image.id(), images.resolve("docker.io/library/busybox:local").id());
        assertEquals(image.id(), images.resolve(image.id().shortHex()).id());
        assertEquals(image.id(), images.resolve(image.id().toString()).id());
        assertEquals(image.id(), images.resolve("busybox@" + image.manifestDigest()).id());
        ImageNotFoundException e = assertThrows(ImageNotFoundException.class, () -> images.resolve("nope"));
        assertTrue(e.getMessage().startsWith("No such image: nope"), e.getMessage());
    }

    @Test
    void removingTheLastNameDeletesOnlyUnsharedBlobs() throws Exception {
        Image a = commit("shared-and-a", false);
        Image b = commit("b", false);
        images.tag(a, "a");
        images.tag(a, "a2");
        images.tag(b, "b");

        LocalImages.Removal r1 = images.remove("a", false);
        assertEquals(List.of("docker.io/library/a:latest"), r1.untagged());
        assertTrue(r1.deleted().isEmpty(), "a2 still names it");

        images.tag(b, "b2");
        StoreException conflict = assertThrows(StoreException.class, () -> images.remove(b.id().shortHex(), false));
        assertTrue(conflict.getMessage().contains("must be forced"), conflict.getMessage());
        LocalImages.Removal forced = images.remove(b.id().shortHex(), true);
        assertEquals(2, forced.untagged().size());
        Digest bLayer = b.manifest().layers().get(0).digest();
        assertTrue(forced.deleted().contains(bLayer));
        assertTrue(forced.deleted().contains(b.manifestDigest()));
        assertFalse(images.blobs().contains(bLayer));
        assertTrue(images.blobs().contains(a.manifest().layers().get(0).digest()));
    }

    @Test
    void aKeptUntaggedImageIsListedAndFoundByIdAndPrefix() throws Exception {
        Image image = commit("untagged", true);
        assertThrows(ImageNotFoundException.class, () -> images.resolve(image.id().toString()), "not kept yet: only blobs");
        images.keep(image);

        List<Image> all = images.list();
        assertEquals(1, all.size());
        assertEquals(List.of(), all.get(0).names());
        assertEquals(List.of(), images.summaries().get(0).names());
        assertEquals(image.id(), images.summaries().get(0).id());
        for (String ref : List.of(image.id().toString(), image.id().hex(), image.id().shortHex(),
                image.id().hex().substring(0, 5), "sha256:" + image.id().hex().substring(0, 8),
                image.manifestDigest().toString())) {
            assertEquals(image.id(), images.resolve(ref).id(), ref);
        }
    }

    @Test
    void anAmbiguousIdPrefixIsAClearError() throws Exception {
        // commit until two image IDs share a first hex digit
        java.util.Map<Character, Image> byFirst = new java.util.HashMap<>();
        Image a = null;
        Image b = null;
        for (int i = 0; a == null; i++) {
            Image image = commit("ambiguous " + i, false);
            images.keep(image);
            Image before = byFirst.putIfAbsent(image.id().hex().charAt(0), image);
            if (before != null && before.manifestDigest().hex().charAt(0) != image.id().hex().charAt(0)
                    && image.manifestDigest().hex().charAt(0) != image.id().hex().charAt(0)) {
                a = before;
                b = image;
            }
        }
        String prefix = a.id().hex().substring(0, 1);
        Image first = a;
        StoreException e = assertThrows(StoreException.class, () -> images.resolve(prefix));
        assertFalse(e instanceof ImageNotFoundException, e.getMessage());
        assertTrue(e.getMessage().contains("\"" + prefix + "\" is ambiguous"), e.getMessage());
        assertTrue(e.getMessage().contains(a.id().shortHex()) && e.getMessage().contains(b.id().shortHex()), e.getMessage());
        assertEquals(first.id(), images.resolve(first.id().hex()).id(), "the full ID is never ambiguous");
    }

    @Test
    void reTaggingLeavesTheOldImageDanglingAndRmiByIdRemovesIt() throws Exception {
        Image old = commit("old", false);
        Image fresh = commit("fresh", false);
        images.tag(old, "app");
        images.tag(fresh, "app");
        assertEquals(List.of(), images.resolve(old.id().toString()).names());
        assertEquals(2, images.list().size());

        LocalImages.Removal r = images.remove(old.id().shortHex(), false);
        assertEquals(List.of(), r.untagged());
        assertTrue(r.deleted().contains(old.id()) && r.deleted().contains(old.manifestDigest()), r.deleted().toString());
        assertFalse(images.blobs().contains(old.manifestDigest()));
        assertEquals(List.of(), images.store().dangling());
        assertThrows(ImageNotFoundException.class, () -> images.resolve(old.id().toString()));
        assertEquals(List.of("docker.io/library/app:latest"), images.resolve("app").names());
    }

    @Test
    void removingAnImageKeepsTheLayersADanglingImageUses() throws Exception {
        Descriptor shared = images.blobs().put(MediaTypes.OCI_LAYER, "shared".getBytes(StandardCharsets.UTF_8));
        ImageConfig c1 = ImageConfig.builder().platform(Platform.current()).created(Instant.EPOCH)
                .rootfs(RootFs.layers(List.of(shared.digest()))).addHistory(History.of(Instant.EPOCH, "1", false)).build();
        ImageConfig c2 = ImageConfig.builder().platform(Platform.current()).created(Instant.EPOCH)
                .rootfs(RootFs.layers(List.of(shared.digest()))).addHistory(History.of(Instant.EPOCH, "2", false)).build();
        Image dangling = images.commit(c1, List.of(shared), false);
        Image named = images.commit(c2, List.of(shared), false);
        images.keep(dangling);
        images.tag(named, "named");

        images.remove("named", false);
        assertTrue(images.blobs().contains(shared.digest()), "the dangling image still uses it");
        assertEquals(dangling.id(), images.resolve(dangling.id().hex()).id());
    }

    @Test
    void pruneDanglingRemovesOnlyDanglingImages() throws Exception {
        Image named = commit("named", false);
        Image loose = commit("loose", false);
        images.tag(named, "named");
        images.keep(loose);

        LocalImages.Pruned dry = images.pruneDangling(List::of, true);
        assertEquals(List.of(loose.id()), dry.images());
        assertEquals(List.of(), dry.deleted());
        assertEquals(1, images.store().dangling().size());

        LocalImages.Pruned pruned = images.pruneDangling(List::of, false);
        assertEquals(List.of(loose.id()), pruned.images());
        assertTrue(pruned.deleted().contains(loose.manifestDigest()), pruned.deleted().toString());
        long size = 0;
        for (dev.hoist.oci.Digest d : pruned.deleted()) {
            size += d.equals(loose.manifestDigest()) ? loose.manifest().bytes().length
                    : d.equals(loose.id()) ? loose.manifest().config().size() : loose.manifest().layers().stream()
                    .filter(l -> l.digest().equals(d)).findFirst().orElseThrow().size();
        }
        assertEquals(size, pruned.bytes(), "the bytes of the blobs deleted");
        assertEquals(0, dry.bytes());
        assertEquals(List.of(), images.store().dangling());
        assertEquals(1, images.list().size());
        assertEquals(named.id(), images.resolve("named").id());
    }
}
