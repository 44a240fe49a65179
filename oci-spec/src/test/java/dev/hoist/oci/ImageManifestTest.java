package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.hoist.oci.TestFiles.manifest;
import static dev.hoist.oci.TestFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageManifestTest {

    @ParameterizedTest
    @ValueSource(strings = {"oci-manifest.json", "oci-manifest-no-mediatype.json", "oci-manifest-subject.json",
            "oci-manifest-artifact.json", "docker-manifest.json", "docker-hub-manifest.json"})
    void keepsExactBytesAndDigestsThem(String file) throws Exception {
        byte[] bytes = manifest(file);
        ImageManifest m = ImageManifest.parse(bytes);
        assertArrayEquals(bytes, m.bytes());
        assertArrayEquals(bytes, m.inputStream().readAllBytes());
        assertEquals(Digest.sha256(bytes), m.digest());
        assertEquals(bytes.length, m.size());
        assertEquals(new String(bytes, StandardCharsets.UTF_8), m.toJsonString());
        assertSame(m, m.toBuilder().build(), "an unchanged rebuild is the same document");
        Manifest any = Manifest.parse(bytes);
        assertInstanceOf(ImageManifest.class, any);
        assertEquals(m, any);
    }

    @Test
    void digestOfDockerHubManifestIsTheRegistrysDigest() throws Exception {
        ImageManifest m = ImageManifest.parse(manifest("docker-hub-manifest.json"));
        assertEquals("sha256:888206c77cd2811ec47e752ba291e5b7734e3ef137dfd222daadaca39a9f17bc", m.digest().toString());
        assertTrue(m.isDocker());
        assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
        assertEquals("application/octet-stream", m.config().mediaType());
        assertEquals(3210, m.config().size());
        assertEquals(4, m.layers().size());
        assertEquals(465, m.layers().get(3).size());
        assertEquals(Digest.parse("sha256:fae91920dcd4542f97c9350b3157139a5d901362c2abec284de5ebd1b45b4957"), m.layers().get(0).digest());
    }

    @Test
    void ociSpecExample() throws Exception {
        ImageManifest m = ImageManifest.parse(manifest("oci-manifest.json"));
        assertEquals(2, m.schemaVersion());
        assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
        assertFalse(m.isDocker());
        assertEquals(new Descriptor(MediaTypes.OCI_CONFIG, Digest.parse("sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"), 7023), m.config());
        assertEquals(List.of(32654L, 16724L, 73109L), m.layers().stream().map(Descriptor::size).toList());
        assertEquals(MediaTypes.OCI_LAYER_GZIP, m.layers().get(0).mediaType());
        assertEquals("value1", m.annotations().get("com.example.key1"));
        assertNull(m.subject());
        assertNull(m.artifactType());
        assertEquals(MediaTypes.OCI_CONFIG, m.effectiveArtifactType());
    }

    @Test
    void withoutMediaTypeIsStillAManifest() throws Exception {
        Manifest m = Manifest.parse(manifest("oci-manifest-no-mediatype.json"));
        assertInstanceOf(ImageManifest.class, m);
        assertNull(m.mediaType());
        assertEquals(MediaTypes.OCI_MANIFEST, m.contentType());
        assertEquals(MediaTypes.OCI_MANIFEST, m.descriptor().mediaType());
    }

    @Test
    void subjectAndArtifactType() throws Exception {
        ImageManifest s = ImageManifest.parse(manifest("oci-manifest-subject.json"));
        assertEquals(7682, s.subject().size());
        assertEquals(MediaTypes.OCI_MANIFEST, s.subject().mediaType());

        ImageManifest a = ImageManifest.parse(manifest("oci-manifest-artifact.json"));
        assertEquals("application/vnd.example+type", a.artifactType());
        assertEquals("application/vnd.example+type", a.effectiveArtifactType());
        assertEquals(MediaTypes.OCI_EMPTY, a.config().mediaType());
        assertEquals("e30=", a.config().data());
        assertEquals("foo.txt", a.layers().get(0).annotation("org.opencontainers.image.title"));
        Descriptor d = a.descriptor();
        assertEquals("application/vnd.example+type", d.artifactType());
        assertEquals(a.digest(), d.digest());
        assertEquals(a.size(), d.size());
    }

    @Test
    void whitespaceIsPartOfTheDigest() throws Exception {
        byte[] pretty = manifest("oci-manifest.json");
        ObjectNode tree = (ObjectNode) OciJson.mapper().readTree(pretty);
        byte[] compact = OciJson.write(tree);
        ImageManifest a = ImageManifest.parse(pretty);
        ImageManifest b = ImageManifest.parse(compact);
        assertEquals(a.layers(), b.layers());
        assertNotEquals(a.digest(), b.digest());
        assertNotEquals(a, b);
        byte[] trailingNewline = (new String(compact, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
        assertEquals(Digest.sha256(trailingNewline), ImageManifest.parse(trailingNewline).digest());
        assertNotEquals(b.digest(), ImageManifest.parse(trailingNewline).digest());
    }

    @Test
    void theInputArrayIsCopied() throws Exception {
        byte[] bytes = manifest("oci-manifest.json");
        ImageManifest m = ImageManifest.parse(bytes);
        Digest before = m.digest();
        bytes[10] = 'X';
        assertEquals(before, Digest.sha256(m.bytes()));
        m.bytes()[0] = 'Y';
        assertEquals(before, Digest.sha256(m.bytes()));
    }

    @Test
    void modifyingKeepsUnknownFieldsAndOrder() throws Exception {
        String original = "{\n  \"schemaVersion\": 2,\n  \"x-first\": {\"nested\": [1, 2.50, \"3\"]},\n"
                + "  \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
                + "  \"config\": {\"mediaType\": \"application/vnd.oci.image.config.v1+json\", \"digest\": \"sha256:" + "a".repeat(64) + "\", \"size\": 100, \"x-config-extra\": true},\n"
                + "  \"layers\": [{\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"digest\": \"sha256:" + "b".repeat(64) + "\", \"size\": 200, \"x-layer-extra\": \"kept\"}],\n"
                + "  \"x-last\": null\n}";
        ImageManifest m = ImageManifest.parse(utf8(original));
        Descriptor layer2 = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("layer 2"), 7);
        ImageManifest changed = m.toBuilder().addLayer(layer2).annotation("org.opencontainers.image.created", "2024-01-01T00:00:00Z").build();

        assertEquals("{\"schemaVersion\":2,\"x-first\":{\"nested\":[1,2.50,\"3\"]},"
                + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":100,\"x-config-extra\":true},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:" + "b".repeat(64) + "\",\"size\":200,\"x-layer-extra\":\"kept\"},"
                + "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layer2.digest() + "\",\"size\":7}],"
                + "\"x-last\":null,\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"}}",
                changed.toJsonString());
        assertEquals(Digest.sha256(changed.bytes()), changed.digest());

        ImageManifest reread = ImageManifest.parse(changed.bytes());
        assertEquals(changed.layers(), reread.layers());
        assertEquals(changed.annotations(), reread.annotations());
        assertEquals(changed.digest(), reread.digest());

        // Changing a layer in place keeps that layer's unknown field.
        Descriptor replaced = new Descriptor(MediaTypes.OCI_LAYER_ZSTD, Digest.sha256("zstd"), 9);
        ImageManifest swapped = m.toBuilder().layers(List.of(replaced)).build();
        JsonNode layer = swapped.json().get("layers").get(0);
        assertEquals("kept", layer.get("x-layer-extra").asText());
        assertEquals(replaced.digest().toString(), layer.get("digest").asText());
        assertEquals(MediaTypes.OCI_LAYER_ZSTD, layer.get("mediaType").asText());
    }

    @Test
    void dockerHubManifestSurvivesReadModifyWrite() throws Exception {
        ImageManifest m = ImageManifest.parse(manifest("docker-hub-manifest.json"));
        ImageManifest changed = m.toBuilder().annotation("a", "b").build();
        ObjectNode expected = m.json();
        expected.putObject("annotations").put("a", "b");
        assertEquals(expected, changed.json());
        assertTrue(changed.toJsonString().startsWith("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{\"mediaType\":\"application/octet-stream\",\"size\":3210,"));
        ImageManifest back = changed.toBuilder().annotation("a", null).build();
        assertEquals(m.json(), back.json());
        assertEquals(m.layers(), back.layers());
    }

    @Test
    void freshManifestsAreCompactAndDeterministic() {
        Descriptor config = new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256("config"), 6);
        Descriptor layer = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("layer"), 5);
        ImageManifest a = ImageManifest.builder().config(config).addLayer(layer).annotation("z", "1").annotation("a", "2").build();
        ImageManifest b = ImageManifest.builder().annotation("a", "2").annotation("z", "1").addLayer(layer).config(config).build();
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config.digest() + "\",\"size\":6},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layer.digest() + "\",\"size\":5}],"
                + "\"annotations\":{\"a\":\"2\",\"z\":\"1\"}}", a.toJsonString());
        assertArrayEquals(a.bytes(), b.bytes());
        assertEquals(a.digest(), b.digest());

        ImageManifest empty = ImageManifest.dockerBuilder().config(config).build();
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config.digest() + "\",\"size\":6},\"layers\":[]}",
                empty.toJsonString());
        assertThrows(IllegalStateException.class, () -> ImageManifest.builder().build());
        assertThrows(IllegalArgumentException.class, () -> ImageManifest.builder().mediaType(MediaTypes.OCI_INDEX));
    }

    @Test
    void zeroSizeDescriptorsKeepTheirSize() {
        Descriptor config = new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(""), 0);
        ImageManifest m = ImageManifest.builder().config(config).build();
        assertTrue(m.toJsonString().contains("\"size\":0"), m.toJsonString());
    }

    @Test
    void refusesSchema1WithAClearMessage() {
        InvalidContentException e = assertThrows(InvalidContentException.class, () -> Manifest.parse(manifest("docker-schema1.json")));
        assertTrue(e.unsupported());
        assertTrue(e.getMessage().contains("schema 1"), e.getMessage());
        assertTrue(e.getMessage().contains(MediaTypes.DOCKER_MANIFEST), e.getMessage());
        assertThrows(InvalidContentException.class, () -> ImageManifest.parse(manifest("docker-schema1.json")));
        InvalidContentException byType = assertThrows(InvalidContentException.class, () -> Manifest.parse(utf8(
                "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_SCHEMA1_SIGNED_MANIFEST + "\",\"config\":{}}")));
        assertTrue(byType.getMessage().contains("schema 1"), byType.getMessage());
    }

    @Test
    void refusesWhatIsNotAManifest() {
        assertProblem("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"manifests\":[],\"layers\":[]}", "ambiguous");
        assertProblem("{\"schemaVersion\":2,\"manifests\":[],\"config\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":1}}", "ambiguous");
        assertProblem("{\"schemaVersion\":2}", "neither");
        assertProblem("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.artifact.manifest.v1+json\",\"blobs\":[]}", "unsupported manifest media type");
        assertProblem("{\"schemaVersion\":3,\"layers\":[],\"config\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":1}}", "schemaVersion is 3");
        assertProblem("{\"layers\":[],\"config\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":1}}", "schemaVersion is missing");
        assertProblem("{\"schemaVersion\":2,\"layers\":[]}", "config is missing");
        assertProblem("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":1},\"layers\":[{\"digest\":\"sha256:abc\",\"size\":1}]}",
                "layers[0].digest: invalid digest \"sha256:abc\"");
        assertProblem("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":\"1\"},\"layers\":[]}", "config.size");
        assertProblem("{\"schemaVersion\":2,\"config\":{\"size\":1},\"layers\":[]}", "a descriptor needs a digest");
        assertProblem("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":1},\"layers\":{}}", "layers: expected an array, got an object");
        assertProblem("{\"schemaVersion\":\"2\",\"config\":{},\"layers\":[]}", "schemaVersion: expected a whole number, got \"2\"");
        assertProblem("{\"schemaVersion\":2,\"config\":{\"digest\":5,\"size\":1},\"layers\":[]}", "config.digest: expected a string, got 5");
        assertProblem("{\"schemaVersion\":2.0,\"config\":{},\"layers\":[]}", "schemaVersion: expected a whole number, got 2.0");
        assertProblem("{\"schemaVersion\":2,\"schemaVersion\":2,\"config\":{},\"layers\":[]}", "Duplicate field 'schemaVersion'");
        assertProblem("{\"schemaVersion\":2,", "not valid JSON");
        assertProblem("{} {}", "not valid JSON");
        assertProblem("[1]", "expected a JSON object, got array");
        assertProblem("", "empty");
        InvalidContentException e = assertThrows(InvalidContentException.class, () -> ImageManifest.parse(manifest("oci-index.json")));
        assertTrue(e.getMessage().contains("is an image index, not a manifest"), e.getMessage());
    }

    private static void assertProblem(String json, String expected) {
        InvalidContentException e = assertThrows(InvalidContentException.class, () -> Manifest.parse(utf8(json)), json);
        assertTrue(e.getMessage().startsWith("invalid manifest: ") || e.getMessage().startsWith("invalid image manifest: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), () -> "expected \"" + expected + "\" in: " + e.getMessage());
    }

    @Test
    void serialisesAsItsJsonWhenEmbedded() throws Exception {
        ImageManifest m = ImageManifest.parse(manifest("oci-manifest.json"));
        JsonNode wrapped = OciJson.mapper().readTree(OciJson.write(java.util.Map.of("manifest", m)));
        assertEquals(m.json(), wrapped.get("manifest"));
    }
}
