package dev.hoist.builder;

import dev.hoist.oci.Reference;
import dev.hoist.registry.client.RegistryClient;
import dev.hoist.registry.server.RegistryConfig;
import dev.hoist.registry.server.RegistryServer;
import dev.hoist.runtime.ContainerRuntime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Multi-stage builds whose stages run at the same time: what each stage needs, shared pulls, error lines. */
class StageSchedulingBuildTest {
    /** A shell loop waiting (at most a minute) for a file in the shared cache mount /rv. */
    private static final String WAIT = "i=0; while [ ! -e /rv/%1$s ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done;"
            + " test -e /rv/%1$s";
    private static final String RV = "RUN --mount=type=cache,id=rendezvous,target=/rv ";

    @TempDir
    Path dir;

    @BeforeEach
    void needsContainers() {
        assumeTrue(ContainerRuntime.supported(), "running containers needs Linux, root, namespaces and overlayfs");
    }

    @Test
    void copyFromExpandsWithTheStagesOwnArgs() throws Exception {
        HoistBuilds h = new HoistBuilds(dir).withBase();
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        // the global SRC names no stage and OTHER is not global: only the stage's own scope names gen and other
        // (RUN --mount from= takes no variables, as in BuildKit)
        Files.writeString(ctx.resolve("Dockerfile"), String.join("\n",
                "ARG SRC=nothing",
                "FROM " + HoistBuilds.BASE + " AS gen",
                "RUN echo generated > /g",
                "FROM " + HoistBuilds.BASE + " AS other",
                "RUN echo other > /o",
                "FROM " + HoistBuilds.BASE + " AS app",
                "ARG SRC=gen",
                "ARG OTHER",
                "COPY --from=$SRC /g /g",
                "COPY --from=${OTHER} /o /o",
                ""));
        BuildResult r = h.build(ctx, b -> b.buildArg("OTHER", "other"));
        Path fs = h.rootfs(r.image());
        assertEquals("generated\n", Files.readString(fs.resolve("g")), h.progress());
        assertEquals("other\n", Files.readString(fs.resolve("o")), h.progress());
    }

    @Test
    void parallelStagesPullTheirSharedBaseOnce() throws Exception {
        HoistBuilds h = new HoistBuilds(dir).withBase();
        RegistryServer server = RegistryServer.start(RegistryConfig.defaults(dir.resolve("server")).withListen("127.0.0.1:0"));
        RegistryClient client = RegistryClient.builder(h.images).environment(Map.of()).build();
        try {
            String base = "127.0.0.1:" + server.port() + "/team/base:1";
            client.push(h.images.resolve(HoistBuilds.BASE), Reference.parseNormalized(base));
            Path ctx = Files.createDirectories(dir.resolve("ctx"));
            Files.writeString(ctx.resolve("Dockerfile"), String.join("\n",
                    "FROM " + base + " AS a",
                    "RUN echo a > /a",
                    "FROM " + base + " AS b",
                    "RUN echo b > /b",
                    "FROM scratch",
                    "COPY --from=a /a /a",
                    "COPY --from=b /b /b",
                    ""));
            Builder builder = Builder.builder(h.images, new ContainerRuntime(h.images.root().path()), client).build();
            long before = manifestGets(server);
            BuildResult r = builder.build(BuildRequest.builder(ctx).pull(true)
                    .progress(new java.io.PrintStream(h.progress, true, java.nio.charset.StandardCharsets.UTF_8)).build());
            assertEquals(1, manifestGets(server) - before, h.progress());
            assertEquals("b\n", Files.readString(h.rootfs(r.image()).resolve("b")));
        } finally {
            client.close();
            server.close();
        }
    }

    @Test
    void anErrorLineCarriesTheFailingStagesOwnStep() throws Exception {
        HoistBuilds h = new HoistBuilds(dir).withBase();
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        // b numbers a step after a's RUN has started (b-late), and a fails only after that
        Files.writeString(ctx.resolve("Dockerfile"), String.join("\n",
                "FROM " + HoistBuilds.BASE + " AS a",
                RV + "touch /rv/a-started && " + WAIT.formatted("b-late") + " && exit 3",
                "FROM " + HoistBuilds.BASE + " AS b",
                RV + WAIT.formatted("a-started"),
                RV + "touch /rv/b-late && " + WAIT.formatted("never") + "; echo b > /b",
                "FROM scratch",
                "COPY --from=a /a /a",
                "COPY --from=b /b /b",
                ""));
        BuildException e = assertThrows(BuildException.class, () -> h.build(ctx));
        assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
        String progress = h.progress();
        int failing = step(progress, "#(\\d+) \\[a 2/2\\] RUN ");
        int later = step(progress, "#(\\d+) \\[b 3/3\\] RUN ");
        assertTrue(later > failing, progress);
        Matcher error = Pattern.compile("(?m)^#(\\d+) ERROR: (.*)$").matcher(progress);
        assertTrue(error.find(), progress);
        assertEquals(failing, Integer.parseInt(error.group(1)), progress);
        assertTrue(error.group(2).startsWith("[a 2/2] ") && error.group(2).contains("exit code 3"), progress);
    }

    @Test
    void lockedCacheMountsTakeTurnsAcrossParallelStages() throws Exception {
        HoistBuilds h = new HoistBuilds(dir).withBase();
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        // b's second RUN asks for the locked cache while a's RUN still holds it (mkdir fails on a second holder)
        String locked = "RUN --mount=type=cache,id=rendezvous,target=/rv --mount=type=cache,id=lk,target=/c,sharing=locked ";
        Files.writeString(ctx.resolve("Dockerfile"), String.join("\n",
                "FROM " + HoistBuilds.BASE + " AS a",
                locked + "mkdir /c/busy && touch /rv/a-in && sleep 1.5 && rmdir /c/busy && echo a > /a",
                "FROM " + HoistBuilds.BASE + " AS b",
                RV + WAIT.formatted("a-in"),
                locked + "mkdir /c/busy && rmdir /c/busy && echo b > /b",
                "FROM scratch",
                "COPY --from=a /a /a",
                "COPY --from=b /b /b",
                ""));
        BuildResult r = h.build(ctx);
        assertEquals("b\n", Files.readString(h.rootfs(r.image()).resolve("b")), h.progress());
        assertTrue(h.progress().contains("waiting for the cache mount lk"), h.progress());
    }

    @Test
    void privateCacheMountsGiveParallelStagesAnInstanceEach() throws Exception {
        HoistBuilds h = new HoistBuilds(dir).withBase();
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        // both RUNs hold the cache at once: each must have its own instance, whichever started first
        String priv = "RUN --mount=type=cache,id=rendezvous,target=/rv --mount=type=cache,id=pv,target=/c,sharing=private ";
        Files.writeString(ctx.resolve("Dockerfile"), String.join("\n",
                "FROM " + HoistBuilds.BASE + " AS a",
                priv + "touch /c/from-a && touch /rv/a-in && " + WAIT.formatted("b-done") + " && ls /c > /a",
                "FROM " + HoistBuilds.BASE + " AS b",
                priv + WAIT.formatted("a-in") + " && ls /c > /b && touch /rv/b-done",
                "FROM scratch",
                "COPY --from=a /a /a",
                "COPY --from=b /b /b",
                ""));
        BuildResult r = h.build(ctx);
        Path fs = h.rootfs(r.image());
        assertEquals("from-a\n", Files.readString(fs.resolve("a")), h.progress());
        assertEquals("", Files.readString(fs.resolve("b")), h.progress());
        assertTrue(!h.progress().contains("waiting for the cache mount"), h.progress());
    }

    private static int step(String progress, String regex) {
        Matcher m = Pattern.compile(regex).matcher(progress);
        assertTrue(m.find(), progress);
        return Integer.parseInt(m.group(1));
    }

    /** The manifest GETs the registry has answered, from its metrics. */
    private static long manifestGets(RegistryServer server) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        long n = 0;
        for (String line : res.body().lines().toList()) {
            if (line.startsWith("hoist_registry_http_requests_total{route=\"manifest\",method=\"GET\"")) {
                n += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return n;
    }
}
