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
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GarbageCollectorTest {
    /** A clock far enough ahead that everything written by the test is past the default grace period. */
    static final Clock LATER = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));

    @TempDir
    Path dir;
    HoistRoot root;
    BlobStore blobs;
    ImageStore images;

    // an index of two platforms, one of them pulled: index -> manifest -> config + 2 layers
    Descriptor index;
    Descriptor manifest;
    Descriptor config;
    Descriptor layer1;
    Descriptor layer2;
    Descriptor missingManifest;

    @BeforeEach
    void setUp() throws Exception {
        root = HoistRoot.at(dir);
        blobs = BlobStore.onDisk(root);
        images = ImageStore.open(root, blobs);
        config = blobs.put(MediaTypes.OCI_CONFIG, "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes());
        layer1 = blobs.put(MediaTypes.OCI_LAYER_GZIP, Content.bytes(1, 5000));
        layer2 = blobs.put(MediaTypes.OCI_LAYER_GZIP, Content.bytes(2, 7000));
        manifest = blobs.put(MediaTypes.OCI_MANIFEST, manifestJson(config, layer1, layer2)).withPlatform(Platform.parse("linux/amd64"));
        missingManifest = Descriptor.of(MediaTypes.OCI_MANIFEST, "{\"not\":\"pulled\"}".getBytes())
                .withPlatform(Platform.parse("linux/arm64"));
        index = blobs.put(MediaTypes.OCI_INDEX, indexJson(manifest, missingManifest));
        images.put("example.com/app:1", index);
    }

    static byte[] manifestJson(Descriptor config, Descriptor... layers) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + json(config)
                + ",\"layers\":[" + java.util.Arrays.stream(layers).map(GarbageCollectorTest::json).collect(Collectors.joining(","))
                + "]}").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] indexJson(Descriptor... manifests) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + java.util.Arrays.stream(manifests).map(GarbageCollectorTest::json).collect(Collectors.joining(","))
                + "]}").getBytes(StandardCharsets.UTF_8);
    }

    static String json(Descriptor d) {
        return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
    }

    private GarbageCollector.Builder gc() {
        return GarbageCollector.builder(root, blobs, images).clock(LATER);
    }

    private Set<Digest> stored() throws StoreException {
        return blobs.list().stream().map(BlobInfo::digest).collect(Collectors.toSet());
    }

    private Set<Digest> digests(Descriptor... ds) {
        return java.util.Arrays.stream(ds).map(Descriptor::digest).collect(Collectors.toSet());
    }

    @Test
    void keepsWhatATaggedIndexReachesAndRemovesTheRest() throws Exception {
        Descriptor stray = blobs.put(MediaTypes.OCI_LAYER, Content.bytes(3, 1234));
        Descriptor config2 = blobs.put(MediaTypes.OCI_CONFIG, "{\"os\":\"linux\"}".getBytes());
        Descriptor sharedAndOwn = blobs.put(MediaTypes.OCI_LAYER, Content.bytes(4, 100));
        Descriptor untagged = blobs.put(MediaTypes.OCI_MANIFEST, manifestJson(config2, layer1, sharedAndOwn));
        images.put("old:1", untagged);
        images.remove("old:1");

        GcReport report = gc().build().run();

        assertEquals(digests(index, manifest, config, layer1, layer2), stored());
        assertEquals(digests(stray, config2, sharedAndOwn, untagged),
                report.removedBlobs().stream().map(BlobInfo::digest).collect(Collectors.toSet()));
        assertEquals(stray.size() + config2.size() + sharedAndOwn.size() + untagged.size(), report.bytesFreed());
        assertEquals(5, report.reachable());
        assertFalse(report.dryRun());
        assertEquals(List.of(), report.warnings());
        // what is kept is intact
        for (Digest d : stored()) {
            blobs.verify(d);
        }
    }

    @Test
    void danglingImagesAreRootsUntilForgotten() throws Exception {
        Descriptor config2 = blobs.put(MediaTypes.OCI_CONFIG, "{\"os\":\"linux\",\"x\":2}".getBytes());
        Descriptor own = blobs.put(MediaTypes.OCI_LAYER, Content.bytes(7, 100));
        Descriptor built = blobs.put(MediaTypes.OCI_MANIFEST, manifestJson(config2, layer1, own));
        images.keep(built);

        GcReport kept = gc().build().run();
        assertEquals(List.of(), kept.removedBlobs());
        assertEquals(digests(index, manifest, config, layer1, layer2, built, config2, own), stored());

        images.forget(built.digest());
        GcReport removed = gc().build().run();
        assertEquals(digests(built, config2, own), removed.removedBlobs().stream().map(BlobInfo::digest).collect(Collectors.toSet()));
    }

    @Test
    void graceProtectsRecentUntaggedBlobs() throws Exception {
        Descriptor fresh = blobs.put(MediaTypes.OCI_LAYER, Content.bytes(5, 100));
        Descriptor old = blobs.put(MediaTypes.OCI_LAYER, Content.bytes(6, 100));
        Files.setLastModifiedTime(root.blobPath(old.digest()), FileTime.from(Instant.now().minus(Duration.ofMinutes(11))));

        GcReport report = GarbageCollector.builder(root, blobs, images).gracePeriod(Duration.ofMinutes(10)).build().run();

        assertEquals(List.of(old.digest()), report.removedBlobs().stream().map(BlobInfo::digest).toList());
        assertEquals(1, report.keptInGracePeriod());
        assertTrue(blobs.contains(fresh.digest()));
        assertFalse(blobs.contains(old.digest()));
    }

    @Test
    void dryRunRemovesNothingAndSaysWhatItWould() throws Exception {
        Descriptor stray = blobs.put(MediaTypes.OCI_LAYER, Content.bytes(7, 4321));
        Set<Digest> before = stored();

        GcReport report = gc().dryRun(true).build().run();

        assertTrue(report.dryRun());
        assertEquals(List.of(stray.digest()), report.removedBlobs().stream().map(BlobInfo::digest).toList());
        assertEquals(4321, report.bytesFreed());
        assertEquals(before, stored());
    }

    @Test
    void extraRootsAreKeptAndWalked() throws Exception {
        Descriptor cachedLayer = blobs.put(MediaTypes.OCI_LAYER, Content.bytes(8, 300));
        Descriptor cachedConfig = blobs.put(MediaTypes.OCI_CONFIG, "{\"cached\":true}".getBytes());
        Descriptor cachedManifest = blobs.put(MediaTypes.OCI_MANIFEST, manifestJson(cachedConfig, cachedLayer));
        Descriptor cachedOther = blobs.put(MediaTypes.OCI_LAYER, Content.bytes(9, 300));
        // a root without a media type is read and walked when it is a manifest
        Descriptor untyped = new Descriptor(null, cachedManifest.digest(), cachedManifest.size());
        images.remove("example.com/app:1");

        GcReport report = gc().addRoots(() -> List.of(untyped)).addRoots(() -> List.of(cachedOther)).build().run();

        assertEquals(digests(cachedLayer, cachedConfig, cachedManifest, cachedOther), stored());
        assertEquals(4, report.reachable());
    }

    @Test
    void subjectsOfTaggedManifestsAreKept() throws Exception {
        Descriptor sbomConfig = blobs.put(MediaTypes.OCI_EMPTY, "{}".getBytes());
        Descriptor sbom = blobs.put("application/spdx+json", "{\"spdx\":1}".getBytes());
        Descriptor subject = blobs.put(MediaTypes.OCI_MANIFEST, manifestJson(config, layer1));
        byte[] referrer = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":\"application/spdx+json\","
                + "\"config\":" + json(sbomConfig) + ",\"layers\":[" + json(sbom) + "],\"subject\":" + json(subject) + "}")
                .getBytes(StandardCharsets.UTF_8);
        images.put("example.com/app:sbom", blobs.put(MediaTypes.OCI_MANIFEST, referrer));
        images.remove("example.com/app:1");

        gc().build().run();

        assertTrue(stored().containsAll(digests(sbomConfig, sbom, subject, config, layer1)));
        assertFalse(blobs.contains(layer2.digest()));
    }

    @Test
    void aCorruptReachableManifestStopsCollectionWithNothingRemoved() throws Exception {
        Descriptor stray = blobs.put(MediaTypes.OCI_LAYER, Content.bytes(10, 100));
        FileBlobStoreTest.flipByte(root.blobPath(manifest.digest()), 10);

        StoreException e = assertThrows(StoreException.class, () -> gc().build().run());

        assertTrue(e.getMessage().contains(manifest.digest() + ", reached from image example.com/app:1, is corrupt"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was removed"), e.getMessage());
        assertTrue(e.getMessage().contains("hoist prune --verify"), e.getMessage());
        assertTrue(blobs.contains(stray.digest()));
    }

    @Test
    void verifyRemovesCorruptBlobs() throws Exception {
        FileBlobStoreTest.flipByte(root.blobPath(layer2.digest()), 10);

        GcReport dry = gc().verifyContent(true).dryRun(true).build().run();
        assertEquals(List.of(layer2.digest()), dry.corruptBlobs().stream().map(BlobInfo::digest).toList());
        assertTrue(blobs.contains(layer2.digest()));

        GcReport report = gc().verifyContent(true).build().run();
        assertEquals(List.of(layer2.digest()), report.corruptBlobs().stream().map(BlobInfo::digest).toList());
        assertEquals(layer2.size(), report.bytesFreed());
        assertEquals(digests(index, manifest, config, layer1), stored());
    }

    @Test
    void staleTempsAreRemovedAfterTheGracePeriodAndLiveOnesKept() throws Exception {
        Path mine = root.createTempFile("blob"); // this process is alive: kept, however old
        Files.setLastModifiedTime(mine, FileTime.from(Instant.now().minus(Duration.ofDays(1))));
        // written by another machine or PID namespace: only age tells
        Path foreignDir = root.tmpDir().resolve("unpack.0badc0de-1-42.00ff.tmp");
        Files.createDirectories(foreignDir.resolve("a/b"));
        Files.write(foreignDir.resolve("a/b/f"), new byte[1000]);
        Path unnamed = Files.write(root.tmpDir().resolve("left-by-hand"), new byte[10]);

        GcReport now = GarbageCollector.builder(root, blobs, images).build().run();
        assertEquals(List.of(), now.removedTemps());

        GcReport dry = gc().dryRun(true).build().run();
        assertEquals(Set.of(foreignDir, unnamed), Set.copyOf(dry.removedTemps()));
        assertEquals(1010, dry.bytesFreed());
        assertTrue(Files.exists(foreignDir));

        GcReport later = gc().build().run();
        assertEquals(Set.of(foreignDir, unnamed), Set.copyOf(later.removedTemps()));
        assertFalse(Files.exists(foreignDir));
        assertFalse(Files.exists(unnamed));
        assertTrue(Files.exists(mine));
    }

    @Test
    void nonJsonManifestIsReportedNotFatal() throws Exception {
        Descriptor bogus = blobs.put(MediaTypes.OCI_MANIFEST, "not json".getBytes());
        images.put("bogus:1", bogus);
        GcReport report = gc().build().run();
        assertEquals(1, report.warnings().size());
        assertTrue(report.warnings().get(0).contains("bogus:1"), report.warnings().get(0));
        assertTrue(blobs.contains(bogus.digest()));
    }

    @Test
    void dockerSchema1LayersAreKept() throws Exception {
        Descriptor l = blobs.put(MediaTypes.DOCKER_LAYER_GZIP, Content.bytes(11, 100));
        byte[] s1 = ("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[{\"blobSum\":\"" + l.digest() + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        // schema 1 is not a media type the store tags; keep it through an untyped root instead
        Descriptor m = blobs.put(null, s1);
        images.remove("example.com/app:1");
        gc().addRoots(() -> List.of(m)).build().run();
        assertEquals(digests(l, m), stored());
    }
}
