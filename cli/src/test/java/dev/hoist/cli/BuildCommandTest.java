package dev.hoist.cli;

import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import dev.hoist.testdata.Contexts;
import dev.hoist.testdata.HelloWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** hoist build as a user runs it: the testdata contexts, built, cached, tagged and run. */
class BuildCommandTest {
    @TempDir
    Path dir;

    private MainTest.Result hoist(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = dir.resolve("root").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return MainTest.run(Map.of(), all);
    }

    @Test
    void helloWorldFromScratchBuildsReproduciblyAndRuns() throws Exception {
        Path ctx = dir.resolve("hello");
        HelloWorld.writeContext(ctx);
        MainTest.Result b = hoist("build", "-t", "hello", "--iidfile", dir.resolve("iid").toString(), ctx.toString());
        assertEquals(0, b.status(), b.err());
        assertTrue(b.out().contains("Successfully tagged hello:latest"), b.out());
        String id = Files.readString(dir.resolve("iid"));
        MainTest.Result again = hoist("build", "-q", "--no-cache", ctx.toString());
        assertEquals(id + "\n", again.out(), "same Dockerfile and context, same image ID: " + again.err());
        assumeTrue(ContainerRuntime.supported(), "running the result needs root");
        MainTest.Result run = hoist("run", "--rm", "hello");
        assertEquals(HelloWorld.GREETING, run.out(), run.err());
    }

    @Test
    void busyboxAppBuildsThenRebuildsFromCache() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "RUN steps need root");
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        Path ctx = dir.resolve("app");
        Contexts.copyTo("busybox-app", ctx);
        MainTest.Result first = hoist("build", "-t", "app:1", ctx.toString());
        assertEquals(0, first.status(), first.err());
        assertTrue(first.err().contains("RUN"), first.err());
        MainTest.Result second = hoist("build", "-t", "app:2", ctx.toString());
        assertEquals(0, second.status(), second.err());
        assertTrue(second.err().contains("CACHED"), second.err());
        assertEquals(hoist("inspect", "-f", "{{.Id}}", "app:1").out(), hoist("inspect", "-f", "{{.Id}}", "app:2").out());
    }

    @Test
    void aBadDockerfileAndAFailingRunSayWhere() throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nRUNN x\n");
        MainTest.Result bad = hoist("build", ctx.toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("Dockerfile:2:1: unknown instruction: RUNN"), bad.err());

        assumeTrue(ContainerRuntime.supported(), "RUN steps need root");
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:local\nRUN echo fine\nRUN echo broken >&2; exit 3\n");
        MainTest.Result failing = hoist("build", ctx.toString());
        assertEquals(1, failing.status());
        assertTrue(failing.err().contains("Dockerfile:3") && failing.err().contains("broken"), failing.err());
    }
}
