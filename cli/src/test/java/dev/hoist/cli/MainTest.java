package dev.hoist.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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

    /** Runs {@code args} with {@code --root root}, a directory of its own per root name, as several tests keep. */
    static Result inRoot(Path root, Map<String, String> env, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = root.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return run(env, all);
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
    void everyCommandHasHelp() {
        int seen = 0;
        java.util.ArrayDeque<Object[]> todo = new java.util.ArrayDeque<>();
        todo.add(new Object[] {"", Commands.top()});
        while (!todo.isEmpty()) {
            Object[] next = todo.poll();
            String prefix = (String) next[0];
            CommandGroup group = (CommandGroup) next[1];
            for (Command c : group.commands) {
                String path = prefix + c.name();
                java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(path.split(" ")));
                argv.add("--help");
                Result r = run(Map.of(), argv.toArray(String[]::new));
                assertEquals(0, r.status(), path + ": " + r.err());
                assertTrue(r.out().startsWith("Usage:  hoist " + path), r.out());
                assertTrue(r.out().contains(c.summary()), r.out());
                seen++;
            }
            for (CommandGroup g : group.groups) {
                Result r = run(Map.of(), (prefix + g.name).split(" "));
                assertEquals(0, r.status(), g.name + ": " + r.err());
                assertTrue(r.out().contains("Commands:"), r.out());
                todo.add(new Object[] {prefix + g.name + " ", g});
            }
        }
        assertTrue(seen >= 10, "commands seen: " + seen);
    }

    @Test
    void everyTopLevelCommandIsFoundWithoutTheTree() {
        for (Command c : Commands.top().commands) {
            Command direct = Commands.direct(c.name());
            assertTrue(direct != null && direct.getClass() == c.getClass(),
                    c.name() + ": Commands.direct gives " + direct + ", the tree has " + c.getClass().getName());
        }
        for (CommandGroup g : Commands.top().groups) {
            assertEquals(null, Commands.direct(g.name), g.name + " is a group");
        }
        assertEquals(null, Commands.direct("no-such-command"));
    }

    @Test
    void wrongArgumentCountsAreUsageErrors() {
        Result r = run(Map.of(), "tag", "only-one");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("\"hoist tag\" requires exactly 2 arguments."), r.err());
        assertTrue(r.err().contains("Usage:  hoist tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]"), r.err());
    }

    @Test
    void unknownCommandIsAUsageError() {
        Result r = run(Map.of(), "frobnicate");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("'frobnicate' is not a hoist command"), r.err());
    }
}
