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
}
