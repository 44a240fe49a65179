package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageImporter;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.image.Snapshots;
import dev.hoist.cache.layer.OverlayMarkers;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Platform;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** RUN steps over stacks of per-layer snapshots, and the context's stat cache, through real builds. */
class SnapshotStackTest {
    @TempDir
    Path dir;

    private Path ctx;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        ctx = Files.createDirectories(dir.resolve("ctx"));
    }

    private Builder builder(String root) throws Exception {
        LocalImages images = LocalImages.open(HoistRoot.at(dir.resolve(root)));
        assumeTrue(ContainerRuntime.supported(), "running containers needs Linux, root, namespaces and overlayfs");
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            Image base = new ImageImporter(images, Executors.newSingleThreadExecutor(), 1).importTar(in,
                    new ImageImporter.Options(ContainerConfig.builder().cmd("sh").build(), Platform.current(),
                            Instant.EPOCH, "busybox"));
            images.tag(base, "base:1");
        }
        return Builder.builder(images, new ContainerRuntime(images.root().path()), null).build();
    }

    private BuildResult build(Builder b, String dockerfile) throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        return b.build(BuildRequest.builder(ctx).progress(new PrintStream(progress, true, StandardCharsets.UTF_8)).build());
    }

    private static Path layers(Path root) {
        return root.resolve("snapshots").resolve("layers");
    }

    private static Map<String, Object> inodes(Path dir) throws Exception {
        Map<String, Object> out = new HashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                out.put(p.getFileName().toString(), Files.readAttributes(p, BasicFileAttributes.class).fileKey());
            }
        }
        return out;
    }

    private static final String WHITEOUTS = """
            FROM base:1
            RUN mkdir -p /d/sub && echo old > /d/old && echo s > /d/sub/s && echo keep > /keep && echo gone > /gone
            RUN rm /gone && rm -rf /d && mkdir /d && echo new > /d/new
            COPY a.txt /d/
            RUN test ! -e /gone && test ! -e /d/old && test ! -e /d/sub && test -f /keep && ls /d > /listing
            """;

    @Test
    void whiteoutsAndOpaqueDirectoriesHoldAcrossStackedLayers() throws Exception {
        Files.writeString(ctx.resolve("a.txt"), "A");
        Builder b = builder("root");
        BuildResult r = build(b, WHITEOUTS);
        Path root = dir.resolve("root");
        Digest deleting = r.image().config().diffIds().get(2);
        Path kept = layers(root).resolve(deleting.hex());
        assertTrue(OverlayMarkers.isWhiteout(kept.resolve("gone")), "the step's upper directory is kept as its layer");
        assertTrue(OverlayMarkers.isOpaque(kept.resolve("d")));
        Path fs = new Snapshots(LocalImages.open(HoistRoot.at(root))).rootfs(r.image());
        assertEquals("a.txt\nnew\n", Files.readString(fs.resolve("listing")));

        // the same layers unpacked from their blobs (as for a pulled image) stack the same way
        Build.deleteTree(layers(root));
        BuildResult again = build(b, WHITEOUTS + "RUN test ! -e /d/old && cat /d/a.txt /d/new > /both\n");
        assertTrue(again.steps().stream().filter(s -> s.instruction().startsWith("RUN rm")).allMatch(StepResult::cached));
        assertTrue(OverlayMarkers.isWhiteout(kept.resolve("gone")), "unpacked with overlay whiteouts");
        Path fs2 = new Snapshots(LocalImages.open(HoistRoot.at(root))).rootfs(again.image());
        assertEquals("Anew\n", Files.readString(fs2.resolve("both")));
    }

    @Test
    void aDeepStackIsFlattenedBelowAndStillShowsEveryLayer() throws Exception {
        StringBuilder df = new StringBuilder("FROM base:1\nRUN mkdir /f\n");
        int steps = 36;
        for (int i = 1; i <= steps; i++) {
            df.append("RUN echo ").append(i).append(" > /f/").append(i).append(i == 20 ? " && rm /f/3" : "").append('\n');
        }
        df.append("RUN test ! -e /f/3 && test \"$(cat /f/1)\" = 1 && test \"$(cat /f/36)\" = 36 && ls /f | wc -l > /count\n");
        Builder b = builder("root");
        BuildResult r = build(b, df.toString());
        Path root = dir.resolve("root");
        Path fs = new Snapshots(LocalImages.open(HoistRoot.at(root))).rootfs(r.image());
        assertEquals(String.valueOf(steps - 1), Files.readString(fs.resolve("count")).strip());
        try (Stream<Path> s = Files.list(root.resolve("snapshots"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.contains(Snapshots.chainId(r.image().config().diffIds().subList(0, 16)).hex()),
                    "the lowest 16 layers were flattened once: " + names);
        }
    }

    @Test
    void layersAreReusedAcrossBuildsAndTheImageIsReproducible() throws Exception {
        Files.writeString(ctx.resolve("a.txt"), "A");
        Builder b = builder("root");
        BuildResult first = build(b, WHITEOUTS + "RUN echo 1 > /last\n");
        Map<String, Object> before = inodes(layers(dir.resolve("root")));
        BuildResult second = build(b, WHITEOUTS + "RUN echo 2 > /last\n");
        Map<String, Object> after = inodes(layers(dir.resolve("root")));
        for (Map.Entry<String, Object> e : before.entrySet()) {
            assertEquals(e.getValue(), after.get(e.getKey()), "layer " + e.getKey() + " is not unpacked again");
        }
        java.util.Set<String> allowed = new java.util.HashSet<>(before.keySet());
        second.image().config().diffIds().forEach(d -> allowed.add(d.hex()));
        assertTrue(allowed.containsAll(after.keySet()), "only layers of the new image are added");
        List<Digest> ids = second.image().config().diffIds();
        assertTrue(after.containsKey(ids.get(ids.size() - 1).hex()), "the new step's upper directory is kept");
        assertFalse(first.image().id().equals(second.image().id()));

        BuildResult fresh = build(builder("root2"), WHITEOUTS + "RUN echo 2 > /last\n");
        assertEquals(second.image().id(), fresh.image().id(), "the same image from a fresh root");
        assertEquals(second.image().manifest().layers(), fresh.image().manifest().layers());
    }

    @Test
    void contextFilesLinkedIntoACopyAreNeverChangedByLaterSteps() throws Exception {
        Files.createDirectories(ctx.resolve("src"));
        Files.writeString(ctx.resolve("src/a.txt"), "hello\n");
        Files.writeString(ctx.resolve("src/b.txt"), "b\n");
        Object inode = Files.readAttributes(ctx.resolve("src/a.txt"), BasicFileAttributes.class).fileKey();
        Builder b = builder("root");
        BuildResult r = build(b, "FROM base:1\nCOPY src /app/\nRUN echo more >> /app/a.txt && chmod 600 /app/b.txt && rm /app/b.txt\n");
        assertEquals("hello\n", Files.readString(ctx.resolve("src/a.txt")), "the RUN wrote to its own copy");
        assertEquals("b\n", Files.readString(ctx.resolve("src/b.txt")));
        assertEquals(inode, Files.readAttributes(ctx.resolve("src/a.txt"), BasicFileAttributes.class).fileKey());
        assertEquals(1, Files.getAttribute(ctx.resolve("src/a.txt"), "unix:nlink"), "the build's links are gone");
        Path fs = new Snapshots(LocalImages.open(HoistRoot.at(dir.resolve("root")))).rootfs(r.image());
        assertEquals("hello\nmore\n", Files.readString(fs.resolve("app/a.txt")));
        assertFalse(Files.exists(fs.resolve("app/b.txt")));
        try (Stream<Path> s = Files.list(dir.resolve("root").resolve("tmp"))) {
            assertEquals(List.of(), s.toList(), "no temporary directory is left");
        }
    }

    @Test
    void aTouchedButUnchangedContextFileKeepsCopyCachedAndAChangedOneDoesNot() throws Exception {
        Files.createDirectories(ctx.resolve("src"));
        Files.writeString(ctx.resolve("src/a.txt"), "hello");
        Files.writeString(ctx.resolve("src/b.txt"), "other");
        Builder b = builder("root");
        String df = "FROM base:1\nCOPY src /app/\nRUN cat /app/a.txt > /seen\n";
        BuildResult first = build(b, df);
        Files.setLastModifiedTime(ctx.resolve("src/a.txt"), FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
        BuildResult touched = build(b, df);
        assertTrue(touched.steps().stream().filter(s -> s.instruction().startsWith("COPY")).allMatch(StepResult::cached),
                "a touched file with the same content keeps the step cached");
        assertEquals(first.image().id(), touched.image().id());

        FileTime mtime = Files.getLastModifiedTime(ctx.resolve("src/a.txt"));
        Files.writeString(ctx.resolve("src/a.txt"), "HELLO");
        Files.setLastModifiedTime(ctx.resolve("src/a.txt"), mtime);
        BuildResult changed = build(b, df);
        assertFalse(changed.steps().stream().filter(s -> s.instruction().startsWith("COPY")).allMatch(StepResult::cached),
                "same size and mtime, other content: copied again");
        Path fs = new Snapshots(LocalImages.open(HoistRoot.at(dir.resolve("root")))).rootfs(changed.image());
        assertEquals("HELLO", Files.readString(fs.resolve("seen")));
    }
}
