package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cache mount directories and their sharing modes, within one process and across two. */
class CacheMountsTest {
    @TempDir
    Path dir;

    private final List<String> waits = new CopyOnWriteArrayList<>();
    private final CacheMounts.WaitListener listener = new CacheMounts.WaitListener() {
        @Override
        public void waiting(String id) {
            waits.add(id);
        }
    };

    private CacheMounts mounts() {
        return new CacheMounts(dir.resolve("build-cache"));
    }

    private CacheMounts.Lease take(String id, String sharing) throws Exception {
        return mounts().acquire(id, null, sharing, 0, 0, 0755, listener);
    }

    /** Takes the cache on another thread; the future completes once it has it. */
    private CompletableFuture<CacheMounts.Lease> takeLater(String id, String sharing) {
        CompletableFuture<CacheMounts.Lease> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(take(id, sharing));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static void assertStillWaiting(CompletableFuture<?> f) {
        assertThrows(TimeoutException.class, () -> f.get(300, TimeUnit.MILLISECONDS), "it should wait");
    }

    @Test
    void aNewCacheIsMadeWithTheAskedOwnerAndMode() throws Exception {
        try (CacheMounts.Lease l = mounts().acquire("/root/.npm", null, "", 1000, 1001, 0700, listener)) {
            assertEquals(dir.resolve("build-cache/mounts").resolve(Digest.sha256("/root/.npm").hex()), l.dir());
            assertEquals(1000, Files.getAttribute(l.dir(), "unix:uid"));
            assertEquals(1001, Files.getAttribute(l.dir(), "unix:gid"));
            assertEquals(0700, (int) Files.getAttribute(l.dir(), "unix:mode") & 07777);
        }
        assertTrue(waits.isEmpty());
    }

    /** A seed that writes one file, and counts how often it was asked to. */
    private static final class CountingSeed implements CacheMounts.Seed {
        final String content;
        int written;

        CountingSeed(String content) {
            this.content = content;
        }

        @Override
        public String identity() {
            return Digest.sha256(content).toString();
        }

        @Override
        public void writeTo(Path to) throws java.io.IOException {
            written++;
            Files.createDirectories(to);
            Files.writeString(to.resolve("seeded"), content);
        }
    }

    @Test
    void aSeededCacheStartsWithItsSeedOnceAndIsAnotherCacheForOtherContent() throws Exception {
        CountingSeed one = new CountingSeed("one");
        Path first;
        try (CacheMounts.Lease l = mounts().acquire("deps", one, "", 0, 0, 0755, listener)) {
            first = l.dir();
            assertEquals("one", Files.readString(l.dir().resolve("seeded")));
            Files.writeString(l.dir().resolve("added"), "x");
        }
        try (CacheMounts.Lease l = mounts().acquire("deps", one, "shared", 0, 0, 0755, listener)) {
            assertEquals(first, l.dir());
            assertTrue(Files.exists(l.dir().resolve("added")), "an existing cache is used as it is");
        }
        assertEquals(1, one.written);
        try (CacheMounts.Lease plain = take("deps", "");
             CacheMounts.Lease two = mounts().acquire("deps", new CountingSeed("two"), "", 0, 0, 0755, listener)) {
            assertNotEquals(first, plain.dir(), "without a seed, another cache");
            assertFalse(Files.exists(plain.dir().resolve("seeded")));
            assertNotEquals(first, two.dir(), "with other content, another cache");
            assertEquals("two", Files.readString(two.dir().resolve("seeded")));
        }
        try (java.util.stream.Stream<Path> left = Files.list(dir.resolve("build-cache/mount-seeds"))) {
            assertEquals(0, left.count(), "no seed is left half-way");
        }
    }

    @Test
    void sharedUsersShareAndALockedOneWaitsForThemAll() throws Exception {
        CacheMounts.Lease a = take("c", "shared");
        CacheMounts.Lease b = take("c", "");
        assertEquals(a.dir(), b.dir());
        CompletableFuture<CacheMounts.Lease> locked = takeLater("c", "locked");
        assertStillWaiting(locked);
        a.close();
        assertStillWaiting(locked);
        b.close();
        try (CacheMounts.Lease l = locked.get(10, TimeUnit.SECONDS)) {
            assertEquals(a.dir(), l.dir());
        }
        assertEquals(List.of("c"), waits);
    }

    @Test
    void lockedUsersTakeTurns() throws Exception {
        CacheMounts.Lease first = take("c", "locked");
        CompletableFuture<CacheMounts.Lease> second = takeLater("c", "locked");
        CompletableFuture<CacheMounts.Lease> shared = takeLater("c", "shared");
        assertStillWaiting(second);
        assertStillWaiting(shared);
        first.close();
        // the two waiting get the cache in no set order (BuildKit's locked mode promises none), one after the other
        CompletableFuture.anyOf(second, shared).get(10, TimeUnit.SECONDS);
        CompletableFuture<CacheMounts.Lease> now = second.isDone() ? second : shared;
        CompletableFuture<CacheMounts.Lease> later = now == second ? shared : second;
        assertStillWaiting(later);
        now.join().close();
        later.get(10, TimeUnit.SECONDS).close();
    }

    @Test
    void aPrivateUserGetsAnotherInstanceWhileTheCacheIsInUse() throws Exception {
        Path first;
        try (CacheMounts.Lease a = take("c", "private")) {
            first = a.dir();
            Files.writeString(first.resolve("mark"), "a");
            try (CacheMounts.Lease b = take("c", "private"); CacheMounts.Lease c = take("c", "private")) {
                assertNotEquals(first, b.dir());
                assertNotEquals(b.dir(), c.dir());
                assertEquals(first.getFileName() + "-1", b.dir().getFileName().toString());
                assertFalse(Files.exists(b.dir().resolve("mark")));
            }
        }
        try (CacheMounts.Lease again = take("c", "private")) {
            assertEquals(first, again.dir(), "the first instance is free again");
            assertTrue(Files.exists(again.dir().resolve("mark")), "and keeps what was put in it");
        }
        try (CacheMounts.Lease shared = take("c", "shared")) {
            try (CacheMounts.Lease p = take("c", "private")) {
                assertNotEquals(shared.dir(), p.dir(), "a shared user makes the cache in use too");
            }
        }
        assertTrue(waits.isEmpty(), "private users never wait");
    }

    @Test
    void removalKeepsWhatIsInUse() throws Exception {
        CacheMounts.Lease busy = take("busy", "shared");
        take("idle", "locked").close();
        Files.writeString(busy.dir().resolve("f"), "x");

        assertEquals(new CacheMounts.Removal(1, 1), mounts().removeUnused(true));
        assertTrue(Files.isDirectory(dir.resolve("build-cache/mounts").resolve(Digest.sha256("idle").hex())),
                "a dry run removes nothing");

        assertEquals(new CacheMounts.Removal(1, 1), mounts().removeUnused(false));
        assertTrue(Files.exists(busy.dir().resolve("f")), "in use, so kept");
        assertEquals(1, list(dir.resolve("build-cache/mounts")).size());
        busy.close();
        assertEquals(new CacheMounts.Removal(1, 0), mounts().removeUnused(false));
        assertEquals(0, list(dir.resolve("build-cache/mounts")).size());
    }

    @Test
    void aCacheRemovedWhileWaitedForIsMadeAgain() throws Exception {
        CacheMounts.Lease held = take("c", "locked");
        CompletableFuture<CacheMounts.Lease> waiter = takeLater("c", "locked");
        assertStillWaiting(waiter);
        Build.deleteTree(held.dir());
        held.close();
        try (CacheMounts.Lease l = waiter.get(10, TimeUnit.SECONDS)) {
            assertTrue(Files.isDirectory(l.dir()));
        }
    }

    @Test
    void pruneKeepsACacheMountThatAnotherProcessIsUsing() throws Exception {
        LocalImages images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        Path cacheDir = images.root().path().resolve("build-cache");
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldLease.class.getName(), cacheDir.toString(), "apk", "locked")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("held", out.readLine(), "the other process took the cache");
            Path apk = cacheDir.resolve("mounts").resolve(Digest.sha256("apk").hex());
            Files.writeString(apk.resolve("index"), "x");

            BuildCache.Pruned pruned = new BuildCache(images).prune(0, false);
            assertEquals(0, pruned.mounts());
            assertEquals(1, pruned.mountsInUse());
            assertTrue(Files.exists(apk.resolve("index")), "a cache in use by another process is kept");

            CacheMounts mounts = new CacheMounts(cacheDir);
            try (CacheMounts.Lease p = mounts.acquire("apk", null, "private", 0, 0, 0755, listener)) {
                assertNotEquals(apk, p.dir(), "the other process's lock is seen here");
            }
            CompletableFuture<CacheMounts.Lease> waiter = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    waiter.complete(mounts.acquire("apk", null, "shared", 0, 0, 0755, listener));
                } catch (Throwable e) {
                    waiter.completeExceptionally(e);
                }
            });
            t.setDaemon(true);
            t.start();
            assertStillWaiting(waiter);
            other.getOutputStream().close();    // the other process lets go and exits
            assertTrue(other.waitFor(30, TimeUnit.SECONDS));
            waiter.get(10, TimeUnit.SECONDS).close();
            assertEquals(List.of("apk"), waits);

            BuildCache.Pruned after = new BuildCache(images).prune(0, false);
            assertEquals(2, after.mounts(), "the cache and the private instance");
            assertEquals(0, after.mountsInUse());
            assertFalse(Files.exists(apk));
        } finally {
            other.destroyForcibly();
        }
    }

    private static List<Path> list(Path d) throws Exception {
        try (var s = Files.list(d)) {
            return s.toList();
        }
    }

    /** Run in another JVM: takes a cache, prints "held", and keeps it until its input ends. */
    public static final class HoldLease {
        public static void main(String[] args) throws Exception {
            CacheMounts.WaitListener none = new CacheMounts.WaitListener() {
                @Override
                public void waiting(String id) {
                    throw new IllegalStateException("the cache should be free");
                }
            };
            try (CacheMounts.Lease l = new CacheMounts(Path.of(args[0])).acquire(args[1], null, args[2], 0, 0, 0755, none)) {
                System.out.println("held");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait for the test to close our input
                }
            }
        }
    }
}
