package dev.hoist.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** hoist prune --build-cache [--keep-storage SIZE]: bounds the build cache, keeps what images use. */
class PruneBuildCacheTest {
    @TempDir
    Path dir;

    private MainTest.Result hoist(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = dir.resolve("root").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return MainTest.run(Map.of(), all);
    }

    private long entries() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("root/build-cache"))) {
            return s.filter(p -> p.toString().endsWith(".json")).count();
        }
    }

    @Test
    void pruneBuildCacheRemovesEntriesAndTheLayersOnlyTheyKept() throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(ctx.resolve("a.txt"), "a".repeat(5000));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY a.txt /a.txt\n");
        assertEquals(0, hoist("build", "-t", "kept", ctx.toString()).status());
        Files.writeString(ctx.resolve("b.txt"), "b".repeat(5000));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY b.txt /b.txt\n");
        MainTest.Result untagged = hoist("build", ctx.toString());
        assertEquals(0, untagged.status(), untagged.err());
        assertEquals(2, entries());

        assertEquals(0, hoist("prune", "--grace", "0s").status());
        MainTest.Result cached = hoist("build", ctx.toString());
        assertTrue(cached.out().contains("CACHED") || cached.err().contains("CACHED"), "plain prune keeps the cache's layers");

        MainTest.Result bounded = hoist("prune", "--build-cache", "--keep-storage", "1m", "--grace", "0s");
        assertEquals(0, bounded.status(), bounded.err());
        assertTrue(bounded.out().contains("Deleted build cache entries: 0"), bounded.out());
        assertEquals(2, entries(), "both fit in 1 MiB");

        MainTest.Result all = hoist("prune", "--build-cache", "--grace", "0s");
        assertEquals(0, all.status(), all.err());
        assertTrue(all.out().contains("Deleted build cache entries: 2"), all.out());
        assertEquals(0, entries());
        assertEquals(0, hoist("inspect", "kept").status(), "an image keeps its layers");

        MainTest.Result again = hoist("build", ctx.toString());
        assertEquals(0, again.status(), again.err());
        assertFalse(again.err().contains("CACHED") || again.out().contains("CACHED"), "the cache is empty");
    }

    @Test
    void keepStorageNeedsBuildCache() {
        MainTest.Result r = hoist("prune", "--keep-storage", "1g");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--build-cache"), r.err());
    }

    @Test
    void pruneBuildCacheAlsoEmptiesTheCacheMounts() throws Exception {
        assertEquals(0, hoist("import", dev.hoist.testdata.Busybox.rootfsTar().toString(), "busybox:local").status());
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"),
                "FROM busybox:local\nRUN --mount=type=cache,target=/var/cache/app echo kept > /var/cache/app/seen\n");
        MainTest.Result first = hoist("build", ctx.toString());
        assertEquals(0, first.status(), first.err());
        Files.writeString(ctx.resolve("Dockerfile"),
                "FROM busybox:local\nRUN --mount=type=cache,target=/var/cache/app test -e /var/cache/app/seen\n");
        MainTest.Result reused = hoist("build", ctx.toString());
        assertEquals(0, reused.status(), "the mount keeps its files between builds: " + reused.err());

        MainTest.Result pruned = hoist("prune", "--build-cache", "--grace", "0s");
        assertEquals(0, pruned.status(), pruned.err());
        assertTrue(pruned.out().contains("Deleted cache mounts: 1"), pruned.out());

        Files.writeString(ctx.resolve("Dockerfile"),
                "FROM busybox:local\nRUN --mount=type=cache,target=/var/cache/app test ! -e /var/cache/app/seen\n");
        MainTest.Result after = hoist("build", ctx.toString());
        assertEquals(0, after.status(), "the mount starts empty after the prune: " + after.err());
    }

    @Test
    void rmiLeavesTheBuildCachesLayersSoARebuildIsCachedAndWhole() throws Exception {
        assertEquals(0, hoist("import", dev.hoist.testdata.Busybox.rootfsTar().toString(), "busybox:local").status());
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(ctx.resolve("a.txt"), "from the context\n");
        Files.writeString(ctx.resolve("Dockerfile"),
                "FROM busybox:local\nCOPY a.txt /a.txt\nRUN echo from a run > /b.txt\nCMD [\"cat\", \"/a.txt\", \"/b.txt\"]\n");
        MainTest.Result first = hoist("build", "-t", "app", ctx.toString());
        assertEquals(0, first.status(), first.err());
        MainTest.Result rmi = hoist("rmi", "app");
        assertEquals(0, rmi.status(), rmi.err());
        assertTrue(rmi.out().contains("Deleted: "), "the image itself goes: " + rmi.out());

        MainTest.Result again = hoist("build", "-t", "app", ctx.toString());
        assertEquals(0, again.status(), again.err());
        String progress = again.out() + again.err();
        assertEquals(2, progress.lines().filter(l -> l.endsWith(" CACHED")).count(), progress);
        assertEquals(0, progress.lines().filter(l -> l.endsWith(" DONE")).count(), progress);

        MainTest.Result run = hoist("run", "--rm", "app");
        assertEquals(0, run.status(), run.err());
        assertEquals("from the context\nfrom a run\n", run.out());
        MainTest.Result save = hoist("save", "-o", dir.resolve("app.tar").toString(), "app");
        assertEquals(0, save.status(), "every layer blob is there: " + save.err());
    }
}
