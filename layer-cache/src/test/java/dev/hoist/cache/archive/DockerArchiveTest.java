package dev.hoist.cache.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciJson;
import dev.hoist.oci.Platform;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerArchiveTest {
    @TempDir
    Path tmp;
    LocalImages source;
    LocalImages target;

    @BeforeEach
    void setUp() {
        source = LocalImages.open(HoistRoot.at(tmp.resolve("source")));
        target = LocalImages.open(HoistRoot.at(tmp.resolve("target")));
    }

    private byte[] save(Image... images) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new DockerArchiveWriter(source).write(List.of(images), out);
        return out.toByteArray();
    }

    private List<LoadedImage> load(byte[] tar) throws IOException {
        return new ArchiveLoader(target).load(new ByteArrayInputStream(tar), "the test archive");
    }

    private static Map<String, byte[]> entries(byte[] tar) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                assertEquals(0, e.getModTime().getTime(), e.getName());
                assertEquals(0, e.getLongUserId());
                assertEquals("", e.getUserName());
                out.put(e.getName(), e.isDirectory() ? null : in.readAllBytes());
            }
        }
        return out;
    }

    private ArchiveException refused(byte[] tar) {
        ArchiveException e = assertThrows(ArchiveException.class, () -> load(tar));
        try {
            assertTrue(target.list().isEmpty(), "nothing is tagged");
        } catch (IOException io) {
            throw new AssertionError(io);
        }
        return e;
    }

    private static void assertMessage(Exception e, String part) {
        assertTrue(e.getMessage().contains(part), "expected \"" + part + "\" in: " + e.getMessage());
    }

    @Test
    void storeToTarToStoreKeepsManifestsConfigsAndTags() throws Exception {
        Image oci = TestImages.commit(source, false, true, "oci gzip", "second");
        Image docker = TestImages.commit(source, true, false, "docker plain");
        source.tag(oci, "app:1");
        source.tag(oci, "example.com/team/app:latest");
        source.tag(docker, "busybox:local");
        byte[] tar = save(source.resolve("app:1"), source.resolve("busybox:local"));

        Map<String, byte[]> entries = entries(tar);
        List<String> names = new ArrayList<>(entries.keySet());
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null);
        assertEquals(sorted, names, "entries are sorted");
        assertEquals(List.of("blobs/", "blobs/sha256/"), names.subList(0, 2));
        assertEquals(List.of("index.json", "manifest.json", "oci-layout", "repositories"),
                names.subList(names.size() - 4, names.size()));

        JsonNode manifest = OciJson.mapper().readTree(entries.get("manifest.json"));
        assertEquals(2, manifest.size());
        assertEquals("blobs/sha256/" + oci.id().encoded(), manifest.get(0).get("Config").asText());
        assertEquals("[\"app:1\",\"example.com/team/app:latest\"]", manifest.get(0).get("RepoTags").toString());
        assertEquals("blobs/sha256/" + oci.manifest().layers().get(0).digest().encoded(),
                manifest.get(0).get("Layers").get(0).asText());
        assertEquals("[\"busybox:local\"]", manifest.get(1).get("RepoTags").toString());
        JsonNode repositories = OciJson.mapper().readTree(entries.get("repositories"));
        assertEquals(oci.manifest().layers().get(1).digest().encoded(), repositories.get("app").get("1").asText());
        ImageIndex index = ImageIndex.parse(entries.get("index.json"));
        assertEquals(3, index.manifests().size());
        assertEquals("docker.io/library/app:1", index.manifests().get(0).annotation("io.containerd.image.name"));
        assertEquals("1", index.manifests().get(0).annotation("org.opencontainers.image.ref.name"));
        assertEquals(docker.target().digest(), index.manifests().get(2).digest());

        List<LoadedImage> loaded = load(tar);
        assertEquals(2, loaded.size());
        assertEquals(oci.target(), loaded.get(0).target());
        assertEquals(List.of("docker.io/library/app:1", "example.com/team/app:latest"), loaded.get(0).names());
        assertEquals(docker.target(), loaded.get(1).target());
        assertEquals(List.of("docker.io/library/busybox:local"), loaded.get(1).names());
        Image back = target.resolve("example.com/team/app");
        assertEquals(oci.manifest(), back.manifest());
        assertEquals(oci.config(), back.config());
        assertEquals(docker.manifest(), target.resolve("busybox:local").manifest());
    }

    @Test
    void savingIsDeterministicAndTheSameImageIsWrittenOnce() throws Exception {
        Image a = TestImages.commit(source, false, true, "a");
        source.tag(a, "a:1");
        source.tag(a, "a:2");
        Image untagged = TestImages.commit(source, false, false, "untagged");
        Image byFirst = source.resolve("a:1").withNames(List.of("docker.io/library/a:1"));
        Image bySecond = source.resolve("a:2").withNames(List.of("docker.io/library/a:2"));

        byte[] tar = save(byFirst, untagged, bySecond);
        assertArrayEquals(tar, save(byFirst, untagged, bySecond));
        JsonNode manifest = OciJson.mapper().readTree(entries(tar).get("manifest.json"));
        assertEquals(2, manifest.size());
        assertEquals("[\"a:1\",\"a:2\"]", manifest.get(0).get("RepoTags").toString());
        assertEquals("[]", manifest.get(1).get("RepoTags").toString());

        Path file = tmp.resolve("out.tar");
        new DockerArchiveWriter(source).write(List.of(byFirst, untagged, bySecond), file);
        assertArrayEquals(tar, Files.readAllBytes(file));
        List<LoadedImage> loaded = new ArchiveLoader(target).load(file);
        assertEquals(List.of("docker.io/library/a:1", "docker.io/library/a:2"), loaded.get(0).names());
        assertEquals(List.of(), loaded.get(1).names());
        assertEquals(untagged.target(), loaded.get(1).target());
        assertTrue(target.blobs().contains(untagged.target().digest()));
    }

    @Test
    void compressedInputIsRead() throws Exception {
        Image a = TestImages.commit(source, false, true, "a");
        source.tag(a, "gz:1");
        byte[] tar = save(source.resolve("gz:1"));
        assertEquals(a.target(), load(TestImages.gzip(tar)).get(0).target());
        assertEquals(a.id(), target.resolve("gz:1").id());
    }

    /** A tar as Docker 20's {@code docker save} writes it: v1 layer directories, the config, manifest.json last. */
    private static byte[] docker20Tar(byte[] layer1, byte[] layer2, ImageConfig config, String repoTags) {
        String id1 = "a".repeat(64);
        String id2 = "b".repeat(64);
        return new TarBuilder()
                .file(config.digest().encoded() + ".json", config.bytes())
                .file(id1 + "/VERSION", "1.0")
                .file(id1 + "/json", "{\"id\":\"" + id1 + "\"}")
                .file(id1 + "/layer.tar", layer1)
                .file(id2 + "/VERSION", "1.0")
                .file(id2 + "/json", "{\"id\":\"" + id2 + "\",\"parent\":\"" + id1 + "\"}")
                .file(id2 + "/layer.tar", layer2)
                .file("manifest.json", "[{\"Config\":\"" + config.digest().encoded() + ".json\",\"RepoTags\":" + repoTags
                        + ",\"Layers\":[\"" + id1 + "/layer.tar\",\"" + id2 + "/layer.tar\"]}]")
                .file("repositories", "{\"old\":{\"v1\":\"" + id2 + "\"}}")
                .build();
    }

    @Test
    void dockerSaveFormatBecomesAnOciManifestWithTheSameConfig() throws Exception {
        byte[] tar1 = TestImages.tar(Map.of("etc/one", TestImages.utf8("1")));
        byte[] tar2 = TestImages.tar(Map.of("etc/two", TestImages.utf8("2")));
        ImageConfig config = TestImages.config(Platform.current(), List.of(Digest.sha256(tar1), Digest.sha256(tar2)), "x");
        byte[] archive = docker20Tar(tar1, TestImages.gzip(tar2), config, "[\"old:v1\",\"example.com/old:v2\"]");

        List<LoadedImage> loaded = load(archive);
        assertEquals(1, loaded.size());
        assertEquals(List.of("docker.io/library/old:v1", "example.com/old:v2"), loaded.get(0).names());
        Image image = target.resolve("old:v1");
        assertEquals(config, image.config());
        assertEquals(config.digest(), image.id());
        assertEquals(MediaTypes.OCI_MANIFEST, image.manifest().mediaType());
        assertEquals(MediaTypes.OCI_CONFIG, image.manifest().config().mediaType());
        List<Descriptor> layers = image.manifest().layers();
        assertEquals(MediaTypes.OCI_LAYER, layers.get(0).mediaType());
        assertEquals(Digest.sha256(tar1), layers.get(0).digest());
        assertEquals(MediaTypes.OCI_LAYER_GZIP, layers.get(1).mediaType());
        assertEquals(Digest.sha256(TestImages.gzip(tar2)), layers.get(1).digest());

        // Loading it again gives the same manifest.
        assertEquals(loaded.get(0).target(), load(archive).get(0).target());
    }

    @Test
    void linksInsideTheArchiveAreFollowed() throws Exception {
        byte[] layer = TestImages.tar(Map.of("f", TestImages.utf8("linked")));
        ImageConfig config = TestImages.config(Platform.current(), List.of(Digest.sha256(layer)), "x");
        String hex = Digest.sha256(layer).encoded();
        byte[] archive = new TarBuilder()
                .file("manifest.json", "[{\"Config\":\"cfg.json\",\"RepoTags\":[\"linked:1\"],\"Layers\":[\"v1/layer.tar\"]}]")
                .symlink("v1/layer.tar", "../blobs/sha256/" + hex)
                .hardlink("cfg.json", "blobs/sha256/" + config.digest().encoded())
                .file("blobs/sha256/" + hex, layer)
                .file("blobs/sha256/" + config.digest().encoded(), config.bytes())
                .build();
        load(archive);
        assertEquals(config.digest(), target.resolve("linked:1").id());
    }

    @Test
    void brokenArchivesAreRefusedAndTagNothing() throws Exception {
        byte[] layer = TestImages.tar(Map.of("f", TestImages.utf8("content")));
        ImageConfig good = TestImages.config(Platform.current(), List.of(Digest.sha256(layer)), "x");
        String cfg = good.digest().encoded() + ".json";

        assertMessage(refused(new TarBuilder().file("hello.txt", "hi").build()), "no manifest.json and no index.json");
        assertMessage(refused(new TarBuilder().file("repositories", "{}").build()), "before 1.10");
        assertMessage(refused(new TarBuilder()
                .file(cfg, good.bytes())
                .file("manifest.json", "[{\"Config\":\"" + cfg + "\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"gone/layer.tar\"]}]")
                .build()), "names \"gone/layer.tar\" for layer 1 of image 1 of manifest.json (x:1), but the archive has no such file");
        assertMessage(refused(new TarBuilder().file("../escape", "x").build()), "climbs out with \"..\"");
        assertMessage(refused(new TarBuilder().file("/etc/passwd", "x").build()), "absolute path");
        assertMessage(refused(new TarBuilder()
                .file(cfg, good.bytes())
                .file("l.tar", layer)
                .file("manifest.json", "[{\"Config\":\"" + cfg + "\",\"RepoTags\":[],\"Layers\":[\"x/../l.tar\"]}]")
                .build()), "climbs out");
        assertMessage(refused(new TarBuilder()
                .file(cfg, good.bytes())
                .symlink("l.tar", "../../etc/shadow")
                .file("manifest.json", "[{\"Config\":\"" + cfg + "\",\"RepoTags\":[],\"Layers\":[\"l.tar\"]}]")
                .build()), "outside the archive");

        // Diff ID mismatch: the second image is wrong, so the first (good) one is not tagged either.
        ImageConfig wrong = TestImages.config(Platform.current(), List.of(Digest.sha256("other")), "y");
        byte[] twoImages = new TarBuilder()
                .file(cfg, good.bytes())
                .file(wrong.digest().encoded() + ".json", wrong.bytes())
                .file("l.tar", layer)
                .file("manifest.json", "[{\"Config\":\"" + cfg + "\",\"RepoTags\":[\"good:1\"],\"Layers\":[\"l.tar\"]},"
                        + "{\"Config\":\"" + wrong.digest().encoded() + ".json\",\"RepoTags\":[\"bad:1\"],\"Layers\":[\"l.tar\"]}]")
                .build();
        ArchiveException diff = refused(twoImages);
        assertMessage(diff, "layer 1 of image 2 of manifest.json (bad:1)");
        assertMessage(diff, "has diff ID " + Digest.sha256(layer) + " but the config says " + Digest.sha256("other"));

        // Too few diff IDs.
        ImageConfig none = TestImages.config(Platform.current(), List.of(), "z");
        assertMessage(refused(new TarBuilder()
                .file("c.json", none.bytes()).file("l.tar", layer)
                .file("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[],\"Layers\":[\"l.tar\"]}]").build()),
                "lists 0 diff IDs (rootfs.diff_ids) for 1 layers");

        // A blob whose content does not match its name.
        assertMessage(refused(new TarBuilder().file("blobs/sha256/" + "0".repeat(64), "not that").build()),
                "does not hold the blob its name says");

        // Truncated in the middle of a file, and not a tar at all.
        byte[] complete = docker20Tar(layer, layer, TestImages.config(Platform.current(),
                List.of(Digest.sha256(layer), Digest.sha256(layer)), "t"), "[\"t:1\"]");
        int cut = indexOf(complete, "layer.tar") + 1024;
        assertMessage(refused(Arrays.copyOf(complete, cut)), "truncated");
        assertMessage(refused(Arrays.copyOf(TestImages.gzip(complete), 300)), "truncated");
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        noise[0] = 'x';
        assertMessage(refused(noise), "not a valid tar archive");
        assertMessage(refused(new byte[0]), "is empty");
        assertMessage(refused(new TarBuilder().file("manifest.json", "{\"not\":\"a list\"}").build()),
                "manifest.json of the test archive is not valid: expected a JSON list of images");

        // An OCI layout tar whose index names a manifest that is not there.
        assertMessage(refused(new TarBuilder()
                .file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
                .file("index.json", "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
                        + "\",\"digest\":\"" + Digest.sha256("m") + "\",\"size\":1}]}")
                .build()), "is missing from the test archive");
    }

    private static int indexOf(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + n.length <= haystack.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(needle);
    }

    @Test
    void ociLayoutTarTagsByImageNameOrFullRefName() throws Exception {
        Image a = TestImages.commit(source, false, false, "a");
        Image b = TestImages.commit(source, false, false, "b");
        Image c = TestImages.commit(source, false, false, "c");
        Path layout = tmp.resolve("layout");
        new OciLayoutWriter(source).write(layout, LayoutEntry.named(a, "registry.example:5000/a:v1"),
                LayoutEntry.refName(b, "example.com/b:v2"), LayoutEntry.refName(c, "v3"));
        TarBuilder tar = new TarBuilder();
        try (var files = Files.walk(layout)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                tar.file(layout.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        List<LoadedImage> loaded = load(tar.build());
        assertEquals(List.of("registry.example:5000/a:v1"), loaded.get(0).names());
        assertEquals(List.of("example.com/b:v2"), loaded.get(1).names());
        assertEquals(List.of(), loaded.get(2).names());
        assertEquals("v3", loaded.get(2).refName());
        assertEquals(c.target(), loaded.get(2).target());
        assertEquals(3, target.list().size(), "the two named images and the unnamed one, kept dangling");
        assertEquals(List.of(), target.list().get(2).names());
    }
}
