package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildCachePruneTest {
    @TempDir
    Path dir;

    private LocalImages images;
    private BuildCache cache;

    @BeforeEach
    void setUp() throws Exception {
        images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        cache = new BuildCache(images);
    }

    /** A cache entry for a layer of {@code size} bytes, last used at {@code minute}. */
    private Digest entry(String name, int size, int minute) throws Exception {
        Descriptor layer = images.blobs().put("application/vnd.docker.image.rootfs.diff.tar.gzip",
                (name + "x".repeat(size - name.length())).getBytes());
        Digest key = Digest.sha256(name);
        cache.store(key, new BuildCache.Entry(layer, Digest.sha256("diff " + name)));
        Files.setLastModifiedTime(dir.resolve("root/build-cache").resolve(key.hex() + ".json"),
                FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * minute)));
        return key;
    }

    @Test
    void keepsTheMostRecentlyUsedEntriesWithinTheBound() throws Exception {
        Digest old = entry("old", 1000, 1);
        Digest mid = entry("mid", 1000, 2);
        Digest recent = entry("recent", 1000, 3);
        Digest none = Digest.sha256("no layer");
        cache.store(none, new BuildCache.Entry(null, null));
        Files.setLastModifiedTime(dir.resolve("root/build-cache").resolve(none.hex() + ".json"),
                FileTime.from(Instant.parse("2026-01-01T00:10:00Z")));

        BuildCache.Pruned dry = cache.prune(2500, true);
        assertEquals(1, dry.entries());
        assertTrue(Files.exists(dir.resolve("root/build-cache").resolve(old.hex() + ".json")), "a dry run removes nothing");

        BuildCache.Pruned pruned = cache.prune(2500, false);
        assertEquals(new BuildCache.Pruned(1, 1000, 2000, 0, 0), pruned);
        assertFalse(cache.lookup(old).isPresent());
        assertTrue(cache.lookup(mid).isPresent());
        assertTrue(cache.lookup(recent).isPresent());
        assertTrue(cache.lookup(none).isPresent());
    }

    @Test
    void aLookupMakesAnEntryRecent() throws Exception {
        Digest first = entry("first", 1000, 1);
        Digest second = entry("second", 1000, 2);
        assertTrue(cache.lookup(first).isPresent());
        cache.prune(1000, false);
        assertTrue(cache.lookup(first).isPresent(), "used last, so kept");
        assertFalse(cache.lookup(second).isPresent());
    }

    @Test
    void withoutABoundEverythingGoesWithTheStatCaches() throws Exception {
        entry("a", 100, 1);
        Files.writeString(dir.resolve("root/build-cache/stat-0123.bin"), "x");
        assertEquals(1, cache.prune(0, false).entries());
        assertFalse(Files.exists(dir.resolve("root/build-cache/stat-0123.bin")));
        assertTrue(cache.gcRoots().roots().isEmpty(), "no layer is kept for the cache any more");
    }

    /** A RUN --mount=type=cache directory holding a file, as a build leaves it. */
    private Path cacheMount() throws Exception {
        Path m = Files.createDirectories(dir.resolve("root/build-cache/mounts").resolve(Digest.sha256("/var/cache").hex()));
        Files.createDirectories(m.resolve("apk"));
        Files.writeString(m.resolve("apk/index"), "x");
        return m;
    }

    @Test
    void clearRemovesEntriesStatCachesAndCacheMounts() throws Exception {
        Digest key = entry("a", 100, 1);
        Files.writeString(dir.resolve("root/build-cache/stat-0123.bin"), "x");
        Path mount = cacheMount();
        assertEquals(1, cache.clear());
        assertFalse(cache.lookup(key).isPresent());
        assertFalse(Files.exists(dir.resolve("root/build-cache/stat-0123.bin")));
        assertFalse(Files.exists(mount));
    }

    @Test
    void pruningEverythingRemovesTheCacheMountsAsBuilderPruneDoes() throws Exception {
        entry("a", 100, 1);
        Digest none = Digest.sha256("a RUN that changed only its cache mount");
        cache.store(none, new BuildCache.Entry(null, null));
        Path mount = cacheMount();
        BuildCache.Pruned dry = cache.prune(0, true);
        assertEquals(1, dry.mounts());
        assertTrue(Files.exists(mount.resolve("apk/index")), "a dry run removes nothing");
        assertEquals(new BuildCache.Pruned(2, 100, 0, 1, 0), cache.prune(0, false), "entries without a layer go too");
        assertFalse(cache.lookup(none).isPresent());
        assertFalse(Files.exists(mount));
    }

    @Test
    void aBoundedPruneKeepsTheCacheMounts() throws Exception {
        entry("old", 1000, 1);
        entry("recent", 1000, 2);
        Path mount = cacheMount();
        assertEquals(new BuildCache.Pruned(1, 1000, 1000, 0, 0), cache.prune(1000, false));
        assertTrue(Files.exists(mount.resolve("apk/index")));
    }
}
