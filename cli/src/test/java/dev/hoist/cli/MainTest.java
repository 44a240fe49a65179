package dev.hoist.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    record Result(int status, String out, String err) {
    }

    static Result run(Map<String, String> env, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(new byte[0]), env, argv);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionAndHelp() {
        Result v = run(Map.of(), "--version");
        assertEquals(0, v.status());
        assertTrue(v.out().startsWith("hoist version "), v.out());
        Result h = run(Map.of(), "--help");
        assertEquals(0, h.status());
        assertTrue(h.out().contains("Usage:  hoist [OPTIONS] COMMAND"), h.out());
    }

    @Test
    void unknownCommandIsAUsageError() {
        Result r = run(Map.of(), "frobnicate");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("'frobnicate' is not a hoist command"), r.err());
    }
}
