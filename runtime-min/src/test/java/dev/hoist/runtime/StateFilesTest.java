package dev.hoist.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** state.json: written, read back, older files read with defaults, damaged files are absent. */
class StateFilesTest {
    @TempDir
    Path dir;

    private static final ContainerState.Settings SETTINGS = new ContainerState.Settings(List.of("PATH=/bin", "A=\u00e9", "B=line\nbreak\t\"q\" \\ \u0001"),
            "/work", "nobody:users", "box", NetworkMode.HOST, new Limits(64L << 20, -1, 0.5, 512, 20), true, true, false,
            true, List.of(Mount.bind(Path.of("/srv/data"), "/data", true), Mount.tmpfs("/run", "size=1m")), true);

    private static final StateFiles.Saved FULL = new StateFiles.Saved("0123abcd",
            new ContainerInfo("web", "busybox:local", "sha256:abc", List.of("/init"), List.of("sh", "-c", "echo \"hi\""),
                    Map.of("b", "2", "a", "1"), true, Path.of("/root/container-layers/0123abcd")),
            List.of("/init", "sh", "-c", "echo \"hi\""), "2024-05-01T12:00:00.5Z", 4242, SETTINGS);

    @Test
    void writesAndReadsBack() throws Exception {
        assertEquals(FULL, StateFiles.fromJson(StateFiles.toJson(FULL)));
        JsonNode json = new ObjectMapper().readTree(StateFiles.toJson(FULL));   // JSON as any reader takes it
        assertEquals("B=line\nbreak\t\"q\" \\ \u0001", json.get("env").get(2).asText());
        assertEquals(500_000_000L, json.get("nanoCpus").asLong());
        assertEquals("{\"a\":\"1\",\"b\":\"2\"}", json.get("labels").toString());
        StateFiles.writeSaved(dir, FULL);
        assertEquals(Optional.of(FULL), StateFiles.readSaved(dir));
    }

    @Test
    void readsTheStateOfAnOlderHoistWithDefaults() throws Exception {
        String json = "{\"id\":\"x\",\"name\":\"web\",\"image\":\"img\",\"command\":[\"true\"],\"created\":null,\"helperPid\":7}";
        StateFiles.Saved saved = StateFiles.fromJson(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(new ContainerInfo("web", "img", null, null, null, null, false, null), saved.info());
        assertEquals(new ContainerState.Settings(List.of(), "/", "", "", NetworkMode.NONE, Limits.NONE, false, false,
                false, false, List.of(), false), saved.settings());
        assertEquals(List.of("true"), saved.command());
        assertEquals(7, saved.helperPid());
    }

    @Test
    void timesAreWrittenAsInstantWritesThem() {
        for (String t : List.of("2024-05-01T12:00:00Z", "2024-05-01T12:00:01Z", "2024-05-01T12:00:00.500Z",
                "1999-12-31T23:59:59.123456789Z", "2024-02-29T00:00:00.000001Z", "1970-01-01T00:00:00Z",
                "2000-02-29T23:59:59.999Z", "2100-03-01T00:00:00Z", "9999-12-31T23:59:59Z")) {
            java.time.Instant i = java.time.Instant.parse(t);
            assertEquals(i.toString(), StateFiles.iso(i));
        }
        java.util.Random random = new java.util.Random(1);
        for (int n = 0; n < 10_000; n++) {
            java.time.Instant i = java.time.Instant.ofEpochSecond(random.nextLong(253_402_300_800L), random.nextInt(1_000_000_000));
            assertEquals(i.toString(), StateFiles.iso(i));
        }
    }

    @Test
    void ignoresUnknownMembers() throws Exception {
        String json = "{\"future\":{\"a\":[1,{\"b\":null}]},\"id\":\"x\",\"helperPid\":7,\"command\":[\"true\"],\"more\":[]}";
        StateFiles.Saved saved = StateFiles.fromJson(json.getBytes(StandardCharsets.UTF_8));
        assertEquals("x", saved.id());
        assertEquals(List.of("true"), saved.command());
    }

    @Test
    void refusesWrongTypes() throws Exception {
        for (String json : List.of("[]", "{\"id\":1}", "{\"helperPid\":\"7\"}", "{\"command\":\"sh\"}", "{\"command\":[1]}",
                "{\"id\":", "{\"autoRemove\":1}", "{\"network\":\"carrier-pigeon\"}", "{\"mounts\":[{\"type\":\"bind\"}]}",
                "{\"nanoCpus\":\"1\"}", "{\"labels\":[]}")) {
            assertThrows(IOException.class, () -> StateFiles.fromJson(json.getBytes(StandardCharsets.UTF_8)), json);
        }
        Files.writeString(dir.resolve(StateFiles.STATE), "{\"id\":");
        assertEquals(Optional.empty(), StateFiles.readSaved(dir));
    }
}
