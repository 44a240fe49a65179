package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
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

class ImageConfigTest {

    @ParameterizedTest
    @ValueSource(strings = {"oci-config.json", "docker-hub-config-docker.json", "docker-hub-config-fedora.json"})
    void keepsExactBytesAndDigestsThem(String file) throws Exception {
        byte[] bytes = manifest(file);
        ImageConfig c = ImageConfig.parse(bytes);
        assertArrayEquals(bytes, c.bytes());
        assertEquals(Digest.sha256(bytes), c.digest());
        assertSame(c, c.toBuilder().build());
    }

    @Test
    void ociSpecExample() throws Exception {
        ImageConfig c = ImageConfig.parse(manifest("oci-config.json"));
        assertEquals("2015-10-31T22:22:56.015925234Z", c.created());
        assertEquals(Instant.parse("2015-10-31T22:22:56.015925234Z"), c.createdInstant());
        assertEquals("Alyssa P. Hacker <alyspdev@example.com>", c.author());
        assertEquals(new Platform("linux", "amd64"), c.platform().orElseThrow());
        ContainerConfig cc = c.config();
        assertEquals("alice", cc.user());
        assertEquals(Set.of("8080/tcp"), cc.exposedPorts());
        assertEquals(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=oci_is_a", "BAR=well_written_spec"), cc.env());
        assertEquals("oci_is_a", cc.envMap().get("FOO"));
        assertEquals(List.of("/bin/my-app-binary"), cc.entrypoint());
        assertEquals(List.of("--foreground", "--config", "/etc/my-app.d/default.cfg"), cc.cmd());
        assertEquals(List.of("/var/job-result-data", "/var/log/my-app-logs"), List.copyOf(cc.volumes()));
        assertEquals("/home/alice", cc.workingDir());
        assertEquals("https://example.com/project.git", cc.labels().get("com.example.project.git.url"));
        assertEquals(RootFs.LAYERS, c.rootfs().type());
        assertEquals(List.of(Digest.parse("sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1"),
                Digest.parse("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")), c.diffIds());
        assertEquals(2, c.history().size());
        assertFalse(c.history().get(0).isEmptyLayer());
        assertTrue(c.history().get(1).isEmptyLayer());
        assertEquals("/bin/sh -c #(nop) CMD [\"sh\"]", c.history().get(1).createdBy());
        assertNull(c.containerConfig());
        assertNull(c.dockerVersion());
    }

    @Test
    void dockerInspectStyleConfig() throws Exception {
        ImageConfig c = ImageConfig.parse(manifest("docker-hub-config-docker.json"));
        assertEquals("sha256:5359a4f250650c20227055957e353e8f8a74152f35fe36f00b6b1f9fc19c8861", c.digest().toString(),
                "the digest of a config is the image ID Docker shows");
        assertEquals("881be788b4387039b52fa195da9fe26f264385aa497ce650cfdcf3806c2d2021", c.container());
        assertEquals("1.10.3", c.dockerVersion());
        ContainerConfig cc = c.config();
        assertEquals("e5e5b3910a57", cc.hostname());
        assertEquals("", cc.domainname());
        assertEquals(Boolean.FALSE, cc.attachStdin());
        assertEquals(Boolean.FALSE, cc.tty());
        assertEquals(Boolean.TRUE, cc.argsEscaped());
        assertEquals("sha256:bda352ba7ab5823b7dc74b380c5ad1699edee278a6d2ebbe451129b108778742", cc.image());
        assertEquals(Set.of(), cc.volumes(), "\"Volumes\":null reads as empty");
        assertEquals(List.of(), cc.onBuild());
        assertEquals(Map.of(), cc.labels());
        assertEquals(List.of("docker-entrypoint.sh"), cc.entrypoint());
        assertEquals(List.of("/bin/sh", "-c", "#(nop) CMD [\"sh\"]"), c.containerConfig().cmd());
        assertEquals(9, c.history().size());
        assertEquals(4, c.diffIds().size());
        assertEquals(c.diffIds().size(), c.history().stream().filter(h -> !h.isEmptyLayer()).count(), "one non-empty history entry per layer");
        assertTrue(c.history().get(5).createdBy().contains("\t&& echo"), "JSON escapes are decoded");
    }

    @Test
    void nullCmdAndEscapedAuthor() throws Exception {
        ImageConfig c = ImageConfig.parse(manifest("docker-hub-config-fedora.json"));
        assertEquals("Patrick Uiterwijk <patrick@puiterwijk.org>", c.author());
        assertEquals(List.of(), c.config().cmd());
        assertEquals(List.of(), c.config().entrypoint());
        assertEquals("sha256:a20665eb1fe2912accb3d5dadaed360430df0d1aa46874875886947d61d3d4ee", c.digest().toString());
    }

    @Test
    void dockerExtrasAndUnknownFieldsSurviveModifyAndWrite() throws Exception {
        ImageConfig c = ImageConfig.parse(manifest("docker-hub-config-docker.json"));
        ImageConfig changed = c.toBuilder()
                .config(c.config().withEnv("DOCKER_VERSION", "24.0.7").withLabel("org.example", "yes"))
                .addLayer(Digest.sha256("new layer"), History.of(Instant.parse("2024-02-03T04:05:06.700Z"), "RUN true", false))
                .build();
        ObjectNode before = c.json();
        ObjectNode after = changed.json();
        for (String field : List.of("container", "container_config", "docker_version", "architecture", "os", "created")) {
            assertEquals(before.get(field), after.get(field), field);
        }
        JsonNode config = after.get("config");
        assertEquals("e5e5b3910a57", config.get("Hostname").asText());
        assertTrue(config.get("Volumes").isNull(), "untouched nulls stay null");
        assertEquals(0, config.get("OnBuild").size(), "untouched empty arrays stay");
        assertEquals("DOCKER_VERSION=24.0.7", config.get("Env").get(2).asText());
        assertEquals("yes", config.get("Labels").get("org.example").asText());
        assertEquals(5, after.get("rootfs").get("diff_ids").size());
        assertEquals(10, after.get("history").size());
        assertEquals("{\"created\":\"2024-02-03T04:05:06.7Z\",\"created_by\":\"RUN true\"}", OciJson.writeString(after.get("history").get(9)));
        assertEquals(before.get("history").get(8), after.get("history").get(8));
        List<String> keys = new java.util.ArrayList<>();
        after.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("architecture", "config", "container", "container_config", "created", "docker_version", "history", "os", "rootfs"), keys,
                "the original key order is kept");
        ImageConfig reread = ImageConfig.parse(changed.bytes());
        assertEquals(changed.config(), reread.config());
        assertEquals(changed.containerConfig(), reread.containerConfig());
        assertEquals(changed.history(), reread.history());
        assertEquals(changed.digest(), reread.digest());
    }

    @Test
    void fieldsOutsideTheSpecSurvive() throws Exception {
        ImageConfig c = ImageConfig.parse(manifest("oci-config.json"));
        ImageConfig changed = c.toBuilder().config(c.config().toBuilder().user("bob").build()).build();
        JsonNode config = changed.json().get("config");
        assertEquals("bob", config.get("User").asText());
        assertEquals(2048, config.get("Memory").asInt());
        assertEquals(4096, config.get("MemorySwap").asInt());
        assertEquals(8, config.get("CpuShares").asInt());
        assertEquals(c.json().get("rootfs"), changed.json().get("rootfs"));
    }

    @Test
    void freshConfigIsCompactAndDeterministic() {
        ContainerConfig cc = ContainerConfig.builder()
                .env("PATH=/usr/bin:/bin")
                .entrypoint("/app")
                .cmd("--serve")
                .exposedPorts(Set.of("8080/tcp", "443/tcp"))
                .labels(Map.of("z", "1", "a", "2"))
                .workingDir("/srv")
                .healthcheck(new Healthcheck(List.of("CMD", "true"), Duration.ofSeconds(30), Duration.ofSeconds(3), null, null, 3))
                .build();
        ImageConfig c = ImageConfig.builder()
                .platform(Platform.parse("linux/arm64"))
                .created(Instant.parse("2024-01-01T00:00:00Z"))
                .config(cc)
                .addLayer(Digest.sha256("base"), History.of(Instant.parse("2024-01-01T00:00:00Z"), "COPY . /", false))
                .addHistory(History.of(Instant.parse("2024-01-01T00:00:00Z"), "CMD [\"--serve\"]", true))
                .build();
        assertEquals("{\"created\":\"2024-01-01T00:00:00Z\",\"architecture\":\"arm64\",\"os\":\"linux\","
                + "\"config\":{\"ExposedPorts\":{\"443/tcp\":{},\"8080/tcp\":{}},\"Env\":[\"PATH=/usr/bin:/bin\"],\"Entrypoint\":[\"/app\"],"
                + "\"Cmd\":[\"--serve\"],\"WorkingDir\":\"/srv\",\"Labels\":{\"a\":\"2\",\"z\":\"1\"},"
                + "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":30000000000,\"Timeout\":3000000000,\"Retries\":3}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256("base") + "\"]},"
                + "\"history\":[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"COPY . /\"},"
                + "{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"CMD [\\\"--serve\\\"]\",\"empty_layer\":true}]}",
                c.toJsonString());
        ImageConfig again = ImageConfig.builder().platform(Platform.parse("linux/arm64")).created(Instant.parse("2024-01-01T00:00:00Z"))
                .config(cc).rootfs(RootFs.layers(List.of(Digest.sha256("base")))).history(c.history()).build();
        assertEquals(c.digest(), again.digest());

        ImageConfig minimal = ImageConfig.builder().os("linux").architecture("amd64").build();
        assertEquals("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", minimal.toJsonString());
        assertThrows(IllegalStateException.class, () -> ImageConfig.builder().os("linux").build());
    }

    @Test
    void healthcheckAndDockerExtensionsRoundTrip() throws Exception {
        String json = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"curl -f localhost\"],"
                + "\"Interval\":5000000000,\"Timeout\":1000000000,\"StartPeriod\":2000000000,\"StartInterval\":500000000,\"Retries\":2},"
                + "\"OnBuild\":[\"RUN make\"],\"Shell\":[\"/bin/bash\",\"-c\"],\"StopSignal\":\"SIGQUIT\",\"StopTimeout\":20,\"ArgsEscaped\":true},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"os.version\":\"10.0.17763\",\"os.features\":[\"win32k\"],\"variant\":\"v3\"}";
        ImageConfig c = ImageConfig.parse(utf8(json));
        Healthcheck h = c.config().healthcheck();
        assertEquals(List.of("CMD-SHELL", "curl -f localhost"), h.test());
        assertEquals(Duration.ofSeconds(5), h.interval());
        assertEquals(Duration.ofSeconds(1), h.timeout());
        assertEquals(Duration.ofSeconds(2), h.startPeriod());
        assertEquals(Duration.ofMillis(500), h.startInterval());
        assertEquals(2, h.retries());
        assertEquals(List.of("RUN make"), c.config().onBuild());
        assertEquals(List.of("/bin/bash", "-c"), c.config().shell());
        assertEquals("SIGQUIT", c.config().stopSignal());
        assertEquals(20, c.config().stopTimeout());
        assertEquals("10.0.17763", c.osVersion());
        assertEquals(List.of("win32k"), c.osFeatures());
        assertEquals("v3", c.platform().orElseThrow().variant());
        JsonNode written = OciJson.mapper().readTree(OciJson.write(c.config()));
        assertEquals(OciJson.mapper().readTree(json).get("config"), written);
    }

    @Test
    void badFieldsAreNamed() {
        InvalidContentException e = assertThrows(InvalidContentException.class, () -> ImageConfig.parse(utf8(
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:nothex\"]}}")));
        assertTrue(e.getMessage().startsWith("invalid image config: rootfs.diff_ids[0]: invalid digest"), e.getMessage());
        InvalidContentException ports = assertThrows(InvalidContentException.class, () -> ImageConfig.parse(utf8(
                "{\"config\":{\"ExposedPorts\":[\"80/tcp\"]}}")));
        assertTrue(ports.getMessage().contains("config.ExposedPorts"), ports.getMessage());
        InvalidContentException interval = assertThrows(InvalidContentException.class, () -> ImageConfig.parse(utf8(
                "{\"config\":{\"Healthcheck\":{\"Interval\":\"5s\"}}}")));
        assertTrue(interval.getMessage().contains("config.Healthcheck.Interval"), interval.getMessage());
        assertThrows(InvalidContentException.class, () -> ImageConfig.parse(utf8("null")));
        assertMessage("{\"config\":{\"ExposedPorts\":[\"80/tcp\"]}}", "config.ExposedPorts: expected an object whose keys are the members, like {\"80/tcp\":{}}, got an array");
        assertMessage("{\"history\":[{\"empty_layer\":\"yes\"}]}", "history[0].empty_layer: expected true or false, got \"yes\"");
        assertMessage("{\"config\":{\"Env\":\"A=1\"}}", "config.Env: expected an array, got \"A=1\"");
        assertMessage("{\"config\":{\"StopTimeout\":1.5}}", "config.StopTimeout: expected a whole number, got 1.5");
        assertMessage("{\"created\":5}", "created: expected a string, got 5");
        assertMessage("{\"config\":{\"Labels\":{\"a\":true}}}", "config.Labels.a: expected a string, got true");
        assertMessage("{\"config\":{\"Env\":[null]}}", "config: null is not allowed here");
    }

    private static void assertMessage(String json, String expected) {
        InvalidContentException e = assertThrows(InvalidContentException.class, () -> ImageConfig.parse(utf8(json)));
        assertEquals("invalid image config: " + expected, e.getMessage());
        assertFalse(e.unsupported());
    }

    @Test
    void createdIsWrittenLikeGo() {
        assertEquals("2024-01-02T03:04:05Z", Rfc3339.format(Instant.parse("2024-01-02T03:04:05Z")));
        assertEquals("2024-01-02T03:04:05.1Z", Rfc3339.format(Instant.parse("2024-01-02T03:04:05.100Z")));
        assertEquals("2024-01-02T03:04:05.000000001Z", Rfc3339.format(Instant.parse("2024-01-02T03:04:05.000000001Z")));
        assertEquals(Instant.parse("2024-01-02T01:04:05Z"), Rfc3339.parse("2024-01-02T03:04:05+02:00"));
        assertNull(Rfc3339.parse("yesterday"));
    }

    @Test
    void envHelpers() {
        ContainerConfig c = ContainerConfig.builder().env("A=1", "B", "A=2").build();
        assertEquals(Map.of("A", "2", "B", ""), c.envMap());
        assertEquals(List.of("A=3", "B", "A=2"), c.withEnv("A", "3").env());
        assertEquals(List.of("A=1", "B", "A=2", "C=x"), c.withEnv("C", "x").env());
        assertEquals(Map.of(), c.withLabel("k", "v").withLabel("k", null).labels());
    }
}
