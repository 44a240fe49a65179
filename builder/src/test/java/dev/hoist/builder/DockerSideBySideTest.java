package dev.hoist.builder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.hoist.cache.archive.DockerArchiveWriter;
import dev.hoist.cache.image.Image;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import dev.hoist.testdata.Contexts;
import dev.hoist.testdata.HelloWorld;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every context in testdata built by hoist and by the peer Docker daemon's classic builder ({@code DOCKER_BUILDKIT=0};
 * the peer has no buildx) gives the same files, owners, modes, link targets and config; an image hoist saved loads
 * into Docker and runs with the output of the image Docker built. File times are not compared: Docker keeps the
 * context's mtimes, hoist clamps every time it writes to {@code SOURCE_DATE_EPOCH} (reproducible builds, by design).
 * Skipped without the peer daemon unless {@code HOIST_REQUIRE_PEERS=1}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerSideBySideTest {

    /** Contexts the classic builder cannot build, and why. Every other context is compared. */
    static final Map<String, String> NOT_COMPARED = Map.of(
            "buildkit-syntax", "here-documents, RUN --mount and COPY --chmod need BuildKit, which the peer lacks",
            "failing", "compared by aFailingStepFailsInBothWithTheSameExitCode",
            "interrupted", "its RUN sleeps until the build is interrupted (DockerfileConformanceTest)");

    /** Paths that {@code docker export} adds to every container (its init layer): ignored unless hoist has them. */
    private static final Set<String> INIT_LAYER = Set.of(".dockerenv", "dev", "dev/console", "dev/pts", "dev/shm",
            "etc", "etc/hostname", "etc/hosts", "etc/mtab", "etc/resolv.conf", "proc", "sys");

    /** The config fields compared, as Docker names them. */
    private static final List<String> CONFIG_FIELDS = List.of("Env", "Cmd", "Entrypoint", "WorkingDir", "User",
            "ExposedPorts", "Volumes", "Labels", "StopSignal", "Healthcheck", "OnBuild", "Shell");

    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;

    private HoistBuilds hoist;
    private String prefix;
    private String dockerBase;
    private final List<String> dockerTags = java.util.Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    void setUp(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        DockerPeer.assume();
        assumeTrue(ContainerRuntime.supported(), "building RUN steps needs Linux, root, namespaces and overlayfs");
        hoist = new HoistBuilds(dir).withBase();
        prefix = "hoist-sbs-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        dockerBase = prefix + "/busybox:local";
        DockerPeer.run("import", "--change", "CMD [\"sh\"]", Busybox.rootfsTar().toString(), dockerBase);
        dockerTags.add(dockerBase);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (!dockerTags.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rmi", "-f"));
            args.addAll(dockerTags);
            DockerPeer.exec(args.toArray(String[]::new));
        }
    }

    /** How one context is built on both sides: its build args and target. */
    private record Spec(String context, Map<String, String> hoistArgs, Map<String, String> dockerArgs, String target) {
    }

    @Test
    void everyContextBuildsTheSameImageAsDocker() throws Exception {
        String instructionsTag = prefix + "/instructions:1";
        Map<String, Spec> specs = new LinkedHashMap<>();
        specs.put("busybox-app", spec("busybox-app", ""));
        specs.put("cache", spec("cache", ""));
        specs.put("dockerignore", spec("dockerignore", ""));
        specs.put("hello", spec("hello", ""));
        specs.put("instructions", spec("instructions", ""));
        specs.put("multistage", spec("multistage", "final"));
        specs.put("onbuild-child", new Spec("onbuild-child", Map.of("BASE", instructionsTag),
                Map.of("BASE", instructionsTag), ""));
        Set<String> covered = new TreeSet<>(specs.keySet());
        covered.addAll(NOT_COMPARED.keySet());
        assertEquals(new TreeSet<>(Contexts.names()), covered, "every context is compared with Docker or says why not");

        // Docker builds one context after the other on a thread of its own, while hoist builds them here
        Map<String, Path> contexts = new LinkedHashMap<>();
        Map<String, Future<?>> dockerBuilds = new LinkedHashMap<>();
        ExecutorService docker = Executors.newSingleThreadExecutor();
        try {
            for (Spec s : specs.values()) {
                Path ctx = s.context().equals("hello")
                        ? HelloWorld.writeContext(dir.resolve("contexts/hello")).getParent() : hoist.context(s.context());
                contexts.put(s.context(), ctx);
                dockerBuilds.put(s.context(), docker.submit(() -> {
                    dockerBuild(ctx, tagOf(s.context(), instructionsTag), s);
                    return null;
                }));
            }
            List<String> differences = new ArrayList<>();
            for (Spec s : specs.values()) {
                Path ctx = contexts.get(s.context());
                String tag = tagOf(s.context(), instructionsTag);
                BuildResult built = hoist.build(ctx, r -> {
                    s.hoistArgs().forEach(r::buildArg);
                    r.target(s.target()).tag(tag);
                });
                dockerBuilds.get(s.context()).get();
                FileTree ours = hoist.tree(built.image());
                FileTree theirs = dockerTree(tag).withoutUnless(INIT_LAYER, ours);
                ours.diff(theirs).forEach(d -> differences.add(s.context() + ": " + d));
                compareConfig(s.context(), built.image(), tag, differences,
                        Files.readString(ctx.resolve("Dockerfile")).contains("\nMAINTAINER "));
            }
            assertEquals(List.of(), differences, "hoist and Docker built different images:\n"
                    + String.join("\n", differences));
        } finally {
            docker.shutdownNow();
        }
    }

    private String tagOf(String context, String instructionsTag) {
        return context.equals("instructions") ? instructionsTag : prefix + "/" + context + ":1";
    }

    @Test
    void aFailingStepFailsInBothWithTheSameExitCode() throws Exception {
        Path ctx = hoist.context("failing");
        BuildException e = org.junit.jupiter.api.Assertions.assertThrows(BuildException.class, () -> hoist.build(ctx));
        assertTrue(e.getMessage().contains("exit code 7"), e.getMessage());
        DockerPeer.Result r = DockerPeer.exec("build", "--build-arg", "BASE=" + dockerBase, "-t", prefix + "/failing:1",
                ctx.toString());
        assertNotEquals(0, r.code());
        assertTrue((r.out() + r.err()).contains("returned a non-zero code: 7"), r.out() + r.err());
        assertTrue(r.out().contains("about to fail") && e.getMessage().contains("about to fail"), r.out());
    }

    @Test
    void anImageHoistSavedLoadsIntoDockerAndRunsLikeDockersOwn() throws Exception {
        Path ctx = hoist.context("instructions");
        String ours = prefix + "/saved-by-hoist:1";
        String theirs = prefix + "/built-by-docker:1";
        BuildResult built = hoist.build(ctx, r -> r.tag(ours));
        dockerBuild(ctx, theirs, spec("instructions", ""));
        Path tar = dir.resolve("saved.tar");
        Image image = hoist.images.resolve(ours);
        new DockerArchiveWriter(hoist.images).write(List.of(image.withNames(List.of(ours))), tar);
        dockerTags.add(ours);
        DockerPeer.run("load", "-i", tar.toString());
        String loadedId = DockerPeer.run("image", "inspect", "--format", "{{.Id}}", ours).strip();
        assertEquals(built.image().id().toString(), loadedId, "docker load keeps the image ID");
        String expected = DockerPeer.run("run", "--rm", "--network", "none", theirs);
        String actual = DockerPeer.run("run", "--rm", "--network", "none", ours);
        assertTrue(expected.contains("app:app 2000:2000"), expected);
        assertEquals(expected, actual);
    }

    private Spec spec(String context, String target) {
        return new Spec(context, Map.of(), Map.of("BASE", dockerBase), target);
    }

    private void dockerBuild(Path ctx, String tag, Spec s) throws Exception {
        List<String> args = new ArrayList<>(List.of("build", "-q", "-t", tag));
        for (Map.Entry<String, String> a : s.dockerArgs().entrySet()) {
            if (Files.readString(ctx.resolve("Dockerfile")).contains("ARG " + a.getKey())) {
                args.addAll(List.of("--build-arg", a.getKey() + "=" + a.getValue()));
            }
        }
        if (!s.target().isEmpty()) {
            args.addAll(List.of("--target", s.target()));
        }
        args.add(ctx.toString());
        dockerTags.add(tag);
        DockerPeer.run(args.toArray(String[]::new));
    }

    private FileTree dockerTree(String tag) throws Exception {
        String id = DockerPeer.run("create", tag, "/none").strip();
        try {
            Path tar = dir.resolve("export-" + id + ".tar");
            DockerPeer.run("export", "-o", tar.toString(), id);
            try (InputStream in = Files.newInputStream(tar)) {
                return FileTree.ofTar(in);
            } finally {
                Files.delete(tar);
            }
        } finally {
            DockerPeer.exec("rm", "-f", id);
        }
    }

    /**
     * Compares the config fields Docker's inspect shows. The author only when the Dockerfile has a MAINTAINER: hoist
     * keeps the base image's author otherwise, the classic builder drops it (left as is; BuildKit to be checked).
     */
    private void compareConfig(String context, Image image, String tag, List<String> differences, boolean author)
            throws IOException, InterruptedException {
        JsonNode ours = JSON.readTree(image.config().bytes());
        JsonNode theirs = JSON.readTree(DockerPeer.run("image", "inspect", tag)).get(0);
        for (String field : CONFIG_FIELDS) {
            JsonNode a = normal(ours.path("config").path(field));
            JsonNode b = normal(theirs.path("Config").path(field));
            if (field.equals("Healthcheck") && isNone(a) && isNone(b)) {
                // the classic builder's commit fills the times of HEALTHCHECK NONE from the base image's check;
                // BuildKit and hoist keep only the test, which turns the check off all the same
                continue;
            }
            if (!a.equals(b)) {
                differences.add(context + ": config " + field + ": hoist " + a + ", docker " + b);
            }
        }
        if (!author) {
            return;
        }
        JsonNode a = normal(ours.path("author"));
        JsonNode b = normal(theirs.path("Author"));
        if (!a.equals(b)) {
            differences.add(context + ": author: hoist " + a + ", docker " + b);
        }
    }

    private static boolean isNone(JsonNode healthcheck) {
        JsonNode test = healthcheck.path("Test");
        return test.size() == 1 && test.get(0).asText().equals("NONE");
    }

    /** Absent, null, empty strings, lists and maps all mean "not set". */
    private static JsonNode normal(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull() || (n.isContainerNode() && n.isEmpty())
                || (n.isTextual() && n.asText().isEmpty())) {
            return NullNode.getInstance();
        }
        return n;
    }
}
