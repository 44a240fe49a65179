package dev.hoist.builder;

import dev.hoist.cache.GarbageCollector;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageImporter;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.image.Snapshots;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Platform;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.runtime.NetworkMode;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BuilderTest {
    @TempDir
    Path dir;

    private LocalImages images;
    private Builder builder;
    private Path ctx;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        builder = Builder.builder(images, new ContainerRuntime(images.root().path()), null).build();
        ctx = Files.createDirectories(dir.resolve("ctx"));
    }

    private void importBase() throws Exception {
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            Image base = new ImageImporter(images, Executors.newSingleThreadExecutor(), 1).importTar(in,
                    new ImageImporter.Options(ContainerConfig.builder().cmd("sh").build(), Platform.current(),
                            Instant.EPOCH, "busybox"));
            images.tag(base, "base:1");
        }
    }

    private void containers() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "running containers needs Linux, root, namespaces and overlayfs");
        importBase();
    }

    private void write(String name, String content) throws IOException {
        Path p = ctx.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private BuildResult build(String dockerfile, String... tags) throws Exception {
        return build(dockerfile, "", false, tags);
    }

    private BuildResult build(String dockerfile, String target, boolean noCache, String... tags) throws Exception {
        write("Dockerfile", dockerfile);
        BuildRequest.Builder r = BuildRequest.builder(ctx).target(target).noCache(noCache)
                .progress(new PrintStream(progress, true, StandardCharsets.UTF_8));
        for (String t : tags) {
            r.tag(t);
        }
        return builder.build(r.build());
    }

    private Path rootfs(BuildResult r) throws IOException {
        return new Snapshots(images).rootfs(r.image());
    }

    private static StepResult step(BuildResult r, String prefix) {
        return r.steps().stream().filter(s -> s.instruction().startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    void runStepsGetThePrivateNetworkByDefaultAsInDockerAndNoneWhenTheyAskForIt() throws Exception {
        containers();
        assumeTrue(ContainerRuntime.privateNetworkAvailable(), "slirp4netns is not installed");
        BuildResult r = build("""
                FROM base:1
                RUN ls /sys/class/net > /nets && grep nameserver /etc/resolv.conf > /dns && ip route | grep -o 'default via [0-9.]* dev [a-z0-9]*' > /route
                RUN --network=none ls /sys/class/net > /nets-none
                RUN --network=default ls /sys/class/net > /nets-default
                """);
        Path fs = rootfs(r);
        assertEquals("lo\ntap0\n", Files.readString(fs.resolve("nets")));
        assertEquals("nameserver 10.0.2.3\n", Files.readString(fs.resolve("dns")));
        assertEquals("default via 10.0.2.2 dev tap0\n", Files.readString(fs.resolve("route")));
        assertEquals("lo\n", Files.readString(fs.resolve("nets-none")));
        assertEquals("lo\ntap0\n", Files.readString(fs.resolve("nets-default")));
        assertFalse(progress.toString(StandardCharsets.UTF_8).contains("slirp4netns is not installed"));

        write("Dockerfile", "FROM base:1\nRUN ls /sys/class/net > /nets\n");
        BuildRequest none = BuildRequest.builder(ctx).network(NetworkMode.NONE).build();
        assertEquals("lo\n", Files.readString(rootfs(builder.build(none)).resolve("nets")), "--network none for the build");
    }

    @Test
    void scratchWithCopyAndMetadataNeedsNoContainer() throws Exception {
        write("a.txt", "A");
        write("d/b.txt", "B");
        BuildResult r = build("""
                FROM scratch
                COPY a.txt /x/
                COPY d /y
                CMD ["run"]
                ENTRYPOINT ["/bin/app"]
                STOPSIGNAL SIGINT
                VOLUME /data
                EXPOSE 80 53/udp
                ARG WHO=world
                COPY <<EOF /greeting
                hello $WHO
                EOF
                HEALTHCHECK CMD ["true"]
                SHELL ["/bin/bash", "-c"]
                ENTRYPOINT /srv
                """, "app:1");
        ContainerConfig c = r.image().config().config();
        assertEquals(List.of("run"), c.cmd(), "a CMD set in this stage survives a later ENTRYPOINT");
        assertEquals(List.of("/bin/bash", "-c", "/srv"), c.entrypoint());
        assertEquals("SIGINT", c.stopSignal());
        assertEquals(Set.of("/data"), c.volumes());
        assertEquals(Set.of("80/tcp", "53/udp"), c.exposedPorts());
        assertEquals(List.of("CMD", "true"), c.healthcheck().test());
        assertEquals(3, r.image().manifest().layers().size());
        assertEquals(12, r.image().config().history().size());
        assertEquals(Instant.EPOCH, r.image().config().createdInstant());
        Path fs = rootfs(r);
        assertEquals("A", Files.readString(fs.resolve("x/a.txt")));
        assertEquals("B", Files.readString(fs.resolve("y/b.txt")));
        assertEquals("hello world\n", Files.readString(fs.resolve("greeting")));
        assertEquals(List.of("docker.io/library/app:1"), r.tags());
        assertEquals(r.image().id(), images.resolve("app:1").id());
        assertTrue(r.image().manifest().isDocker());
    }

    @Test
    void addUnpacksLocalTarArchives() throws Exception {
        write("src/in/file.txt", "packed");
        Process tar = new ProcessBuilder("tar", "czf", ctx.resolve("a.tar.gz").toString(), "-C", ctx.resolve("src").toString(), "in")
                .redirectErrorStream(true).start();
        assertEquals(0, tar.waitFor(), new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        BuildResult r = build("FROM scratch\nADD a.tar.gz /opt/\nCOPY a.tar.gz /copied/\n");
        Path fs = rootfs(r);
        assertEquals("packed", Files.readString(fs.resolve("opt/in/file.txt")));
        assertTrue(Files.isRegularFile(fs.resolve("copied/a.tar.gz")), "COPY does not unpack");
    }

    @Test
    void cachedLayersSurviveGarbageCollection() throws Exception {
        write("a.txt", "A");
        BuildResult first = build("FROM scratch\nCOPY a.txt /a\n");
        GarbageCollector.builder(images.root(), images.blobs(), images.store()).gracePeriod(Duration.ZERO)
                .addRoots(builder.cache().gcRoots()).build().run();
        assertTrue(images.blobs().contains(first.image().manifest().layers().get(0).digest()));
        BuildResult second = build("FROM scratch\nCOPY a.txt /a\n");
        assertTrue(second.fullyCached());
        assertEquals(first.image().id(), second.image().id());
        GarbageCollector.builder(images.root(), images.blobs(), images.store()).gracePeriod(Duration.ZERO).build().run();
        assertTrue(images.blobs().contains(first.image().manifest().layers().get(0).digest()),
                "an untagged build's image is kept dangling, and its layer with it");
        images.store().forget(second.image().target().digest());
        GarbageCollector.builder(images.root(), images.blobs(), images.store()).gracePeriod(Duration.ZERO).build().run();
        assertFalse(images.blobs().contains(first.image().manifest().layers().get(0).digest()),
                "without the image and the cache's roots the layer goes");
        assertFalse(build("FROM scratch\nCOPY a.txt /a\n").fullyCached(), "an entry whose layer is gone is a miss");
    }

    @Test
    void aMissingBaseImageSaysToPullIt() throws Exception {
        BuildException e = assertThrows(BuildException.class, () -> build("FROM scratch AS a\nFROM nothere:1\n"));
        assertTrue(e.getMessage().contains("Dockerfile:2") && e.getMessage().contains("hoist pull nothere:1"), e.getMessage());
    }

    @Test
    void onbuildTriggersRunInTheChildBuild() throws Exception {
        write("a.txt", "A");
        build("FROM scratch\nONBUILD COPY a.txt /from-onbuild\n", "parent:1");
        BuildResult r = build("FROM parent:1\nCOPY a.txt /direct\n");
        Path fs = rootfs(r);
        assertEquals("A", Files.readString(fs.resolve("from-onbuild")));
        assertEquals("A", Files.readString(fs.resolve("direct")));
        assertEquals(List.of(), r.image().config().config().onBuild());
    }

    @Test
    void entrypointResetsAnInheritedCmd() throws Exception {
        importBase();
        BuildResult r = build("FROM base:1\nENTRYPOINT [\"/bin/echo\"]\n");
        assertEquals(List.of(), r.image().config().config().cmd());
    }

    @Test
    void envWorkdirRunAndCopyEndUpInTheImage() throws Exception {
        containers();
        write("hello.txt", "hello\n");
        write("dir/f.txt", "f");
        BuildResult r = build("""
                FROM base:1
                ARG GREETING=hi
                ENV APP=/app NAME=${GREETING}-x
                WORKDIR $APP
                COPY hello.txt .
                COPY dir/ sub/
                RUN echo "$NAME $GREETING" > out.txt && cat hello.txt >> out.txt && id -u > /uid && mkdir -p /opt/real && ln -s /opt/real /link
                COPY hello.txt /link/
                COPY --chown=nobody:nogroup --chmod=600 hello.txt /owned
                COPY hello.txt /tmp/hello
                RUN <<EOF
                echo one > /doc1
                echo "$NAME" >> /doc1
                EOF
                RUN cat <<EOF > /doc2
                two $NAME
                EOF
                USER nobody
                LABEL a=b
                CMD echo hi
                """);
        ContainerConfig c = r.image().config().config();
        assertTrue(c.env().contains("APP=/app"), c.env().toString());
        assertTrue(c.env().contains("NAME=hi-x"), c.env().toString());
        assertFalse(c.env().stream().anyMatch(e -> e.startsWith("GREETING=")), "ARGs are not kept in the image");
        assertEquals("/app", c.workingDir());
        assertEquals("nobody", c.user());
        assertEquals(Map.of("a", "b"), c.labels());
        assertEquals(List.of("/bin/sh", "-c", "echo hi"), c.cmd());
        Path fs = rootfs(r);
        assertEquals("hi-x hi\nhello\n", Files.readString(fs.resolve("app/out.txt")));
        assertEquals("f", Files.readString(fs.resolve("app/sub/f.txt")));
        assertEquals("0\n", Files.readString(fs.resolve("uid")));
        assertEquals("one\nhi-x\n", Files.readString(fs.resolve("doc1")));
        assertEquals("two hi-x\n", Files.readString(fs.resolve("doc2")));
        assertTrue(Files.isSymbolicLink(fs.resolve("link")), "COPY follows a symlinked destination");
        assertEquals("hello\n", Files.readString(fs.resolve("opt/real/hello.txt")));
        Path owned = fs.resolve("owned");
        assertEquals(65534, Files.getAttribute(owned, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(65534, Files.getAttribute(owned, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(0600, (Integer) Files.getAttribute(owned, "unix:mode") & 07777);
        assertEquals(01777, (Integer) Files.getAttribute(fs.resolve("tmp"), "unix:mode") & 07777,
                "COPY keeps the mode of an existing parent directory");
        String history = r.image().config().history().toString();
        assertTrue(history.contains("RUN |1 GREETING=hi /bin/sh -c echo"), history);
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("] RUN echo"), progress.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aHeredocWithAShebangRunsAsAScriptWithItsInterpreterAsInBuildKit() throws Exception {
        containers();
        String df = """
                FROM base:1
                USER nobody
                RUN <<SCRIPT
                #!/bin/sh -e
                echo "$0 $#" > /tmp/ran
                case $- in *e*) echo errexit >> /tmp/ran ;; esac
                ls -l "$0" | cut -c1-10 >> /tmp/ran
                touch "$0" 2>/dev/null || echo read-only >> /tmp/ran
                SCRIPT
                """;
        BuildResult r = build(df);
        Path fs = rootfs(r);
        assertEquals("/dev/pipes/SCRIPT 0\nerrexit\n-rwxr-xr-x\nread-only\n", Files.readString(fs.resolve("tmp/ran")));
        assertFalse(Files.exists(fs.resolve("dev/pipes"), LinkOption.NOFOLLOW_LINKS), "the script is not in the image");
        String history = r.image().config().history().toString();
        assertTrue(history.contains("RUN /bin/sh -c /dev/pipes/SCRIPT"), history);
        assertTrue(build(df).fullyCached());
        assertFalse(step(build(df.replace("$#", "$# x")), "RUN").cached(), "the script's content is in the cache key");

        BuildException e = assertThrows(BuildException.class, () -> build("""
                FROM base:1
                RUN <<EOF
                #!/bin/sh -e
                false
                touch /survived
                EOF
                """));
        assertTrue(e.getMessage().contains("exit code 1"), "the interpreter's -e stops the script: " + e.getMessage());
    }

    @Test
    void aSecondBuildIsFullyCachedAndAChangedFileRedoesOnlyLaterSteps() throws Exception {
        containers();
        write("f.txt", "one");
        String df = """
                FROM base:1
                RUN echo a > /a
                COPY f.txt /f.txt
                RUN cat /f.txt > /g
                """;
        BuildResult first = build(df);
        assertFalse(step(first, "RUN echo").cached());
        BuildResult second = build(df);
        assertTrue(second.fullyCached(), second.steps().toString());
        assertEquals(first.image().id(), second.image().id());
        write("f.txt", "two");
        BuildResult third = build(df);
        assertTrue(step(third, "RUN echo").cached());
        assertFalse(step(third, "COPY").cached());
        assertFalse(step(third, "RUN cat").cached());
        assertEquals("two", Files.readString(rootfs(third).resolve("g")));
        assertNotEquals(first.image().id(), third.image().id());
        try (var tmp = Files.list(images.root().tmpDir())) {
            assertEquals(List.of(), tmp.toList(), "no temporary directory is left");
        }
        Path containers = images.root().path().resolve("containers");
        if (Files.isDirectory(containers)) {
            try (var c = Files.list(containers)) {
                assertEquals(List.of(), c.toList(), "no container is left");
            }
        }
        Collection<Descriptor> roots = builder.cache().gcRoots().roots();
        for (Descriptor layer : third.image().manifest().layers().subList(1, 4)) {
            assertTrue(roots.stream().anyMatch(d -> d.digest().equals(layer.digest())), "cached layers are GC roots");
        }
    }

    @Test
    void theSameInputsGiveTheSameImageWithoutTheCache() throws Exception {
        containers();
        write("f.txt", "x");
        String df = "FROM base:1\nCOPY f.txt /f\nRUN mkdir -p /d && echo hi > /d/x && rm /bin/ls\n";
        BuildResult a = build(df, "", true);
        BuildResult b = build(df, "", true);
        assertFalse(b.fullyCached());
        assertEquals(a.image().id(), b.image().id());
        assertFalse(Files.exists(rootfs(a).resolve("bin/ls"), LinkOption.NOFOLLOW_LINKS), "a deletion is a whiteout");
    }

    @Test
    void runMountsCacheBindAndTmpfs() throws Exception {
        containers();
        write("data/d.txt", "data-1");
        String df = """
                FROM base:1
                RUN --mount=type=cache,target=/cache echo x >> /cache/n && wc -l < /cache/n | tr -d ' ' > /count
                RUN --mount=type=bind,source=data,target=/data cat /data/d.txt > /copied
                RUN --mount=type=tmpfs,target=/scratch touch /scratch/x
                """;
        BuildResult a = build(df);
        Path fs = rootfs(a);
        assertEquals("1\n", Files.readString(fs.resolve("count")));
        assertEquals("data-1", Files.readString(fs.resolve("copied")));
        assertFalse(Files.exists(fs.resolve("cache"), LinkOption.NOFOLLOW_LINKS), "mount points are not kept");
        assertFalse(Files.exists(fs.resolve("scratch"), LinkOption.NOFOLLOW_LINKS), "mount points are not kept");
        assertFalse(Files.exists(fs.resolve("data"), LinkOption.NOFOLLOW_LINKS), "mount points are not kept");
        write("data/d.txt", "data-2");
        BuildResult b = build(df);
        assertTrue(b.steps().get(1).cached());
        assertFalse(b.steps().get(2).cached(), "a bind mount's content is part of the key");
        assertEquals("data-2", Files.readString(rootfs(b).resolve("copied")));
        BuildResult c = build(df, "", true);
        assertEquals("2\n", Files.readString(rootfs(c).resolve("count")), "a cache mount keeps its content");
    }

    @Test
    void aCacheMountFromAStageStartsWithItsContentAndKeepsWhatRunsAdd() throws Exception {
        containers();
        String df = """
                FROM base:1 AS seed
                ARG V=one
                RUN mkdir -p /deps && echo $V > /deps/a && chown nobody /deps/a
                FROM base:1
                RUN --mount=type=cache,target=/c,from=seed,source=/deps cat /c/a > /first && stat -c %u /c/a > /owner \
                    && (cat /c/b 2>/dev/null || echo none) > /before && echo added > /c/b
                RUN --mount=type=cache,target=/c,from=seed,source=/deps cat /c/b > /second
                RUN --mount=type=cache,target=/c,from=seed ls /c/deps > /whole
                RUN --mount=type=cache,target=/c (cat /c/a 2>/dev/null || echo empty) > /plain
                """;
        Path fs = rootfs(build(df));
        assertEquals("one\n", Files.readString(fs.resolve("first")), "the cache starts with the stage's source dir");
        assertEquals("65534\n", Files.readString(fs.resolve("owner")), "owners are kept");
        assertEquals("none\n", Files.readString(fs.resolve("before")));
        assertEquals("added\n", Files.readString(fs.resolve("second")), "the same cache in the next RUN");
        assertEquals("a\nb\n", Files.readString(fs.resolve("whole")), "without source=, the whole stage (one cache)");
        assertEquals("empty\n", Files.readString(fs.resolve("plain")), "without from=, another cache");

        fs = rootfs(build(df.replace("cat /c/a > /first", "cat /c/a >/first")));
        assertEquals("added\n", Files.readString(fs.resolve("before")), "an existing cache is used, not seeded again");

        BuildResult changed = build(df.replace("ARG V=one", "ARG V=two"));
        assertFalse(step(changed, "RUN --mount=type=cache,target=/c,from=seed,source=/deps cat /c/b").cached(),
                "the from= content is part of the step's key");
        fs = rootfs(changed);
        assertEquals("two\n", Files.readString(fs.resolve("first")));
        assertEquals("none\n", Files.readString(fs.resolve("before")), "other content, another cache, as in BuildKit");

        BuildException e = assertThrows(BuildException.class, () -> build(
                "FROM base:1 AS seed\nRUN true > /x\nFROM base:1\n"
                        + "RUN --mount=type=cache,target=/c,from=seed,source=/nowhere true\n"));
        assertTrue(e.getMessage().contains("\"/nowhere\" is not in seed"), e.getMessage());
    }

    @Test
    void aFailingRunNamesTheLineAndShowsTheOutput() throws Exception {
        containers();
        BuildException e = assertThrows(BuildException.class, () -> build("""
                FROM base:1
                ENV X=1
                RUN echo boom-$X && exit 3
                """));
        assertTrue(e.getMessage().contains("Dockerfile:3"), e.getMessage());
        assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("boom-1"), e.getMessage());
    }

    @Test
    void multiStageBuildsOnlyWhatTheTargetNeeds() throws Exception {
        containers();
        String df = """
                ARG SRC=build
                FROM base:1 AS build
                RUN echo built > /artifact
                FROM base:1 AS broken
                RUN exit 1
                FROM scratch
                COPY --from=${SRC} /artifact /out/artifact
                COPY --from=build /bin/sh /sh
                """;
        BuildResult r = build(df);
        Path fs = rootfs(r);
        assertEquals("built\n", Files.readString(fs.resolve("out/artifact")));
        assertTrue(Files.isRegularFile(fs.resolve("sh"), LinkOption.NOFOLLOW_LINKS), "the source's symlink is followed");
        BuildResult t = build(df, "build", false);
        assertEquals("built\n", Files.readString(rootfs(t).resolve("artifact")));
        assertTrue(t.fullyCached());
        assertThrows(BuildException.class, () -> build(df, "broken", false));
        BuildException e = assertThrows(BuildException.class, () -> build(df, "nope", false));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void dockerignoreKeepsFilesOutOfTheContext() throws Exception {
        write(".dockerignore", "secret.txt\n*.log\n");
        write("keep.txt", "k");
        write("secret.txt", "s");
        write("a.log", "l");
        write("sub/b.txt", "b");
        BuildResult r = build("FROM scratch\nCOPY . /ctx/\nCOPY *.txt /globbed/\nCOPY keep.txt /ctx\n");
        Path fs = rootfs(r);
        assertTrue(Files.exists(fs.resolve("ctx/keep.txt")));
        assertTrue(Files.isDirectory(fs.resolve("ctx")), "a file copied onto an existing directory goes into it");
        assertTrue(Files.exists(fs.resolve("ctx/sub/b.txt")));
        assertFalse(Files.exists(fs.resolve("ctx/secret.txt")));
        assertFalse(Files.exists(fs.resolve("ctx/a.log")));
        assertTrue(Files.exists(fs.resolve("globbed/keep.txt")));
        assertFalse(Files.exists(fs.resolve("globbed/secret.txt")));
        BuildException e = assertThrows(BuildException.class, () -> build("FROM scratch\nCOPY secret.txt /\n"));
        assertTrue(e.getMessage().contains("Dockerfile:2"), e.getMessage());
        BuildException multi = assertThrows(BuildException.class, () -> build("FROM scratch\nCOPY keep.txt sub/b.txt /d\n"));
        assertTrue(multi.getMessage().contains("must be a directory"), multi.getMessage());
    }
}
