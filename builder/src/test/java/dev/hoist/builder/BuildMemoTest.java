package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageImporter;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.image.Snapshots;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Platform;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The build memo: a rebuild with nothing changed is answered from it (the steps' own cache entries are removed
 * behind its back to tell), and every kind of change a build can see makes it build as usual, with the result a
 * build without the memo gives. Context files must be older than the stat cache's racy window before a memo is
 * written (a COPY that ran links them, which changes their status), so the tests that read the context wait that
 * long once.
 */
class BuildMemoTest {
    @TempDir
    Path dir;

    private LocalImages images;
    private Builder builder;
    private Path ctx;
    private ByteArrayOutputStream progress;

    @BeforeEach
    void setUp() throws Exception {
        images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        builder = Builder.builder(images, new ContainerRuntime(images.root().path()), null).build();
        ctx = Files.createDirectories(dir.resolve("ctx"));
        Image base = importBase("busybox");
        images.tag(base, "base:1");
    }

    private Image importBase(String comment) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            return new ImageImporter(images, executor, 1).importTar(in, new ImageImporter.Options(
                    ContainerConfig.builder().cmd("sh").build(), Platform.current(), Instant.EPOCH, comment));
        } finally {
            executor.shutdown();
        }
    }

    private void write(String name, String content) throws IOException {
        Path p = ctx.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    /** Waits until every context file is older than the racy window, as a context untouched for a while is. */
    private static void age() throws InterruptedException {
        Thread.sleep(StageFiles.RACY_WINDOW.toMillis() + 200);
    }

    private BuildResult build(String... tags) throws Exception {
        return build(r -> { }, tags);
    }

    private BuildResult build(Consumer<BuildRequest.Builder> options, String... tags) throws Exception {
        progress = new ByteArrayOutputStream();
        BuildRequest.Builder r = BuildRequest.builder(ctx).progress(new PrintStream(progress, true, StandardCharsets.UTF_8));
        for (String t : tags) {
            r.tag(t);
        }
        options.accept(r);
        return builder.build(r.build());
    }

    private Path buildCache() {
        return images.root().path().resolve("build-cache");
    }

    private List<Path> files(String glob) throws IOException {
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(buildCache())) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(buildCache(), glob)) {
                s.forEach(out::add);
            }
        }
        return out;
    }

    /** Removes the steps' cache entries, not the memos: a build that is still fully cached then came from a memo. */
    private void dropStepEntries() throws IOException {
        for (Path p : files("*.json")) {
            Files.delete(p);
        }
    }

    private String read(BuildResult r, String path) throws IOException {
        return Files.readString(new Snapshots(images).rootfs(r.image()).resolve(path));
    }

    @Test
    void aRebuildWithNothingChangedIsAnsweredFromTheMemoWithTheSameProgressAndResult() throws Exception {
        write("Dockerfile", "FROM base:1\nENV A=1\nCOPY *.txt /app/\nLABEL x=y\n");
        write("a.txt", "A");
        BuildResult first = build("app:1");
        assertFalse(first.fullyCached());
        assertTrue(files("memo-*").isEmpty(), "a build that made layers leaves no memo");
        assertTrue(build("app:1").fullyCached());
        assertTrue(files("memo-*").isEmpty(), "the context changed within the racy window (the first build linked its files)");
        age();
        BuildResult second = build("app:1");
        assertTrue(second.fullyCached());
        String secondProgress = progress.toString(StandardCharsets.UTF_8);
        assertEquals(1, files("memo-*").size(), "a fully cached build leaves its memo");

        dropStepEntries();
        BuildResult third = build("app:1");
        assertTrue(third.fullyCached(), "answered from the memo: the step entries are gone");
        assertEquals(second.id(), third.id());
        assertEquals(second.target(), third.target());
        assertEquals(second.steps(), third.steps());
        assertEquals(secondProgress, progress.toString(StandardCharsets.UTF_8), "the progress is replayed as printed");
        assertEquals(List.of("docker.io/library/app:1"), third.tags());
        assertEquals(third.id(), third.image().id(), "the image is read from the store when asked for");
        assertEquals(third.id(), images.resolve("app:1").id());
        assertEquals("A", read(third, "app/a.txt"));

        // tagged elsewhere meanwhile: the store changed, so the bases and the tag are checked and set again
        images.tag(images.resolve("base:1"), "other:1");
        images.store().remove("docker.io/library/app:1");
        BuildResult fourth = build("app:1");
        assertTrue(fourth.fullyCached());
        assertEquals(second.id(), fourth.id());
        assertEquals(second.id(), images.resolve("app:1").id(), "the tag is put back");

        // a different tag is a different request
        assertFalse(build("app:2").fullyCached(), "the step entries are gone, and no memo has this tag");
    }

    @Test
    void everyChangeABuildCanSeeMakesItBuildAgain() throws Exception {
        write("Dockerfile", "ARG V=1\nFROM base:1\nARG V\nENV V=$V\nCOPY *.txt /app/\n");
        write("a.txt", "A");
        write("b.log", "ignored by the glob");
        build("app:1");
        age();
        BuildResult memoised = build("app:1");
        assertEquals(1, files("memo-*").size());

        // the same size and modification time, other content: the change time tells
        Path a = ctx.resolve("a.txt");
        FileTime mtime = Files.getLastModifiedTime(a);
        Files.writeString(a, "Z");
        Files.setLastModifiedTime(a, mtime);
        BuildResult changed = build("app:1");
        assertEquals("Z", read(changed, "app/a.txt"));
        Files.writeString(a, "A");
        assertEquals(memoised.id(), build("app:1").id(), "back to the content: the same image (not from the memo)");

        write("new.txt", "N");
        assertEquals("N", read(build("app:1"), "app/new.txt"), "a new file the glob matches");
        Files.delete(ctx.resolve("new.txt"));

        write("c.txt", "C");
        build("app:1");
        age();
        assertTrue(build("app:1").fullyCached());
        write(".dockerignore", "a.txt\n");
        Path fs = new Snapshots(images).rootfs(build("app:1").image());
        assertFalse(Files.exists(fs.resolve("app/a.txt")), "a new .dockerignore");
        assertTrue(Files.exists(fs.resolve("app/c.txt")));
        Files.delete(ctx.resolve(".dockerignore"));

        BuildResult arg = build(r -> r.buildArg("V", "2"), "app:1");
        assertEquals("2", arg.image().config().config().envMap().get("V"), "another build arg");

        BuildResult labelled = build(r -> r.label("k", "v"), "app:1");
        assertEquals("v", labelled.image().config().config().labels().get("k"), "another --label");

        BuildResult later = build(r -> r.sourceDateEpoch(Instant.ofEpochSecond(1_700_000_000)), "app:1");
        assertEquals(Instant.ofEpochSecond(1_700_000_000), later.image().config().createdInstant(), "another SOURCE_DATE_EPOCH");

        write("Dockerfile", "ARG V=1\nFROM base:1\nARG V\nENV V=$V\nCOPY *.txt /app/\nLABEL z=1\n");
        assertEquals("1", build("app:1").image().config().config().labels().get("z"), "another Dockerfile");
    }

    @Test
    void aMovedBaseTagARemovedImageAndAPrunedCacheAreMisses() throws Exception {
        write("Dockerfile", "FROM base:1\nENV A=1\nWORKDIR /w\n");
        build("app:1");
        BuildResult memoised = build("app:1");
        assertEquals(1, files("memo-*").size(), "no context read: no wait for a memo");
        dropStepEntries();
        assertTrue(build("app:1").fullyCached());

        Image other = importBase("another busybox");
        images.tag(other, "base:1");
        BuildResult rebased = build("app:1");
        assertFalse(rebased.fullyCached(), "base:1 names another image");
        assertEquals(other.id(), images.resolve("base:1").id());
        assertEquals("another busybox", rebased.image().config().history().get(0).comment());

        BuildResult back = build("app:1");    // the memo of the new base is written
        images.remove("app:1", true);
        assertFalse(images.blobs().contains(back.target().digest()), "removed");
        BuildResult again = build("app:1");
        assertEquals(back.id(), again.id());
        assertEquals(back.id(), images.resolve("app:1").id());

        assertTrue(builder.cache().prune(0, false).entries() > 0);
        assertTrue(files("memo-*").isEmpty(), "pruning the cache takes the memos with it");
        assertFalse(build("app:1").fullyCached());
        assertNotEquals(memoised.id(), again.id(), "built on the other base");
    }

    @Test
    void noCachePullAndDownloadsNeverUseOrWriteAMemo() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int[] served = {0};
        server.createContext("/f.txt", x -> {
            served[0]++;
            byte[] body = ("download " + served[0]).getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/f.txt";
            write("Dockerfile", "FROM base:1\nADD " + url + " /f.txt\n");
            build("dl:1");
            build("dl:1");
            BuildResult third = build("dl:1");
            assertTrue(files("memo-*").isEmpty(), "ADD of a URL is checked on every build, as Docker does");
            assertEquals(3, served[0]);
            assertEquals("download 3", read(third, "f.txt"));
        } finally {
            server.stop(0);
        }

        write("Dockerfile", "FROM base:1\nENV A=1\nWORKDIR /w\n");
        build(r -> r.noCache(true), "app:1");
        build(r -> r.noCache(true), "app:1");
        assertTrue(files("memo-*").isEmpty(), "--no-cache writes no memo");
        build("app:1");
        assertEquals(1, files("memo-*").size());
        dropStepEntries();
        assertFalse(build(r -> r.noCache(true), "app:1").fullyCached(), "--no-cache reads no memo");
    }

    @Test
    void aContextUnpackedFromStandardInputLeavesNoMemo() throws Exception {
        Path unpacked = images.root().createTempDirectory("build-context");
        Files.writeString(unpacked.resolve("Dockerfile"), "FROM base:1\nWORKDIR /w\n");
        for (int i = 0; i < 3; i++) {
            builder.build(BuildRequest.builder(unpacked).tag("app:1").build());
        }
        assertTrue(files("memo-*").isEmpty(), "each such context is new: its memo would never be read");
    }

    @Test
    void aDamagedMemoIsAMiss() throws Exception {
        write("Dockerfile", "FROM base:1\nENV A=1\nWORKDIR /w\n");
        build("app:1");
        BuildResult memoised = build("app:1");
        Path memo = files("memo-*").get(0);
        byte[] bytes = Files.readAllBytes(memo);
        bytes[bytes.length / 2] ^= 1;
        Files.write(memo, bytes);
        BuildResult r = build("app:1");
        assertTrue(r.fullyCached(), "the steps' entries answer");
        assertEquals(memoised.id(), r.id());
        Files.write(memo, new byte[] {1, 2, 3});
        assertEquals(memoised.id(), build("app:1").id());
    }
}
