package dev.hoist.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Optional;

import static dev.hoist.oci.TestFiles.manifest;
import static dev.hoist.oci.TestFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageIndexTest {

    @ParameterizedTest
    @ValueSource(strings = {"oci-index.json", "docker-manifest-list.json", "docker-hub-manifest-list.json", "multiarch-index.json"})
    void keepsExactBytesAndDigestsThem(String file) throws Exception {
        byte[] bytes = manifest(file);
        ImageIndex index = ImageIndex.parse(bytes);
        assertArrayEquals(bytes, index.bytes());
        assertEquals(Digest.sha256(bytes), index.digest());
        assertSame(index, index.toBuilder().build());
        assertInstanceOf(ImageIndex.class, Manifest.parse(bytes));
    }

    @Test
    void dockerHubManifestListDigestIsTheRegistrysDigest() throws Exception {
        ImageIndex list = ImageIndex.parse(manifest("docker-hub-manifest-list.json"));
        assertEquals("sha256:e588eb8123f2031a41f2e60bc27f30a4388e181e07410aff392f7dc96b585969", list.digest().toString());
        assertTrue(list.isDocker());
        assertEquals(5, list.manifests().size());
        assertEquals(List.of("sse"), list.manifests().get(1).platform().features());
        assertEquals(MediaTypes.DOCKER_SCHEMA1_MANIFEST, list.manifests().get(0).mediaType());
    }

    @Test
    void ociSpecExampleWithoutMediaType() throws Exception {
        Manifest m = Manifest.parse(manifest("oci-index.json"));
        ImageIndex index = assertInstanceOf(ImageIndex.class, m);
        assertNull(index.mediaType());
        assertEquals(MediaTypes.OCI_INDEX, index.contentType());
        assertEquals(2, index.manifests().size());
        assertEquals(new Platform("linux", "ppc64le"), index.manifests().get(0).platform());
        assertEquals(7682, index.manifests().get(1).size());
        assertEquals("value2", index.annotations().get("com.example.key2"));
    }

    @Test
    void dockerSpecManifestList() throws Exception {
        ImageIndex list = ImageIndex.parse(manifest("docker-manifest-list.json"));
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, list.mediaType());
        Descriptor amd64 = list.select(Platform.parse("linux/amd64")).orElseThrow();
        assertEquals("sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270", amd64.digest().toString());
        assertEquals(List.of("sse4"), amd64.platform().features());
        assertEquals(MediaTypes.DOCKER_MANIFEST, amd64.mediaType());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "linux/amd64, 1111",
            "linux/x86_64, 1111",
            "linux/arm, 3333",
            "linux/arm/v7, 3333",
            "linux/arm/v6, 2222",
            "linux/arm/v8, 3333",
            "linux/arm64, 4444",
            "linux/aarch64, 4444",
            "linux/arm64/v8, 4444",
            "linux/s390x, 5555",
            "linux/riscv64, -",
            "linux/arm/v5, -",
            "windows/amd64, -",
            "unknown/unknown, 6666",
    })
    void selectsTheBestPlatform(String platform, String expected) throws Exception {
        ImageIndex index = ImageIndex.parse(manifest("multiarch-index.json"));
        String[] parts = platform.split("/");
        Platform wanted = parts[0].equals("unknown") ? new Platform("unknown", "unknown") : Platform.parse(platform);
        Optional<Descriptor> chosen = index.select(wanted);
        if (expected.equals("-")) {
            assertTrue(chosen.isEmpty(), () -> "chose " + chosen);
        } else {
            assertEquals(expected, chosen.orElseThrow().digest().hex().substring(0, 4));
        }
    }

    @Test
    void candidatesAreBestFirst() throws Exception {
        ImageIndex index = ImageIndex.parse(manifest("multiarch-index.json"));
        List<String> order = index.candidates(Platform.parse("linux/arm/v8")).stream().map(d -> d.digest().hex().substring(0, 1)).toList();
        assertEquals(List.of("3", "2"), order);
    }

    @Test
    void dockerHubListSelectsOldStyleVariants() throws Exception {
        ImageIndex list = ImageIndex.parse(manifest("docker-hub-manifest-list.json"));
        assertEquals("07ebe243", list.select(Platform.parse("linux/arm/v7")).orElseThrow().digest().hex().substring(0, 8));
        assertEquals("fb2fc070", list.select(Platform.parse("linux/arm64")).orElseThrow().digest().hex().substring(0, 8));
        assertEquals("ae1b0e06", list.select(Platform.parse("linux/amd64")).orElseThrow().digest().hex().substring(0, 8));
    }

    @Test
    void entriesWithoutPlatformAreTheFallback() throws Exception {
        String json = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:"
                + "7".repeat(64) + "\",\"size\":1,\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}},"
                + "{\"mediaType\":\"application/vnd.in-toto+json\",\"digest\":\"sha256:" + "8".repeat(64) + "\",\"size\":1}]}";
        ImageIndex index = ImageIndex.parse(utf8(json));
        assertEquals("7777", index.select(Platform.parse("linux/arm64")).orElseThrow().digest().hex().substring(0, 4));
    }

    @Test
    void modifyingKeepsUnknownFieldsAndExactNumbers() throws Exception {
        ImageIndex index = ImageIndex.parse(manifest("multiarch-index.json"));
        Descriptor riscv = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256("riscv"), 999).withPlatform(Platform.parse("linux/riscv64"));
        ImageIndex changed = index.toBuilder().addManifest(riscv).removeManifest(Digest.parse("sha256:" + "6".repeat(64))).build();
        assertTrue(changed.toJsonString().endsWith(",\"x-vendor\":{\"kept\":[1,2.50,\"three\"]}}"), changed.toJsonString());
        assertEquals(riscv, changed.select(Platform.parse("linux/riscv64")).orElseThrow());
        assertEquals(6, changed.manifests().size());
        ImageIndex reread = ImageIndex.parse(changed.bytes());
        assertEquals(changed.manifests(), reread.manifests());
        ObjectNode expected = index.json();
        assertEquals(expected.get("annotations"), changed.json().get("annotations"));
        assertEquals(expected.get("manifests").get(0), changed.json().get("manifests").get(0));
    }

    @Test
    void freshIndex() {
        Descriptor m = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256("m"), 3).withPlatform(Platform.parse("linux/arm/v7"));
        ImageIndex index = ImageIndex.builder().addManifest(m).build();
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + m.digest() + "\",\"size\":3,"
                + "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}]}", index.toJsonString());
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":[]}",
                ImageIndex.dockerBuilder().build().toJsonString());
        assertThrows(IllegalArgumentException.class, () -> ImageIndex.builder().mediaType(MediaTypes.OCI_MANIFEST));
    }

    @Test
    void refusesAManifest() {
        InvalidContentException e = assertThrows(InvalidContentException.class, () -> ImageIndex.parse(manifest("oci-manifest.json")));
        assertTrue(e.getMessage().contains("is an image manifest, not an index"), e.getMessage());
        InvalidContentException bad = assertThrows(InvalidContentException.class, () -> ImageIndex.parse(utf8(
                "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" + "1".repeat(64) + "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}")));
        assertTrue(bad.getMessage().contains("manifests[0].platform"), bad.getMessage());
    }
}
