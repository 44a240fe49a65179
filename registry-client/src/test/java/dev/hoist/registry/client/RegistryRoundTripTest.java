package dev.hoist.registry.client;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.archive.OciLayoutReader;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageImporter;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.oci.Reference;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Push, pull, copy, tags and manifests against the CNCF registry, started on loopback. */
class RegistryRoundTripTest {
    @TempDir
    static Path dir;
    static PeerRegistry registry;
    static LocalImages source;
    static Image busybox;
    static ExecutorService pool;

    @BeforeAll
    static void start() throws Exception {
        registry = PeerRegistry.start(Files.createDirectories(dir.resolve("registry")));
        source = LocalImages.open(HoistRoot.at(Files.createDirectories(dir.resolve("source"))));
        pool = Executors.newFixedThreadPool(2);
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            busybox = new ImageImporter(source, pool, 2).importTar(in, new ImageImporter.Options(
                    ContainerConfig.builder().cmd(List.of("sh")).build(), Platform.parse("linux/amd64"),
                    Instant.EPOCH, "test"));
        }
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private static RegistryClient client(LocalImages images, ProgressListener progress) {
        return RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of()).progress(progress).build();
    }

    private static LocalImages freshStore(String name) throws Exception {
        return LocalImages.open(HoistRoot.at(Files.createDirectories(dir.resolve(name))));
    }

    @Test
    void pushThenPullGivesTheSameImage() throws Exception {
        Reference ref = Reference.parse(registry.host() + "/test/busybox:v1");
        try (RegistryClient c = client(source, ProgressListener.NONE)) {
            Descriptor pushed = c.push(busybox, ref);
            assertEquals(busybox.manifestDigest(), pushed.digest());
            assertEquals(List.of("v1"), c.tags(ref));
        }
        LocalImages target = freshStore("pulled");
        Recorder rec = new Recorder();
        try (RegistryClient c = client(target, rec)) {
            Image pulled = c.pull(ref, Platform.parse("linux/amd64"));
            assertEquals(busybox.manifestDigest(), pulled.manifestDigest());
            assertEquals(busybox.id(), pulled.id());
            assertEquals(List.of(ref.toString()), pulled.names());
            for (Descriptor l : busybox.manifest().layers()) {
                assertArrayEquals(source.blobs().readAllBytes(l.digest()), target.blobs().readAllBytes(l.digest()));
            }
            assertTrue(rec.finished.size() >= 2, "config and layer were downloaded: " + rec.finished);
            // a second pull finds everything stored
            Recorder again = new Recorder();
            try (RegistryClient c2 = client(target, again)) {
                c2.pull(ref, Platform.parse("linux/amd64"));
            }
            assertTrue(again.finished.isEmpty());
            assertEquals(2, again.skipped.size());
            RawManifest raw = c.manifest(ref);
            assertEquals(busybox.manifestDigest(), raw.digest());
        }
    }

    @Test
    void chunkedUploadAndSecondPushSkipsBlobs() throws Exception {
        Reference ref = Reference.parse(registry.host() + "/test/chunked:v1");
        try (RegistryClient c = RegistryClient.builder(source).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of()).uploadSizes(1024, 100_000).build()) {
            c.push(busybox, ref);
        }
        Recorder rec = new Recorder();
        try (RegistryClient c = client(source, rec)) {
            c.push(busybox, ref);
        }
        assertEquals(2, rec.skipped.size(), rec.skipped.toString());
        assertTrue(rec.skipped.stream().allMatch(s -> s.contains("already in")));
        LocalImages target = freshStore("chunked-pull");
        try (RegistryClient c = client(target, ProgressListener.NONE)) {
            assertEquals(busybox.manifestDigest(), c.pull(ref, Platform.parse("linux/amd64")).manifestDigest());
        }
    }

    @Test
    void blobsAboveTheMonolithicLimitStreamInOnePatch() throws Exception {
        Reference ref = Reference.parse(registry.host() + "/test/streamed:v1");
        try (RegistryClient c = RegistryClient.builder(source).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of()).uploadSizes(1024, Long.MAX_VALUE).build()) {
            assertEquals(busybox.manifestDigest(), c.push(busybox, ref).digest());
        }
        try (RegistryClient c = client(freshStore("streamed-pull"), ProgressListener.NONE)) {
            assertEquals(busybox.manifestDigest(), c.pull(ref, Platform.parse("linux/amd64")).manifestDigest());
        }
    }

    @Test
    void copyToAnotherRepositoryMountsBlobs() throws Exception {
        Reference src = Reference.parse(registry.host() + "/test/copy-src:v1");
        Reference dst = Reference.parse(registry.host() + "/test/copy-dst:v2");
        try (RegistryClient c = client(source, ProgressListener.NONE)) {
            c.push(busybox, src);
        }
        Recorder rec = new Recorder();
        LocalImages other = freshStore("copier");
        try (RegistryClient c = client(other, rec)) {
            Descriptor copied = c.copy(src, dst, List.of());
            assertEquals(busybox.manifestDigest(), copied.digest());
            assertEquals(busybox.manifestDigest(), c.manifest(dst).digest());
        }
        assertEquals(2, rec.skipped.size(), rec.skipped.toString());
        assertTrue(rec.skipped.stream().allMatch(s -> s.contains("mounted from test/copy-src")), rec.skipped.toString());
        assertTrue(rec.finished.isEmpty(), "nothing was downloaded or uploaded");
    }

    @Test
    void aPushToANewRepositoryMountsWhatAnEarlierPushPut() throws Exception {
        // a store of its own: no other test's pushes are recorded in it
        LocalImages store = freshStore("mounter");
        for (Descriptor d : List.of(busybox.manifest().config(), busybox.manifest().layers().get(0),
                busybox.manifest().descriptor())) {
            try (InputStream in = source.blobs().open(d.digest())) {
                store.blobs().put(d, in);
            }
        }
        Image image = store.load(busybox.manifest().descriptor(), List.of());
        try (RegistryClient c = client(store, ProgressListener.NONE)) {
            c.push(image, Reference.parse(registry.host() + "/test/mount-a:v1"));
        }
        Recorder rec = new Recorder();
        Reference b = Reference.parse(registry.host() + "/test/mount-b:v1");
        try (RegistryClient c = client(store, rec)) {
            assertEquals(busybox.manifestDigest(), c.push(image, b).digest());
        }
        assertEquals(List.of("mounted from test/mount-a", "mounted from test/mount-a"), List.copyOf(rec.skipped));
        assertTrue(rec.finished.isEmpty(), "nothing was uploaded");
        try (RegistryClient c = client(freshStore("mount-pull"), ProgressListener.NONE)) {
            assertEquals(busybox.manifestDigest(), c.pull(b, Platform.parse("linux/amd64")).manifestDigest());
        }
    }

    @Test
    void copyToAnotherRegistryKeepsDigests() throws Exception {
        Reference src = Reference.parse(registry.host() + "/test/cross:v1");
        try (RegistryClient c = client(source, ProgressListener.NONE)) {
            c.push(busybox, src);
        }
        try (PeerRegistry second = PeerRegistry.start(Files.createDirectories(dir.resolve("registry-2")))) {
            Reference dst = Reference.parse(second.host() + "/elsewhere/busybox:copied");
            Recorder rec = new Recorder();
            try (RegistryClient c = client(freshStore("cross-copier"), rec)) {
                assertEquals(busybox.manifestDigest(), c.copy(src, dst, List.of()).digest());
                RawManifest raw = c.manifest(dst);
                assertArrayEquals(busybox.manifest().bytes(), raw.bytes());
            }
            assertTrue(rec.skipped.isEmpty(), rec.skipped.toString());
        }
    }

    @Test
    void indexWithSomePlatformsIsCopied() throws Exception {
        Reference single = Reference.parse(registry.host() + "/test/multi:amd64");
        try (RegistryClient c = client(source, ProgressListener.NONE)) {
            c.push(busybox, single);
        }
        // an index naming the amd64 image and an arm64 "image" (the same manifest, described otherwise)
        Descriptor amd = busybox.manifest().descriptor().withPlatform(Platform.parse("linux/amd64"));
        Descriptor arm = busybox.manifest().descriptor().withPlatform(Platform.parse("linux/arm64"))
                .withAnnotations(Map.of("x", "y"));
        ImageIndex index = ImageIndex.builder().addManifest(amd).addManifest(arm).build();
        Descriptor indexDesc = source.blobs().put(index.contentType(), index.bytes());
        Reference all = Reference.parse(registry.host() + "/test/multi:all");
        try (RegistryClient c = client(source, ProgressListener.NONE)) {
            assertEquals(index.digest(), c.push(indexDesc, all).digest());
            Reference dst = Reference.parse(registry.host() + "/test/multi-copy:both");
            Descriptor copied = c.copy(all, dst, List.of(Platform.parse("linux/arm64"), Platform.parse("linux/amd64")));
            Manifest m = Manifest.parse(c.manifest(dst).bytes());
            ImageIndex sub = (ImageIndex) m;
            assertEquals(2, sub.manifests().size());
            assertEquals(copied.digest(), sub.digest());
            // one platform: its manifest alone, as skopeo copies
            Reference one = Reference.parse(registry.host() + "/test/multi-copy:arm");
            assertEquals(busybox.manifestDigest(), c.copy(all, one, List.of(Platform.parse("linux/arm64"))).digest());
            assertEquals(index.digest(), c.copy(all, Reference.parse(registry.host() + "/test/multi-copy:all"), List.of()).digest());
        }
    }

    @Test
    void multiPlatformIndexRoundTripsWithAllOrSomePlatforms() throws Exception {
        Image arm;
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            arm = new ImageImporter(source, pool, 2).importTar(in, new ImageImporter.Options(
                    ContainerConfig.builder().cmd(List.of("sh")).build(), Platform.parse("linux/arm64"),
                    Instant.EPOCH, "test"));
        }
        assertFalse(arm.manifestDigest().equals(busybox.manifestDigest()), "two distinct images");
        ImageIndex index = ImageIndex.builder()
                .addManifest(busybox.manifest().descriptor().withPlatform(Platform.parse("linux/amd64")))
                .addManifest(arm.manifest().descriptor().withPlatform(Platform.parse("linux/arm64"))).build();
        Descriptor indexDesc = source.blobs().put(index.contentType(), index.bytes());
        Reference ref = Reference.parse(registry.host() + "/test/platforms:v1");
        try (RegistryClient c = client(source, ProgressListener.NONE)) {
            assertEquals(index.digest(), c.push(indexDesc, ref).digest(), "the index is pushed as it is");
            assertArrayEquals(index.bytes(), c.manifest(ref).bytes());
        }
        // pull: each platform's own image out of the index
        try (RegistryClient c = client(freshStore("platform-pull"), ProgressListener.NONE)) {
            assertEquals(arm.manifestDigest(), c.pull(ref, Platform.parse("linux/arm64")).manifestDigest());
            assertEquals(busybox.manifestDigest(), c.pull(ref, Platform.parse("linux/amd64")).manifestDigest());
            RegistryException e = assertThrows(RegistryException.class, () -> c.pull(ref, Platform.parse("linux/s390x")));
            assertTrue(e.getMessage().contains("linux/arm64"), e.getMessage());
            Path layout = dir.resolve("platform-layout");
            Transports.copy(c, Transports.parse("docker://" + ref), Transports.parse("oci:" + layout + ":arm"),
                    List.of(Platform.parse("linux/arm64")), false);
            assertTrue(Files.isRegularFile(layout.resolve("blobs/sha256").resolve(arm.manifestDigest().encoded())));
            // --all: the index as it is, with every platform
            Path everything = dir.resolve("platform-layout-all");
            assertEquals(index.digest(), Transports.copy(c, Transports.parse("docker://" + ref),
                    Transports.parse("oci:" + everything + ":all"), List.of(), true).digest());
            for (Digest d : List.of(index.digest(), busybox.manifestDigest(), arm.manifestDigest(),
                    arm.manifest().layers().get(0).digest())) {
                assertTrue(Files.isRegularFile(everything.resolve("blobs/sha256").resolve(d.encoded())), d.toString());
            }
            assertEquals(index.digest(), OciLayoutReader.open(everything).find("all").orElseThrow().digest());
        }
        // copy to another registry: every platform (digests kept), then one
        try (PeerRegistry second = PeerRegistry.start(Files.createDirectories(dir.resolve("registry-platforms")))) {
            Reference all = Reference.parse(second.host() + "/copied/platforms:all");
            Reference some = Reference.parse(second.host() + "/copied/arm-only:v1");
            try (RegistryClient c = client(freshStore("platform-copier"), ProgressListener.NONE)) {
                assertEquals(index.digest(), c.copy(ref, all, List.of()).digest());
                assertEquals(busybox.manifestDigest(), c.manifest(all.withDigest(busybox.manifestDigest())).digest());
                assertEquals(arm.manifestDigest(), c.manifest(all.withDigest(arm.manifestDigest())).digest());

                assertEquals(arm.manifestDigest(), c.copy(ref, some, List.of(Platform.parse("linux/arm64"))).digest());
                assertEquals(arm.manifestDigest(), c.manifest(some).digest());
                RegistryException missing = assertThrows(RegistryException.class,
                        () -> c.manifest(some.withDigest(busybox.manifestDigest())));
                assertEquals(404, missing.status(), "the other platform was not copied");
            }
            try (RegistryClient c = client(freshStore("platform-pull-2"), ProgressListener.NONE)) {
                assertEquals(arm.manifestDigest(), c.pull(some, Platform.parse("linux/arm64")).manifestDigest());
            }
        }
    }

    /**
     * A local index of which some platforms are not stored is not pushed in part: the push refuses, naming what
     * is missing, unless a platform is asked for; then that platform's manifest alone is pushed.
     */
    @Test
    void anIndexMissingPlatformsIsPushedOnlyForTheAskedPlatform() throws Exception {
        Descriptor absent = Descriptor.of(MediaTypes.OCI_MANIFEST, "{\"not\":\"stored\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ImageIndex index = ImageIndex.builder()
                .addManifest(busybox.manifest().descriptor().withPlatform(Platform.current()))
                .addManifest(absent.withPlatform(Platform.parse("linux/s390x"))).build();
        Descriptor indexDesc = source.blobs().put(index.contentType(), index.bytes());
        Image partial = source.load(indexDesc, List.of());
        Reference ref = Reference.parse(registry.host() + "/test/partial:v1");
        try (RegistryClient c = client(source, ProgressListener.NONE)) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.push(partial, ref));
            assertTrue(e.getMessage().contains("lacks linux/s390x"), e.getMessage());
            assertTrue(e.getMessage().contains("--platform " + Platform.current()), e.getMessage());
            assertEquals(404, assertThrows(RegistryException.class, () -> c.manifest(ref)).status(), "nothing was tagged");
            assertEquals(busybox.manifestDigest(), c.push(indexDesc, ref, Platform.current()).digest());
            assertEquals(busybox.manifestDigest(), c.manifest(ref).digest());
        }
    }

    @Test
    void transportsCarryImagesBetweenLayoutsArchivesRegistryAndStore() throws Exception {
        Path layout = dir.resolve("layout");
        try (RegistryClient c = client(source, ProgressListener.NONE)) {
            Transports.copy(c, new Transports.Store(source.tag(busybox, "test/busybox:src")), Transports.parse("oci:" + layout + ":bench"), List.of(), false);
        }
        LocalImages fresh = freshStore("transports");
        String dst = "docker://" + registry.host() + "/test/from-layout:bench";
        try (RegistryClient c = client(fresh, ProgressListener.NONE)) {
            Descriptor pushed = Transports.copy(c, Transports.parse("oci:" + layout + ":bench"), Transports.parse(dst), List.of(), false);
            assertEquals(c.manifest(Reference.parse(registry.host() + "/test/from-layout:bench")).digest(), pushed.digest());
            assertTrue(fresh.blobs().list().isEmpty(), "pushed straight from the layout");
            Path back = dir.resolve("layout-back");
            Transports.copy(c, Transports.parse(dst), Transports.parse("oci:" + back + ":bench"), List.of(Platform.parse("linux/amd64")), false);
            Path tar = dir.resolve("saved.tar");
            Transports.copy(c, Transports.parse("oci:" + back + ":bench"), Transports.parse("docker-archive:" + tar + ":saved:v1"), List.of(), false);
            Path ociTar = dir.resolve("saved-oci.tar");
            Transports.copy(c, Transports.parse("docker-archive:" + tar), Transports.parse("oci-archive:" + ociTar + ":x"), List.of(), false);
            Transports.copy(c, Transports.parse("oci-archive:" + ociTar + ":x"), Transports.parse("hoist:round:trip"), List.of(), false);
            assertEquals(busybox.id(), fresh.resolve("round:trip").id());
        }
    }

    @Test
    void loginToAnOpenRegistryStoresTheCredentials() throws Exception {
        DockerConfig config = DockerConfig.at(dir.resolve("docker-config/config.json"));
        try (RegistryClient c = RegistryClient.builder(freshStore("login")).dockerConfig(config).environment(Map.of()).build()) {
            c.login(registry.host(), "user", "pw");
            assertEquals(java.util.Optional.of(Credentials.basic("user", "pw")), config.credentials(registry.host()));
            assertTrue(c.logout(registry.host()));
        }
    }

    @Test
    void missingTagFailsWithTheRegistrysCode() throws Exception {
        try (RegistryClient c = client(freshStore("missing"), ProgressListener.NONE)) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.pull(Reference.parse(registry.host() + "/test/nothing:here"), Platform.parse("linux/amd64")));
            assertEquals(404, e.status());
            assertTrue(e.code().equals("MANIFEST_UNKNOWN") || e.code().equals("NAME_UNKNOWN"), e.getMessage());
            assertFalse(e.getMessage().isEmpty());
        }
    }

    static final class Recorder implements ProgressListener {
        final ConcurrentLinkedQueue<String> skipped = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Descriptor> finished = new ConcurrentLinkedQueue<>();

        @Override
        public void skipped(Descriptor blob, String why) {
            skipped.add(why);
        }

        @Override
        public void finished(Descriptor blob) {
            finished.add(blob);
        }
    }
}
