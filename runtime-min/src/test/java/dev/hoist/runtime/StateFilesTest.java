package dev.hoist.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** state.json: written by hand with the bytes data binding wrote, read back, damaged files are absent. */
class StateFilesTest {
    @TempDir
    Path dir;

    private static final StateFiles.Saved FULL = new StateFiles.Saved("0123abcd", "web", "busybox:local",
            List.of("sh", "-c", "echo \"hi\" \u00e9"), "2024-05-01T12:00:00.5Z", 4242);

    @Test
    void writesWhatDataBindingWroteAndReadsItBack() throws Exception {
        StateFiles.Saved sparse = new StateFiles.Saved("id", null, null, null, null, 0);
        for (StateFiles.Saved saved : List.of(FULL, sparse)) {
            assertArrayEquals(new ObjectMapper().writeValueAsBytes(saved), StateFiles.toJson(saved));
            assertEquals(saved, StateFiles.fromJson(StateFiles.toJson(saved)));
        }
        StateFiles.writeSaved(dir, FULL);
        assertEquals(Optional.of(FULL), StateFiles.readSaved(dir));
    }

    @Test
    void ignoresUnknownMembers() throws Exception {
        String json = "{\"future\":{\"a\":[1,{\"b\":null}]},\"id\":\"x\",\"helperPid\":7,\"command\":[\"true\"],\"more\":[]}";
        assertEquals(new StateFiles.Saved("x", null, null, List.of("true"), null, 7),
                StateFiles.fromJson(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void refusesWrongTypes() throws Exception {
        for (String json : List.of("[]", "{\"id\":1}", "{\"helperPid\":\"7\"}", "{\"command\":\"sh\"}", "{\"command\":[1]}", "{\"id\":")) {
            assertThrows(IOException.class, () -> StateFiles.fromJson(json.getBytes(StandardCharsets.UTF_8)), json);
        }
        Files.writeString(dir.resolve(StateFiles.STATE), "{\"id\":");
        assertEquals(Optional.empty(), StateFiles.readSaved(dir));
    }
}
