package dev.hoist.builder;

import dev.hoist.cache.image.Image;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Healthcheck;
import dev.hoist.oci.History;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.runtime.ProcessSpecs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.hoist.builder.FileTree.contentOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * End-to-end builds of testdata's conformance contexts with hoist: the files, owners, modes, config and history
 * of each image; cache hits and misses after each kind of change; a failing step; an interrupted build. The same
 * contexts are compared with Docker's own builds in {@link DockerSideBySideTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerfileConformanceTest {
    private static final Set<String> METADATA = Set.of("ARG", "ENV", "LABEL", "USER", "EXPOSE", "VOLUME", "CMD",
            "ENTRYPOINT", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "MAINTAINER", "ONBUILD");

    private HoistBuilds hoist;

    /** One store for the class: the base is imported once, and a later test may reuse an earlier one's layers. */
    @BeforeAll
    void setUp(@TempDir Path dir) throws Exception {
        assumeTrue(ContainerRuntime.supported(), "building RUN steps needs Linux, root, namespaces and overlayfs");
        hoist = new HoistBuilds(dir).withBase();
    }

    @Test
    void everyInstructionOnTheBusyboxBase() throws Exception {
        BuildResult r = hoist.build(hoist.context("instructions"), b -> b.tag("hoist-conformance/instructions:local"));
        FileTree fs = hoist.tree(r.image());
        // ARG and ENV expansion, ${V:-x} and ${V:+x}, RUN in shell and exec form, SHELL, WORKDIR created
        assertFile(fs, "srv/app/work/env.txt", "mode=plain extra=level-3 plus=[] level=3 flavour=[]\n", 0644, 0);
        assertFile(fs, "srv/app/work/pwd.txt", "/srv/app/work\n", 0644, 0);
        assertFile(fs, "srv/app/work/exec.txt", "exec hello  world\n", 0644, 0);
        assertFile(fs, "srv/app/work/literal.txt", "$LEVEL stays\n", 0644, 0);
        assertTrue(Files.readString(hoist.rootfs(r.image()).resolve("srv/app/work/shell.txt")).matches("errexit\\s+on\n"),
                "SHELL [\"/bin/sh\", \"-e\", \"-c\"] runs the later RUN steps");
        assertDir(fs, "srv/app/work", 0755, 0);
        // COPY: globs, a directory's contents, a file renamed, several files into a directory, slash or not
        assertEquals(List.of("a.txt", "b.txt"), children(fs, "srv/app/work/texts"));
        assertEquals(List.of("a.txt", "b.txt", "c.dat", "sub"), children(fs, "srv/app/work/all"));
        assertFile(fs, "srv/app/work/all/sub/deeper/d.txt", "deeper\n", 0644, 0);
        assertFile(fs, "srv/app/work/renamed.txt", "alpha\n", 0644, 0);
        assertEquals(List.of("a.txt", "b.txt"), children(fs, "srv/app/work/multi"));
        assertEquals(List.of("deeper", "s.txt"), children(fs, "srv/sub-contents"));
        assertEquals(List.of("deeper", "s.txt"), children(fs, "srv/sub-slash"));
        assertEquals(List.of("deeper", "s.txt"), children(fs, "srv/glob-dir"), "a directory a glob matches");
        // ADD: a local tar is unpacked with its owners, modes and links; a plain file is copied
        assertFile(fs, "opt/pkg/README", "read me\n", 0640, 1000);
        assertDir(fs, "opt/pkg/bin", 0750, 0);
        assertFile(fs, "opt/pkg/bin/tool.sh", "#!/bin/sh\necho tool\n", 0755, 0);
        assertEquals(new FileTree.Entry('l', 0777, 0, 0, "README"), fs.get("opt/pkg/latest"));
        assertFile(fs, "opt/added.txt", "alpha\n", 0644, 0);
        assertFile(fs, "opt/unpacked/pkg/README", "read me\n", 0640, 1000);   // into a new directory, without a slash
        assertFile(fs, "home/app/pkg/README", "read me\n", 0640, 1000);
        assertFile(fs, "home/app/pkg/bin/tool.sh", "#!/bin/sh\necho tool\n", 0755, 0);
        assertDir(fs, "home/app/pkg", 0755, 0);
        assertDir(fs, "home/app", 0755, 2000);     // COPY into an existing directory keeps its owner
        assertFile(fs, "home/app/deeper/d.txt", "deeper\n", 0644, 0);    // ADD --chown leaves what it unpacks as the tar has it, as Docker does
        // --chown by name from the image's passwd and group, and by number; new parents belong to the owner
        assertFile(fs, "home/app/a.txt", "alpha\n", 0644, 2000);
        assertDir(fs, "srv/owned", 0755, 65534);
        assertFile(fs, "srv/owned/deeper/d.txt", "deeper\n", 0644, 65534);
        assertEquals(new FileTree.Entry('d', 0755, 1234, 5678, ""), fs.get("srv/ids"));
        assertEquals(new FileTree.Entry('f', 0644, 1234, 5678, contentOf("beta\n")), fs.get("srv/ids/b.txt"));
        // USER by name and by uid:gid
        assertFile(fs, "tmp/id.txt", "app:app 2000:2000\n", 0644, 2000);
        assertEquals(new FileTree.Entry('f', 0644, 1234, 5678, contentOf("")), fs.get("tmp/made-by-numeric"));

        Image image = r.image();
        ContainerConfig c = image.config().config();
        assertEquals(List.of("PATH=/srv/app/bin:" + ProcessSpecs.DEFAULT_PATH, "APP_HOME=/srv/app", "MODE=plain", "EXTRA=level-3",
                "EMPTY_PLUS=", "GREETING=hello  world", "LITERAL=$LEVEL stays", "FIRST=one", "SECOND=[]", "LEGACY=a value with  spaces"), c.env(),
                "an ENV sees the variables set before it, not those of the same instruction");
        assertEquals("app", c.user());
        assertEquals("/srv/app/work/logs", c.workingDir(), "a relative WORKDIR");
        assertDir(fs, "srv/app/work/logs", 0755, 0);
        assertEquals(Map.of("org.example.mode", "plain", "org.example.level", "3", "org.example.words", "a b"),
                c.labels());
        assertEquals(Set.of("8080/tcp", "53/udp", "9000/tcp", "9001/tcp"), c.exposedPorts());
        assertEquals(Set.of("/srv/app/data", "/home/app", "/srv/owned"), c.volumes());
        assertEquals("SIGUSR1", c.stopSignal());
        assertEquals(new Healthcheck(List.of("CMD-SHELL", "test -f /srv/app/work/env.txt || exit 1"),
                Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(2), null, 2), c.healthcheck());
        assertEquals(List.of("COPY child.txt /srv/app/child.txt",
                "RUN echo \"triggered as $(id -un)\" > /tmp/onbuild.txt"), c.onBuild());
        assertEquals(List.of("/bin/sh", "-e", "-c"), c.shell());
        assertEquals(List.of("kept"), c.cmd(), "a CMD of the same stage survives a later ENTRYPOINT");
        assertEquals(List.of("/bin/sh", "-c", "cat /srv/app/work/env.txt /tmp/id.txt; echo \"$0\""), c.entrypoint());
        assertEquals("hoist tests <tests@hoist.invalid>", image.config().author());
        assertHistory(r);
    }

    @Test
    void onbuildTriggersRunWhenTheImageIsABase() throws Exception {
        hoist.build(hoist.context("instructions"), b -> b.tag("hoist-conformance/instructions:local"));
        BuildResult r = hoist.build(hoist.context("onbuild-child"));
        FileTree fs = hoist.tree(r.image());
        assertFile(fs, "tmp/onbuild.txt", "triggered as app\n", 0644, 2000);
        assertFile(fs, "srv/app/child.txt", "from the child context\n", 0644, 0);
        ContainerConfig c = r.image().config().config();
        assertEquals(List.of(), c.onBuild(), "triggers are not passed on");
        assertEquals(List.of(), c.cmd(), "an ENTRYPOINT resets the CMD of the base image");
        assertEquals(List.of("/bin/sh", "-e", "-c", "cat /tmp/onbuild.txt /srv/app/child.txt"), c.entrypoint(),
                "the shell form goes through the SHELL inherited from the base");
        assertEquals(List.of("NONE"), c.healthcheck().test(), "HEALTHCHECK NONE turns off the inherited check");
        assertHistory(r);
    }

    @Test
    void multiStageByNameAndIndexWithATargetAndBuildArgs() throws Exception {
        Path ctx = hoist.context("multistage");
        BuildResult r = hoist.build(ctx, b -> b.target("final"));
        FileTree fs = hoist.tree(r.image());
        assertFile(fs, "app/artifact.txt", "built release\n", 0644, 0);
        assertEquals(new FileTree.Entry('l', 0777, 0, 0, "artifact.txt"), fs.get("app/latest"));
        assertFile(fs, "app/followed.txt", "built release\n", 0644, 0);
        assertFile(fs, "app/suffix.txt", "release-build\n", 0644, 0);
        assertFile(fs, "app/second.txt", "stage 1 sees []\n", 0644, 0);
        assertFile(fs, "app/lib/lib.txt", "lib\n", 0644, 0);
        assertFile(fs, "app/lib-contents/lib.txt", "lib\n", 0644, 0);
        assertEquals(0755, fs.get("bin/busybox").mode());
        assertEquals(List.of("app", "bin"), children(fs, ""));
        assertEquals(Map.of("variant", "release"), r.image().config().config().labels());
        assertFalse(r.steps().stream().anyMatch(s -> s.stage().equals("unused")), r.steps().toString());

        BuildResult debug = hoist.build(ctx, b -> b.target("final").buildArg("VARIANT", "debug"));
        FileTree dfs = hoist.tree(debug.image());
        assertFile(dfs, "app/artifact.txt", "built debug\n", 0644, 0);
        assertEquals(Map.of("variant", "debug"), debug.image().config().config().labels());
        assertTrue(step(debug, "RUN echo \"stage 1").cached(), "stage 1 does not declare VARIANT");
        assertFalse(step(debug, "RUN mkdir").cached(), "the builder stage uses VARIANT");

        BuildResult last = hoist.build(ctx);
        assertTrue(Files.readString(hoist.rootfs(last.image()).resolve("unused.txt")).startsWith("not built"));
        assertFalse(last.steps().stream().anyMatch(s -> s.stage().equals("assembled")),
                "the last stage needs none of the others");
    }

    @Test
    void dockerignoreWithWildcardsAndExceptions() throws Exception {
        BuildResult r = hoist.build(hoist.context("dockerignore"));
        FileTree fs = hoist.tree(r.image());
        List<String> ctx = new ArrayList<>();
        fs.entries().keySet().stream().filter(p -> p.startsWith("ctx/")).forEach(p -> ctx.add(p.substring(4)));
        assertEquals(List.of("Dockerfile", "app.txt", "docs", "docs/keep.md", "keep.bak", "src",
                "src/main.txt", "src/nested", "src/nested/trace.log"), ctx);
        assertEquals(List.of("keep.md"), children(fs, "docs-only"));
        assertEquals(List.of("/bin/sh", "-c", "echo shell form"), r.image().config().config().cmd());
        assertEquals(List.of("PATH=" + ProcessSpecs.DEFAULT_PATH), r.image().config().config().env(),
                "a stage from scratch gets the default PATH");
    }

    @Test
    void buildkitSyntaxHeredocsMountsAndChmod() throws Exception {
        BuildResult r = hoist.build(hoist.context("buildkit-syntax"));
        FileTree fs = hoist.tree(r.image());
        assertEquals(new FileTree.Entry('f', 0750, 65534, 65534, contentOf("#!/bin/sh\necho run\n")),
                fs.get("usr/local/bin/run.sh"));
        assertFile(fs, "etc/motd", "hello from a heredoc\n", 0644, 0);
        assertFile(fs, "heredoc.txt", "script heredoc\nsecond line\n", 0644, 0);
        assertFile(fs, "cache-log.txt", "run\n", 0644, 0);
        assertFile(fs, "bound.txt", "data\n", 0644, 0);
        assertFile(fs, "from-stage.txt", "tool\n", 0644, 0);
        assertFile(fs, "tmpfs.txt", "x\n", 0644, 0);
        for (String stub : List.of("var", "mnt", "scratch")) {
            assertFalse(fs.entries().containsKey(stub), stub + ": mount points and the parents made for them are"
                    + " not kept");
        }
    }

    @Test
    void cacheHitsAndMissesAfterEachKindOfChange() throws Exception {
        Path ctx = hoist.context("cache");
        // the steps: RUN echo base-step, COPY src/, RUN echo "$STAMP", COPY other.txt
        assertEquals(List.of(false, false, false, false), cached(hoist.build(ctx)));
        assertEquals(List.of(true, true, true, true), cached(hoist.build(ctx)), "nothing changed");

        Files.setLastModifiedTime(ctx.resolve("src/a.txt"), FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));
        assertEquals(List.of(true, true, true, true), cached(hoist.build(ctx)), "a touched file is the same file");

        Files.writeString(ctx.resolve("other.txt"), "other, edited\n");
        assertEquals(List.of(true, true, true, false), cached(hoist.build(ctx)), "an edited file");

        Files.writeString(ctx.resolve("src/a.txt"), "a, edited\n");
        assertEquals(List.of(true, false, false, false), cached(hoist.build(ctx)), "an edited file in a directory");

        BuildResult two = hoist.build(ctx, b -> b.buildArg("STAMP", "two"));
        assertEquals(List.of(true, true, false, false), cached(two), "a changed build arg misses from its first use");
        assertFile(hoist.tree(two.image()), "stamp.txt", "two\n", 0644, 0);
        assertEquals(List.of(true, true, true, true), cached(hoist.build(ctx, b -> b.buildArg("STAMP", "two"))));

        Files.writeString(ctx.resolve(".dockerignore"), "matches-nothing\n");
        assertEquals(List.of(true, true, true, true), cached(hoist.build(ctx)), ".dockerignore excludes nothing used");

        Files.writeString(ctx.resolve(".dockerignore"), "src/*.tmp\n");
        BuildResult ignored = hoist.build(ctx);
        assertEquals(List.of(true, false, false, false), cached(ignored), ".dockerignore excludes a copied file");
        assertFile(hoist.tree(ignored.image()), "listing.txt", "a.txt\n", 0644, 0);

        BuildResult noCache = hoist.build(ctx, b -> b.noCache(true));
        assertEquals(List.of(false, false, false, false), cached(noCache));
        assertEquals(ignored.image().id(), noCache.image().id(), "the cache gives what a build without it gives");
    }

    @Test
    void aFailingStepNamesItsLineAndKeepsTheStepsBeforeItCached() throws Exception {
        Path ctx = hoist.context("failing");
        BuildException first = assertThrows(BuildException.class, () -> hoist.build(ctx));
        String m = first.getMessage();
        assertTrue(m.contains("Dockerfile:6") && m.contains("exit code 7"), m);
        assertTrue(m.contains("about to fail\ninput line"), "the tail of the step's output: " + m);
        int before = hoist.progress().length();
        BuildException again = assertThrows(BuildException.class, () -> hoist.build(ctx));
        assertEquals(m, again.getMessage());
        String progress = hoist.progress().substring(before);
        assertEquals(2, progress.lines().filter(l -> l.endsWith(" CACHED")).count(), progress);
        assertFalse(progress.contains("never"), progress);
        assertNoLeftovers();
    }

    @Test
    void anInterruptedBuildStopsItsStepAndLeavesNothingBehind() throws Exception {
        Path ctx = hoist.context("interrupted");
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<BuildResult> build = thread.submit(() -> hoist.build(ctx));
            while (hoist.progress().lines().noneMatch(l -> l.matches("#[0-9]+ started"))) {
                assertFalse(build.isDone(), "the build ended early:\n" + hoist.progress());
                Thread.sleep(20);
            }
            thread.shutdownNow();   // interrupts the build's thread
            ExecutionException e = assertThrows(ExecutionException.class, () -> build.get(60, TimeUnit.SECONDS));
            assertInstanceOf(BuildException.class, e.getCause(), () -> stackTrace(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("Dockerfile:5") && e.getCause().getMessage()
                    .contains("interrupted"), e.getCause().getMessage());
        } finally {
            thread.shutdownNow();
        }
        assertNoLeftovers();
        Files.writeString(ctx.resolve("Dockerfile"), Files.readString(ctx.resolve("Dockerfile"))
                .replace("sleep 600", "echo finished > /after.txt"));
        BuildResult r = hoist.build(ctx);
        assertTrue(step(r, "RUN echo before").cached(), "the step before the interruption stays cached");
        assertFile(hoist.tree(r.image()), "after.txt", "finished\n", 0644, 0);
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    private void assertNoLeftovers() throws Exception {
        try (var tmp = Files.list(hoist.images.root().tmpDir())) {
            assertEquals(List.of(), tmp.toList(), "no temporary directory is left");
        }
        Path containers = hoist.images.root().path().resolve("containers");
        if (Files.isDirectory(containers)) {
            try (var c = Files.list(containers)) {
                assertEquals(List.of(), c.toList(), "no container is left");
            }
        }
    }

    /** Whether each step that consults the cache found its result there, in order. */
    private static List<Boolean> cached(BuildResult r) {
        return r.steps().stream().filter(StepResult::cacheable).map(StepResult::cached).toList();
    }

    private static StepResult step(BuildResult r, String prefix) {
        return r.steps().stream().filter(s -> s.instruction().startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no step " + prefix + " in " + r.steps()));
    }

    /** The history has one entry per instruction; {@code empty_layer} exactly for those that change only the config. */
    private static void assertHistory(BuildResult r) {
        List<History> history = r.image().config().history();
        List<StepResult> steps = r.steps().subList(1, r.steps().size());
        List<History> ours = history.subList(history.size() - steps.size(), history.size());
        for (int i = 0; i < steps.size(); i++) {
            String verb = steps.get(i).instruction().split(" ", 2)[0];
            boolean metadata = METADATA.contains(verb) || (!steps.get(i).madeLayer() && !verb.equals("WORKDIR"));
            assertEquals(metadata, ours.get(i).isEmptyLayer(), steps.get(i) + " " + ours.get(i));
            assertEquals(steps.get(i).madeLayer(), !ours.get(i).isEmptyLayer(), steps.get(i) + " " + ours.get(i));
        }
        assertEquals(r.image().manifest().layers().size(), history.stream().filter(h -> !h.isEmptyLayer()).count());
    }

    private static void assertFile(FileTree fs, String path, String content, int mode, int owner) {
        assertEquals(new FileTree.Entry('f', mode, owner, owner, contentOf(content)), fs.get(path), path);
    }

    private static void assertDir(FileTree fs, String path, int mode, int owner) {
        assertEquals(new FileTree.Entry('d', mode, owner, owner, ""), fs.get(path), path);
    }

    private static List<String> children(FileTree fs, String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        return fs.entries().keySet().stream().filter(p -> p.startsWith(prefix) && !p.equals(dir)
                && !p.substring(prefix.length()).contains("/")).map(p -> p.substring(prefix.length())).toList();
    }
}
