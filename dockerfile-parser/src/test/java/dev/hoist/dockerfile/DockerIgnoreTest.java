package dev.hoist.dockerfile;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerIgnoreTest {

    /** One case of the table: the file's lines and the expectations. */
    private record Case(String title, List<String> lines, List<String[]> checks) {
    }

    private static List<Case> table() throws IOException {
        String text;
        try (InputStream in = DockerIgnoreTest.class.getResourceAsStream("/dockerignore/table")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> cases = new ArrayList<>();
        Case current = null;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("== ")) {
                current = new Case(line.substring(3), new ArrayList<>(), new ArrayList<>());
                cases.add(current);
            } else if (line.startsWith("> ") && current != null) {
                current.lines().add(line.substring(2));
            } else if (line.contains(" => ") && current != null) {
                current.checks().add(line.split(" => ", 2));
            }
        }
        return cases;
    }

    @TestFactory
    List<DynamicTest> dockerIgnoreTable() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : table()) {
            tests.add(DynamicTest.dynamicTest(c.title(), () -> {
                String eol = c.title().contains("CRLF") ? "\r\n" : "\n";
                byte[] content = (String.join(eol, c.lines()) + eol).getBytes(StandardCharsets.UTF_8);
                for (String[] check : c.checks()) {
                    if (check[0].equals("error")) {
                        DockerfileException e = assertThrows(DockerfileException.class,
                                () -> DockerIgnore.parse(".dockerignore", content));
                        assertEquals(check[1], e.reason());
                        continue;
                    }
                    DockerIgnore ignore = DockerIgnore.parse(".dockerignore", content);
                    assertEquals(check[1].equals("excluded"), ignore.excludes(check[0]), check[0]);
                }
            }));
        }
        return tests;
    }

    @Test
    void patternsAreListedCleaned() throws Exception {
        DockerIgnore ignore = DockerIgnore.parse(".dockerignore",
                "# c\n/a/\n!./b//c\n\n  d  \n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("a", "!b/c", "d"), ignore.patterns());
        assertTrue(ignore.hasExceptions());
        assertFalse(DockerIgnore.EMPTY.excludes("anything"));
    }

    @Test
    void errorsNameTheFileAndLine() {
        DockerfileException e = assertThrows(DockerfileException.class,
                () -> DockerIgnore.parse("ctx/.dockerignore", "ok\n\n[\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("ctx/.dockerignore:3: syntax error in pattern \"[\"", e.getMessage());
    }

    @Test
    void theDockerfileAndTheIgnoreFileAreAlwaysSent(@TempDir Path ctx) throws Exception {
        Files.writeString(ctx.resolve(".dockerignore"), "*\n!src\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\n");
        DockerIgnore ignore = DockerIgnore.load(ctx, ctx.resolve("Dockerfile"));
        assertFalse(ignore.excludes("Dockerfile"));
        assertFalse(ignore.excludes(".dockerignore"));
        assertFalse(ignore.excludes("src/main.go"));
        assertTrue(ignore.excludes("secret.txt"));
    }

    @Test
    void aDockerfileSpecificIgnoreFileWins(@TempDir Path ctx) throws Exception {
        Files.createDirectories(ctx.resolve("build"));
        Files.writeString(ctx.resolve(".dockerignore"), "*.log\n");
        Files.writeString(ctx.resolve("build/app.Dockerfile"), "FROM scratch\n");
        Files.writeString(ctx.resolve("build/app.Dockerfile.dockerignore"), "*.tmp\nbuild\n");
        assertEquals(ctx.resolve("build/app.Dockerfile.dockerignore"),
                DockerIgnore.locate(ctx, ctx.resolve("build/app.Dockerfile")).orElseThrow());
        DockerIgnore ignore = DockerIgnore.load(ctx, ctx.resolve("build/app.Dockerfile"));
        assertTrue(ignore.excludes("x.tmp"));
        assertFalse(ignore.excludes("x.log"));
        assertTrue(ignore.excludes("build/other"));
        assertFalse(ignore.excludes("build/app.Dockerfile"));
        assertFalse(ignore.excludes("build/app.Dockerfile.dockerignore"));
        assertEquals(ctx.resolve(".dockerignore"), DockerIgnore.locate(ctx, ctx.resolve("Dockerfile")).orElseThrow());
    }

    @Test
    void noIgnoreFileIgnoresNothing(@TempDir Path ctx) throws Exception {
        assertTrue(DockerIgnore.locate(ctx, ctx.resolve("Dockerfile")).isEmpty());
        assertFalse(DockerIgnore.load(ctx, ctx.resolve("Dockerfile")).excludes("a"));
    }

    @Test
    void goPathCleaning() {
        assertEquals(".", DockerIgnore.clean(""));
        assertEquals("/", DockerIgnore.clean("//"));
        assertEquals("a/c", DockerIgnore.clean("a/b/../c/."));
        assertEquals("../a", DockerIgnore.clean("../a"));
        assertEquals("/a", DockerIgnore.clean("/../a"));
        assertEquals(".", DockerIgnore.clean("a/.."));
        assertEquals("../..", DockerIgnore.clean("a/../../.."));
    }
}
