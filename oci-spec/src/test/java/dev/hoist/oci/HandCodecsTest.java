package dev.hoist.oci;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.hoist.oci.TestFiles.manifest;
import static dev.hoist.oci.TestFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written codecs (ContainerConfigJson, ImageConfigJson, ManifestJson, DescriptorJson…): every field
 * round-trips, the JSON is byte for byte what data binding with the types' annotations writes and reads,
 * unknown fields survive a change, nulls read as absent, and wrong types are refused naming the field.
 */
class HandCodecsTest {
    private static final Digest A = Digest.sha256("a");
    private static final Digest B = Digest.sha256("b");

    static Healthcheck fullHealthcheck() {
        return new Healthcheck(List.of("CMD-SHELL", "curl -f http://localhost/"), Duration.ofSeconds(30),
                Duration.ofMillis(1500), Duration.ofMinutes(1), Duration.ofNanos(7), 3);
    }

    /** Every one of the 25 fields set. */
    static ContainerConfig fullContainerConfig() {
        Map<String, String> labels = new HashMap<>();
        labels.put("z", "last");
        labels.put("a", "first");
        labels.put("empty", "");
        return ContainerConfig.builder()
                .user("app:app").exposedPorts(Set.of("443/tcp", "80/tcp")).env("PATH=/bin", "A=1")
                .entrypoint("/init", "--").cmd("serve", "--port=80").volumes(Set.of("/data", "/cache"))
                .workingDir("/srv").labels(labels).stopSignal("SIGQUIT").argsEscaped(true)
                .healthcheck(fullHealthcheck()).onBuild(List.of("RUN make")).shell(List.of("/bin/bash", "-c"))
                .hostname("h").domainname("d").attachStdin(false).attachStdout(true).attachStderr(true)
                .tty(false).openStdin(false).stdinOnce(false).image("sha256:" + "c".repeat(64))
                .networkDisabled(true).macAddress("02:42:ac:11:00:02").stopTimeout(0)
                .build();
    }

    static Platform fullPlatform() {
        return new Platform("arm64", "linux", "10.0.17763", List.of("win32k"), "v8", List.of("sse4"));
    }

    static Descriptor fullDescriptor(Digest d) {
        return new Descriptor(MediaTypes.OCI_MANIFEST, d, 1234, List.of("https://example.com/blob"),
                Map.of("org.opencontainers.image.ref.name", "v1", "b", "2"), "e30=", fullPlatform(),
                "application/vnd.example+json");
    }

    static ImageConfig fullImageConfig() {
        return ImageConfig.builder()
                .created("2024-01-02T03:04:05.5Z").author("someone").platform(fullPlatform())
                .config(fullContainerConfig())
                .rootfs(RootFs.layers(List.of(A, B)))
                .history(List.of(new History("2024-01-02T03:04:05Z", "/bin/sh -c #(nop) ADD file", "me", "c", null),
                        new History(null, "ENV A=1", null, "", true)))
                .comment("made by hand").container("0123abcd")
                .containerConfig(ContainerConfig.builder().cmd("/bin/sh", "-c", "#(nop) ENV A=1").hostname("x").build())
                .dockerVersion("20.10.0")
                .build();
    }

    static ImageManifest fullManifest() {
        return ImageManifest.builder()
                .artifactType("application/vnd.example+json")
                .config(new Descriptor(MediaTypes.OCI_CONFIG, A, 10))
                .addLayer(fullDescriptor(B).withMediaType(MediaTypes.OCI_LAYER_GZIP))
                .addLayer(new Descriptor(MediaTypes.OCI_LAYER, A, 0))
                .subject(new Descriptor(MediaTypes.OCI_MANIFEST, B, 99))
                .annotation("z", "1").annotation("a", "2")
                .build();
    }

    static ImageIndex fullIndex() {
        return ImageIndex.builder()
                .artifactType("application/vnd.example+json")
                .addManifest(fullDescriptor(A))
                .addManifest(new Descriptor(MediaTypes.OCI_MANIFEST, B, 5).withPlatform(new Platform("linux", "amd64")))
                .subject(new Descriptor(MediaTypes.OCI_INDEX, B, 99))
                .annotation("k", "v")
                .build();
    }

    @Test
    void everyImageConfigFieldRoundTrips() throws Exception {
        ImageConfig built = fullImageConfig();
        ImageConfig read = ImageConfig.parse(built.bytes());
        assertEquals(built, read);
        assertEquals(fullContainerConfig(), read.config());
        assertEquals(fullHealthcheck(), read.config().healthcheck());
        assertEquals(List.of("443/tcp", "80/tcp"), List.copyOf(read.config().exposedPorts()));
        assertEquals(List.of("/cache", "/data"), List.copyOf(read.config().volumes()));
        assertEquals("2024-01-02T03:04:05.5Z", read.created());
        assertEquals("someone", read.author());
        assertEquals(new Platform("arm64", "linux", "10.0.17763", List.of("win32k"), "v8", null), read.platform().orElseThrow());
        assertEquals(List.of(A, B), read.diffIds());
        assertEquals(RootFs.LAYERS, read.rootfs().type());
        assertEquals(built.history(), read.history());
        assertTrue(read.history().get(1).isEmptyLayer());
        assertEquals("made by hand", read.comment());
        assertEquals("0123abcd", read.container());
        assertEquals(List.of("/bin/sh", "-c", "#(nop) ENV A=1"), read.containerConfig().cmd());
        assertEquals("20.10.0", read.dockerVersion());
        assertSame(read, read.toBuilder().build(), "nothing changed, so the same bytes");
    }

    @Test
    void everyManifestAndIndexFieldRoundTrips() throws Exception {
        ImageManifest m = fullManifest();
        ImageManifest readM = (ImageManifest) Manifest.parse(m.bytes());
        assertEquals(m.layers(), readM.layers());
        assertEquals(fullDescriptor(B).withMediaType(MediaTypes.OCI_LAYER_GZIP), readM.layers().get(0));
        assertEquals(m.config(), readM.config());
        assertEquals(m.subject(), readM.subject());
        assertEquals(Map.of("a", "2", "z", "1"), readM.annotations());
        assertEquals("application/vnd.example+json", readM.artifactType());
        assertEquals(MediaTypes.OCI_MANIFEST, readM.mediaType());
        assertEquals(2, readM.schemaVersion());

        ImageIndex i = fullIndex();
        ImageIndex readI = (ImageIndex) Manifest.parse(i.bytes());
        assertEquals(i.manifests(), readI.manifests());
        assertEquals(fullPlatform(), readI.manifests().get(0).platform());
        assertEquals(i.subject(), readI.subject());
        assertEquals(Map.of("k", "v"), readI.annotations());
        assertEquals("application/vnd.example+json", readI.artifactType());
    }

    /** What data binding writes from the types' annotations is what the hand-written codecs write. */
    @Test
    void writesWhatDataBindingWrites() throws Exception {
        ContainerConfig zeroes = ContainerConfig.builder().user("").workingDir("").attachStdin(false).tty(false)
                .stopTimeout(0).labels(nullValued()).healthcheck(new Healthcheck(null, null, null, null, null, null)).build();
        for (Object value : List.of(fullContainerConfig(), ContainerConfig.EMPTY, zeroes, fullHealthcheck(),
                fullPlatform(), new Platform("linux", "amd64"), fullDescriptor(A), new Descriptor(null, A, 0),
                new History(null, null, null, null, null), new History("", "", "", "", false),
                RootFs.layers(List.of()), new RootFs(null, List.of(A)))) {
            assertEquals(bound(value), OciJson.writeString(value), value.getClass().getSimpleName());
        }
        ImageConfig config = fullImageConfig();
        ImageConfigFields fields = ImageConfigJson.read(config.json(), JsonPath.root("test"));
        assertEquals(bound(fields), config.toJsonString());
        ImageConfigFields sparse = new ImageConfigFields(null, "", "amd64", "linux", null, null, null,
                ContainerConfig.EMPTY, null, null, null, null, null, null);
        assertEquals(bound(sparse), OciJson.writeString(ImageConfigJson.write(sparse)));
        ManifestFields mf = ManifestJson.readManifest(fullManifest().json(), JsonPath.root("test"));
        assertEquals(bound(mf), fullManifest().toJsonString());
        ManifestFields bare = new ManifestFields(2, "", null, new Descriptor(null, A, 1), null, null, null);
        assertEquals(bound(bare), OciJson.writeString(ManifestJson.write(bare)));
        IndexFields xf = ManifestJson.readIndex(fullIndex().json(), JsonPath.root("test"));
        assertEquals(bound(xf), fullIndex().toJsonString());
        IndexFields emptyIndex = new IndexFields(2, null, null, null, null, Map.of());
        assertEquals(bound(emptyIndex), OciJson.writeString(ManifestJson.write(emptyIndex)));
    }

    /** What data binding reads from real documents is what the hand-written codecs read. */
    @ParameterizedTest
    @ValueSource(strings = {"docker-hub-config-docker.json", "docker-hub-config-fedora.json", "oci-config.json"})
    void readsConfigsAsDataBindingDoes(String file) throws Exception {
        ObjectNode tree = OciJson.readObject(manifest(file), "test");
        assertEquals(OciJson.mapper().treeToValue(tree, ImageConfigFields.class), ImageConfigJson.read(tree, JsonPath.root("test")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker-hub-manifest.json", "docker-manifest.json", "oci-manifest-artifact.json",
            "oci-manifest-no-mediatype.json", "oci-manifest-subject.json", "oci-manifest.json"})
    void readsManifestsAsDataBindingDoes(String file) throws Exception {
        ObjectNode tree = OciJson.readObject(manifest(file), "test");
        assertEquals(OciJson.mapper().treeToValue(tree, ManifestFields.class), ManifestJson.readManifest(tree, JsonPath.root("test")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker-hub-manifest-list.json", "docker-manifest-list.json", "multiarch-index.json", "oci-index.json"})
    void readsIndexesAsDataBindingDoes(String file) throws Exception {
        ObjectNode tree = OciJson.readObject(manifest(file), "test");
        assertEquals(OciJson.mapper().treeToValue(tree, IndexFields.class), ManifestJson.readIndex(tree, JsonPath.root("test")));
    }

    @Test
    void unknownFieldsSurviveAChangeAtEveryLevel() throws Exception {
        String json = "{\"x-top\":[1,2.50,{\"n\":null}],\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"config\":{\"Env\":[\"A=1\"],\"x-config\":{\"deep\":true},\"Healthcheck\":{\"Test\":[\"NONE\"],\"x-hc\":1}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[],\"x-rootfs\":\"r\"},"
                + "\"history\":[{\"created_by\":\"one\",\"x-history\":12345678901234567890}]}";
        ImageConfig c = ImageConfig.parse(utf8(json));
        ImageConfig changed = c.toBuilder().config(c.config().withEnv("B", "2")).addHistory(History.of(null, "two", true)).build();
        assertEquals("{\"x-top\":[1,2.50,{\"n\":null}],\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"config\":{\"Env\":[\"A=1\",\"B=2\"],\"x-config\":{\"deep\":true},\"Healthcheck\":{\"Test\":[\"NONE\"],\"x-hc\":1}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[],\"x-rootfs\":\"r\"},"
                + "\"history\":[{\"created_by\":\"one\",\"x-history\":12345678901234567890},{\"created_by\":\"two\",\"empty_layer\":true}]}",
                changed.toJsonString());

        String m = "{\"schemaVersion\":2,\"x\":\"keep\",\"config\":{\"digest\":\"" + A + "\",\"size\":1,\"x-d\":[]},"
                + "\"layers\":[{\"digest\":\"" + B + "\",\"size\":2,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\",\"x-p\":0}}]}";
        ImageManifest parsed = ImageManifest.parse(utf8(m));
        assertEquals("{\"schemaVersion\":2,\"x\":\"keep\",\"config\":{\"digest\":\"" + A + "\",\"size\":1,\"x-d\":[]},"
                        + "\"layers\":[{\"digest\":\"" + B + "\",\"size\":2,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\",\"x-p\":0}}],"
                        + "\"annotations\":{\"k\":\"v\"}}",
                parsed.toBuilder().annotation("k", "v").build().toJsonString());
    }

    @Test
    void nullsReadAsAbsent() throws Exception {
        ImageConfig c = ImageConfig.parse(utf8("{\"created\":null,\"architecture\":\"amd64\",\"os\":\"linux\",\"os.features\":null,"
                + "\"config\":null,\"rootfs\":null,\"history\":null,\"container_config\":null}"));
        assertNull(c.created());
        assertEquals(List.of(), c.osFeatures());
        assertSame(ContainerConfig.EMPTY, c.config());
        assertNull(c.rootfs());
        assertEquals(List.of(), c.history());
        assertNull(c.containerConfig());
        ContainerConfig cc = ImageConfig.parse(utf8("{\"config\":{\"User\":null,\"ExposedPorts\":null,\"Env\":null,\"Labels\":null,"
                + "\"Healthcheck\":{\"Test\":null,\"Interval\":null,\"Retries\":null},\"Tty\":null,\"StopTimeout\":null}}")).config();
        assertEquals(ContainerConfig.builder().healthcheck(new Healthcheck(null, null, null, null, null, null)).build(), cc);
        ImageManifest m = ImageManifest.parse(utf8("{\"schemaVersion\":2,\"mediaType\":null,\"config\":{\"mediaType\":null,"
                + "\"digest\":\"" + A + "\",\"size\":null,\"urls\":null,\"annotations\":null,\"platform\":null},\"layers\":null,"
                + "\"subject\":null,\"annotations\":null}"));
        assertEquals(new Descriptor(null, A, 0), m.config());
        assertEquals(List.of(), m.layers());
        assertNull(m.subject());
        assertEquals(Map.of(), m.annotations());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"author\":[]}|author: expected a string, got an array",
            "{\"os.features\":[\"a\",1]}|os.features[1]: expected a string, got 1",
            "{\"config\":[]}|config: expected an object, got an array",
            "{\"config\":{\"User\":false}}|config.User: expected a string, got false",
            "{\"config\":{\"Tty\":1}}|config.Tty: expected true or false, got 1",
            "{\"config\":{\"StopTimeout\":\"10\"}}|config.StopTimeout: expected a whole number, got \"10\"",
            "{\"config\":{\"StopTimeout\":3000000000}}|config.StopTimeout: expected a whole number from -2147483648 to 2147483647, got 3000000000",
            "{\"config\":{\"Volumes\":\"/data\"}}|config.Volumes: expected an object whose keys are the members, like {\"80/tcp\":{}}, got a string",
            "{\"config\":{\"Healthcheck\":{\"Timeout\":1.5}}}|config.Healthcheck.Timeout: expected a duration in integer nanoseconds, got a number",
            "{\"config\":{\"Healthcheck\":{\"Retries\":true}}}|config.Healthcheck.Retries: expected a whole number, got true",
            "{\"config\":{\"Healthcheck\":\"NONE\"}}|config.Healthcheck: expected an object, got \"NONE\"",
            "{\"container_config\":{\"Cmd\":{}}}|container_config.Cmd: expected an array, got an object",
            "{\"rootfs\":\"layers\"}|rootfs: expected an object, got \"layers\"",
            "{\"rootfs\":{\"diff_ids\":[5]}}|rootfs.diff_ids[0]: expected a string, got 5",
            "{\"rootfs\":{\"diff_ids\":[null]}}|rootfs: null is not allowed here",
            "{\"history\":{}}|history: expected an array, got an object",
            "{\"history\":[\"x\"]}|history[0]: expected an object, got \"x\"",
            "{\"history\":[{\"comment\":{}}]}|history[0].comment: expected a string, got an object",
    })
    void wrongTypesInAConfigAreNamed(String json, String expected) {
        InvalidContentException e = assertThrows(InvalidContentException.class, () -> ImageConfig.parse(utf8(json)));
        assertEquals("invalid image config: " + expected, e.getMessage());
        assertFalse(e.unsupported());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "`{\"schemaVersion\":2,\"config\":{\"digest\":\"DA\",\"size\":-1},\"layers\":[]}`|config: a descriptor's size cannot be negative: -1",
            "`{\"schemaVersion\":2,\"config\":{\"digest\":\"DA\",\"size\":99999999999999999999},\"layers\":[]}`|config.size: expected a whole number that fits in 64 bits, got 99999999999999999999",
            "`{\"schemaVersion\":2,\"config\":{\"digest\":\"DA\",\"size\":1,\"urls\":\"u\"},\"layers\":[]}`|config.urls: expected an array, got \"u\"",
            "`{\"schemaVersion\":2,\"config\":{\"digest\":\"DA\",\"size\":1,\"annotations\":{\"k\":1}},\"layers\":[]}`|config.annotations.k: expected a string, got 1",
            "`{\"schemaVersion\":2,\"config\":{\"digest\":\"DA\",\"size\":1},\"layers\":[\"DA\"]}`|layers[0]: expected an object, got \"DA\"",
            "`{\"schemaVersion\":2,\"config\":{\"digest\":\"DA\",\"size\":1},\"layers\":[],\"subject\":{\"size\":1}}`|subject: a descriptor needs a digest",
            "`{\"schemaVersion\":2,\"config\":{\"digest\":\"DA\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":7}},\"layers\":[]}`|config.platform.architecture: expected a string, got 7",
            "`{\"schemaVersion\":2,\"config\":{\"digest\":\"DA\",\"size\":1,\"platform\":\"linux/amd64\"},\"layers\":[]}`|config.platform: expected an object, got \"linux/amd64\"",
            "`{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"DA\",\"size\":1,\"platform\":{\"architecture\":\"amd64\"}}]}`|manifests[0].platform: os is missing",
            "`{\"schemaVersion\":2,\"manifests\":{}}`|manifests: expected an array, got an object",
            "`{\"schemaVersion\":2,\"manifests\":[],\"annotations\":[]}`|annotations: expected an object, got an array",
            "`{\"schemaVersion\":2,\"manifests\":[],\"artifactType\":true}`|artifactType: expected a string, got true",
    })
    void wrongTypesInAManifestAreNamed(String json, String expected) {
        InvalidContentException e = assertThrows(InvalidContentException.class, () -> Manifest.parse(utf8(json.replace("DA", A.toString()))));
        assertTrue(e.getMessage().endsWith(": " + expected.replace("DA", A.toString())), e.getMessage());
        assertFalse(e.unsupported());
    }

    @Test
    void treesKeepExactNumbersAndRefuseWhatIsNotOneDocument() throws Exception {
        byte[] doc = utf8("{\"a\":1.50,\"b\":12345678901234567890,\"c\":-0.0,\"d\":1e3,\"e\":[true,false,null,\"\\u00e9\\n\"]}");
        JsonNode tree = OciJson.readTree(doc);
        assertEquals(OciJson.mapper().readTree(doc), tree);
        assertEquals(OciJson.mapper().writeValueAsString(tree), OciJson.writeString(tree));
        assertEquals("{\"a\":1.50,\"b\":12345678901234567890,\"c\":0.0,\"d\":1E+3,\"e\":[true,false,null,\"\u00e9\\n\"]}", OciJson.writeString(tree));
        assertTrue(OciJson.readTree(new byte[0]).isMissingNode());
        assertTrue(OciJson.readTree(utf8("null")).isNull());
        assertThrows(IOException.class, () -> OciJson.readTree(utf8("{\"a\":1,\"a\":2}")));
        assertThrows(IOException.class, () -> OciJson.readTree(utf8("{} x")));
        assertThrows(IOException.class, () -> OciJson.readTree(utf8("[1,")));
        InvalidContentException trailing = assertThrows(InvalidContentException.class, () -> OciJson.readObject(utf8("{}\n[]"), "thing"));
        assertEquals("invalid thing: not valid JSON: more content (an array) after the end of the document (line 2, column 2)", trailing.getMessage());
    }

    @Test
    void lenientTreesReadAsADefaultMapperDoes() throws Exception {
        assertEquals(2, OciJson.readTreeLeniently(utf8("{\"a\":1,\"a\":2}")).get("a").asInt());
        assertEquals(utf8("{\"a\":[1]}").length, OciJson.write(OciJson.readTreeLeniently(utf8("{\"a\":[1]} trailing"))).length);
        assertThrows(IOException.class, () -> OciJson.readTreeLeniently(utf8("{\"a\"")));
    }

    @Test
    void prettyTreesAreWrittenAsAnObjectWriterWritesThem() throws Exception {
        JsonNode tree = OciJson.readTree(manifest("docker-hub-config-docker.json"));
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("    ", "\n"));
        String expected = OciJson.mapper().writer(pp).writeValueAsString(tree);
        assertEquals(expected, OciJson.writeString(tree, pp));
        assertEquals(expected, OciJson.writeString(tree, pp), "the printer is copied, not used up");
        assertEquals(OciJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(tree),
                OciJson.writeString(tree, new DefaultPrettyPrinter()));
    }

    @Test
    void descriptorsWriteTheirOwnTree() throws Exception {
        Descriptor d = fullDescriptor(A);
        assertEquals(d, Descriptor.fromJson(d.toJson(), "test"));
        assertArrayEquals(OciJson.mapper().writeValueAsBytes(d), OciJson.write(d));
    }

    private static Map<String, String> nullValued() {
        Map<String, String> m = new HashMap<>();
        m.put("k", null);
        return m;
    }

    private static String bound(Object value) throws Exception {
        return new String(OciJson.mapper().writeValueAsBytes(value), StandardCharsets.UTF_8);
    }
}
