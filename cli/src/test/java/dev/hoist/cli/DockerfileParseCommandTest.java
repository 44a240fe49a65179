package dev.hoist.cli;

import dev.hoist.testdata.Contexts;
import dev.hoist.testdata.HelloWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerfileParseCommandTest {
    @TempDir
    Path dir;

    @Test
    void parsesEveryDockerfileInTestdata() throws Exception {
        List<Path> files = new ArrayList<>();
        for (String name : Contexts.names()) {
            Path ctx = dir.resolve(name);
            Contexts.copyTo(name, ctx);
            files.add(ctx.resolve("Dockerfile"));
        }
        Path hello = dir.resolve("hello-generated");
        HelloWorld.writeContext(hello);
        files.add(hello.resolve("Dockerfile"));
        assertFalse(files.isEmpty());
        for (Path f : files) {
            MainTest.Result r = MainTest.run(java.util.Map.of(), "dockerfile", "parse", "-f", f.toString());
            assertEquals(0, r.status(), f + ": " + r.err());
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("(from ")), r.out());
        }
    }

    @Test
    void parsesEveryDockerfileInTheReadme() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("```dockerfile\\n(.*?)```", Pattern.DOTALL).matcher(text);
        int n = 0;
        while (m.find()) {
            Path f = dir.resolve("readme-" + n++ + ".Dockerfile");
            Files.writeString(f, m.group(1));
            MainTest.Result r = MainTest.run(java.util.Map.of(), "dockerfile", "parse", "-f", f.toString());
            assertEquals(0, r.status(), "README Dockerfile " + n + ": " + r.err());
        }
        assertTrue(n > 0, "the README shows at least one Dockerfile");
    }

    @Test
    void aBadLineIsReportedWithItsLocation() throws Exception {
        Path f = dir.resolve("Dockerfile");
        Files.writeString(f, "FROM busybox\nRUNN echo\n");
        MainTest.Result r = MainTest.run(java.util.Map.of(), "dockerfile", "parse", "-f", f.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains(":2:1: unknown instruction: RUNN (did you mean RUN?)"), r.err());
    }
}
