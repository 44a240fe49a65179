package dev.hoist.cache;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageStoreTest {
    static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    @TempDir
    Path dir;
    HoistRoot root;
    BlobStore blobs;
    ImageStore images;

    @BeforeEach
    void setUp() {
        root = HoistRoot.at(dir);
        blobs = BlobStore.onDisk(root);
        images = ImageStore.open(root, blobs, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private Descriptor manifest(String text) throws StoreException {
        return blobs.put(MediaTypes.OCI_MANIFEST, ("{\"schemaVersion\":2,\"x\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void putGetListRemove() throws Exception {
        Descriptor m1 = manifest("1");
        Descriptor m2 = manifest("2");
        assertEquals(Optional.empty(), images.put("docker.io/library/alpine:3.20", m1));
        assertEquals(Optional.empty(), images.put("docker.io/library/alpine:latest", m1));
        assertEquals(Optional.empty(), images.put("localhost:5000/app:v1", m2));

        ImageEntry got = images.get("docker.io/library/alpine:3.20").orElseThrow();
        assertEquals(m1, got.target());
        assertEquals(NOW, got.tagged());
        assertEquals(m1.digest(), got.id());
        assertEquals(List.of("docker.io/library/alpine:3.20", "docker.io/library/alpine:latest", "localhost:5000/app:v1"),
                images.list().stream().map(ImageEntry::name).toList());

        // moving a tag returns where it pointed before
        assertEquals(m1, images.put("docker.io/library/alpine:latest", m2).orElseThrow().target());
        assertEquals(m2, images.get("docker.io/library/alpine:latest").orElseThrow().target());

        ImageEntry removed = images.remove("localhost:5000/app:v1").orElseThrow();
        assertEquals(m2, removed.target());
        assertEquals(Optional.empty(), images.remove("localhost:5000/app:v1"));
        assertEquals(Optional.empty(), images.get("localhost:5000/app:v1"));
        assertTrue(blobs.contains(m2.digest()), "untagging leaves the blobs to prune");
    }

    @Test
    void emptyStoreReadsWithoutCreatingAnything() throws Exception {
        ImageStore fresh = ImageStore.open(HoistRoot.at(dir.resolve("nothing")), blobs);
        assertEquals(List.of(), fresh.list());
        assertEquals(Optional.empty(), fresh.get("a:b"));
        assertTrue(Files.notExists(dir.resolve("nothing")));
    }

    @Test
    void findByDigestOrIdPrefix() throws Exception {
        Descriptor m1 = manifest("1");
        Descriptor m2 = manifest("2");
        images.put("a:1", m1);
        images.put("b:1", m1);
        images.put("c:1", m2);
        assertEquals(List.of("a:1", "b:1"), images.find(m1.digest().toString()).stream().map(ImageEntry::name).toList());
        assertEquals(List.of("a:1", "b:1"), images.find(m1.digest().shortHex()).stream().map(ImageEntry::name).toList());
        assertEquals(List.of("c:1"), images.find("sha256:" + m2.digest().hex().substring(0, 6)).stream().map(ImageEntry::name).toList());
        assertEquals(List.of(), images.find("sha512:" + m2.digest().hex().substring(0, 6)));
        assertThrows(IllegalArgumentException.class, () -> images.find(" "));
        assertThrows(IllegalArgumentException.class, () -> images.find("sha256:"));
    }

    @Test
    void persistsAcrossInstancesWithEveryDescriptorField() throws Exception {
        Descriptor m = manifest("p").withPlatform(Platform.parse("linux/arm64"))
                .withAnnotations(Map.of("org.opencontainers.image.ref.name", "v1"));
        Descriptor idx = blobs.put(MediaTypes.OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[]}".getBytes());
        images.put("reg.example/a:v1", m);
        images.put("reg.example/a:multi", idx);

        ImageStore again = ImageStore.open(HoistRoot.at(dir), BlobStore.onDisk(HoistRoot.at(dir)));
        assertEquals(images.list(), again.list());
        assertEquals(m, again.get("reg.example/a:v1").orElseThrow().target());
        String json = Files.readString(root.imagesFile());
        assertTrue(json.contains("\"schemaVersion\" : 1"), json);
    }

    @Test
    void refusesTargetsThatAreNotStoredOrNotManifests() throws Exception {
        Descriptor missing = Descriptor.of(MediaTypes.OCI_MANIFEST, "{}".getBytes());
        assertThrows(BlobNotFoundException.class, () -> images.put("a:1", missing));
        Descriptor wrongSize = new Descriptor(MediaTypes.OCI_MANIFEST, manifest("s").digest(), 1);
        StoreException e = assertThrows(StoreException.class, () -> images.put("a:1", wrongSize));
        assertTrue(e.getMessage().contains("the stored blob has"), e.getMessage());
        Descriptor layer = blobs.put(MediaTypes.OCI_LAYER, new byte[]{1});
        assertThrows(IllegalArgumentException.class, () -> images.put("a:1", layer));
        assertThrows(IllegalArgumentException.class, () -> images.put("a:1", layer.withMediaType(null)));
        assertThrows(IllegalArgumentException.class, () -> images.put("a b", manifest("n")));
        assertEquals(List.of(), images.list());
    }

    @Test
    void damagedFileIsReportedWithWhatToDo() throws Exception {
        Files.writeString(root.imagesFile(), "{not json");
        StoreException e = assertThrows(StoreException.class, images::list);
        assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
        assertTrue(e.getMessage().contains("move it away"), e.getMessage());
        assertThrows(StoreException.class, () -> images.put("a:1", manifest("d")));
        assertEquals("{not json", Files.readString(root.imagesFile()), "a damaged store is not overwritten");

        Files.writeString(root.imagesFile(), "{\"schemaVersion\":2,\"images\":{}}");
        StoreException newer = assertThrows(StoreException.class, images::list);
        assertTrue(newer.getMessage().contains("schema version 2"), newer.getMessage());
    }

    @Test
    void concurrentTaggersDoNotLoseTags() throws Exception {
        int threads = 8;
        int perThread = 15;
        Descriptor m = manifest("c");
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                // half the threads share one instance, the others open their own
                ImageStore store = t % 2 == 0 ? images : ImageStore.open(root, BlobStore.onDisk(root));
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        store.put("app:t" + thread + "-" + i, m);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, images.list().size());
        assertEquals(threads * perThread, images.find(m.digest().toString()).size());
        try (var s = Files.list(root.tmpDir())) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void theIdIsTheTargetDigest() throws Exception {
        Descriptor m = manifest("id");
        images.put("x:1", m);
        assertEquals(Digest.sha256(blobs.readAllBytes(m.digest())), images.get("x:1").orElseThrow().id());
    }

    @Test
    void movingTheLastNameAwayLeavesTheOldImageDangling() throws Exception {
        Descriptor m1 = manifest("old");
        Descriptor m2 = manifest("new");
        images.put("app:1", m1);
        images.put("app:2", m1);
        images.put("app:1", m2);
        assertEquals(List.of(), images.dangling(), "app:2 still names the old one");
        images.put("app:2", m2);
        assertEquals(List.of(new DanglingImage(m1, NOW)), images.dangling());
        assertEquals(new ImageStore.Contents(images.list(), images.dangling()), images.contents());

        // naming it again takes it out of the dangling ones; removing its last name does not make it dangling
        images.put("again:1", m1);
        assertEquals(List.of(), images.dangling());
        images.remove("again:1");
        assertEquals(List.of(), images.dangling(), "rmi of the last name removes the image, as in Docker");
    }

    @Test
    void keepAndForgetAnUntaggedImage() throws Exception {
        Descriptor m = manifest("built");
        assertTrue(images.keep(m));
        assertTrue(images.keep(m), "keeping it twice is one entry");
        assertEquals(List.of(new DanglingImage(m, NOW)), images.dangling());
        assertEquals(List.of(), images.list());
        // another instance (another process) sees it
        assertEquals(List.of(new DanglingImage(m, NOW)), ImageStore.open(root, blobs).dangling());

        Descriptor named = manifest("named");
        images.put("x:1", named);
        assertEquals(false, images.keep(named), "a named image is not dangling");
        assertEquals(1, images.dangling().size());

        assertEquals(m, images.forget(m.digest()).orElseThrow().target());
        assertEquals(Optional.empty(), images.forget(m.digest()));
        assertEquals(List.of(), images.dangling());

        assertThrows(BlobNotFoundException.class, () -> images.keep(
                new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256("not stored"), 10)));
        Descriptor layer = blobs.put(MediaTypes.OCI_LAYER, "layer".getBytes(StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> images.keep(layer));
    }
}
