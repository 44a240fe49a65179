package dev.hoist.builder;

import dev.hoist.oci.Digest;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The directories of {@code RUN --mount=type=cache}: {@code build-cache/mounts/<sha256 of the id>}, and more
 * instances of a cache ({@code <hex>-1}, {@code <hex>-2}...) made for {@code sharing=private}. Who uses a
 * directory is told by a lock on its file in {@code build-cache/mount-locks/}, held for as long as a RUN has it
 * mounted: shared by {@code sharing=shared} users (BuildKit's default), exclusive for {@code locked} and
 * {@code private} ones and for removal, so that builds in other processes, parallel stages of one build and
 * {@code hoist prune} see one another. The lock files stay when their directory goes: removing a file that a
 * waiting process has open would let two processes lock the same name. A cache with a {@link Seed} (BuildKit's
 * {@code from=}) is another cache than the same id without one, or with other content, as BuildKit keys it by id
 * and source snapshot; a new directory of it starts with that content. Thread-safe.
 */
final class CacheMounts {
    /** BuildKit's sharing modes; the empty string is the default, shared. */
    static final String SHARED = "shared";
    static final String PRIVATE = "private";
    static final String LOCKED = "locked";
    /** How long a lease that must not wait still waits for another thread of this JVM taking the same file lock. */
    private static final long TAKING_WAIT_NANOS = 200_000_000L;
    /** How many instances of one cache {@code sharing=private} makes at most. */
    private static final int MAX_INSTANCES = 1000;

    /** This JVM's holders of each lock file: a process holds one lock per file (fcntl), shared among its threads. */
    private static final Map<Path, Holder> HOLDERS = new HashMap<>();

    private final Path mounts;
    private final Path locks;
    private final Path seeds;

    /** The cache mounts of the build cache in {@code buildCacheDir}. */
    CacheMounts(Path buildCacheDir) {
        this.mounts = buildCacheDir.resolve(BuildCache.MOUNTS);
        this.locks = buildCacheDir.resolve("mount-locks");
        this.seeds = buildCacheDir.resolve("mount-seeds");
    }

    /** The initial content of a new cache directory ({@code RUN --mount=type=cache,from=...}). */
    interface Seed {
        /** What the content is (a digest of its layers): caches of one id with other content are other caches. */
        String identity();

        /** Writes the content to {@code dir}, which does not exist yet. */
        void writeTo(Path dir) throws IOException;
    }

    /** The key that tells caches apart: the id, and the seed's identity if there is one (BuildKit's id:ref). */
    static String key(String id, Seed seed) {
        return seed == null ? id : id + ":" + seed.identity();
    }

    /** Who is waiting, told once before a lease has to wait for another user of the cache. */
    interface WaitListener {
        void waiting(String id);
    }

    /** One RUN's use of a cache directory; closing it lets others in. */
    static final class Lease implements AutoCloseable {
        private final Holder holder;
        private final boolean exclusive;
        private final Path dir;
        private boolean closed;

        private Lease(Holder holder, boolean exclusive, Path dir) {
            this.holder = holder;
            this.exclusive = exclusive;
            this.dir = dir;
        }

        /** The directory to mount. */
        Path dir() {
            return dir;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                holder.release(exclusive);
            }
        }
    }

    /**
     * Takes the cache {@code id} for one RUN as {@code sharing} asks (shared, the default: alongside other shared
     * users; locked: alone, waiting until the others are done; private: alone, on another instance of the cache
     * when this one is in use). A new directory is written from {@code seed}, or without one (null) is made empty,
     * owned by {@code uid:gid} with {@code mode}; an existing one is used as it is, as BuildKit reuses a cache.
     */
    Lease acquire(String id, Seed seed, String sharing, int uid, int gid, int mode, WaitListener listener)
            throws IOException, InterruptedException {
        String name = Digest.sha256(key(id, seed)).hex();
        Lease lease;
        if (sharing.equals(PRIVATE)) {
            lease = null;
            for (int i = 0; lease == null; i++) {
                if (i == MAX_INSTANCES) {
                    throw new IOException("the cache mount " + id + " has " + MAX_INSTANCES
                            + " instances in use at once (sharing=private): too many parallel builds");
                }
                lease = lock(i == 0 ? name : name + "-" + i, true, false);
            }
        } else {
            boolean exclusive = sharing.equals(LOCKED);
            lease = lock(name, exclusive, false);
            if (lease == null) {
                listener.waiting(id);
                lease = lock(name, exclusive, true);
            }
        }
        try {
            // made under the lock: a prune may just have removed it
            if (!Files.isDirectory(lease.dir, LinkOption.NOFOLLOW_LINKS)) {
                if (seed == null) {
                    Files.createDirectories(lease.dir);
                    CopyTree.setMeta(lease.dir, uid, gid, mode);
                } else {
                    seed(lease.dir, seed);
                }
            }
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
        return lease;
    }

    /**
     * Writes {@code seed} beside the mounts, then renames it into place as {@code dir}: shared users hold the lock
     * together, so another may be seeding the same directory, and the first rename wins.
     */
    private void seed(Path dir, Seed seed) throws IOException {
        Files.createDirectories(seeds);
        Files.createDirectories(mounts);
        Path tmp = Files.createTempDirectory(seeds, dir.getFileName() + "-");
        try {
            Path content = tmp.resolve("content");
            seed.writeTo(content);
            try {
                Files.move(content, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
                // another user of the shared cache seeded it first: theirs is the cache
            }
        } finally {
            Build.deleteTree(tmp);
        }
    }

    /** What {@link #removeUnused} found: the directories removed (or, on a dry run, that would be) and those in use. */
    record Removal(int removed, int inUse) {
    }

    /**
     * Removes every cache directory that no build is using (with {@code dryRun}, only counts them). The mounts
     * directory itself stays: a build may be making a new cache in it.
     */
    Removal removeUnused(boolean dryRun) throws IOException {
        List<Path> dirs = new ArrayList<>();
        if (Files.isDirectory(mounts, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(mounts)) {
                for (Path p : s) {
                    dirs.add(p);
                }
            }
        }
        int removed = 0;
        int inUse = 0;
        for (Path d : dirs) {
            Lease lease;
            try {
                lease = lock(d.getFileName().toString(), true, false);
            } catch (InterruptedException e) {
                throw new AssertionError("a lock that does not wait was interrupted", e);
            }
            if (lease == null) {
                inUse++;
                continue;
            }
            try (lease) {
                if (!dryRun) {
                    Build.deleteTree(d);
                    if (Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                        throw new IOException("cannot remove the cache mount " + d
                                + "; check that the hoist root is writable");
                    }
                }
                removed++;
            }
        }
        return new Removal(removed, inUse);
    }

    /** The lease of directory {@code name} under the mounts, or null if it is in use and {@code wait} is false. */
    private Lease lock(String name, boolean exclusive, boolean wait) throws IOException, InterruptedException {
        Path file = locks.resolve(name + ".lock");
        Holder h;
        synchronized (HOLDERS) {
            h = HOLDERS.get(file);
            if (h == null) {
                h = new Holder(file);
                HOLDERS.put(file, h);
            }
        }
        return h.acquire(exclusive, wait) ? new Lease(h, exclusive, mounts.resolve(name)) : null;
    }

    /**
     * This JVM's use of one lock file: how many shared users, whether an exclusive one, and the file lock that
     * stands for them towards other processes (taken by the first, released by the last).
     */
    private static final class Holder {
        private final Path file;
        private int shared;
        private boolean exclusive;
        /** A thread of this JVM is taking the file lock, without holding this monitor while it may wait. */
        private boolean taking;
        private FileChannel channel;

        Holder(Path file) {
            this.file = file;
        }

        boolean acquire(boolean wantExclusive, boolean wait) throws IOException, InterruptedException {
            synchronized (this) {
                while (exclusive || taking || (wantExclusive && shared > 0)) {
                    if (!wait) {
                        if (taking && !exclusive && !(wantExclusive && shared > 0) && awaitTaken()) {
                            continue;   // another thread of this JVM was only taking the file lock
                        }
                        return false;
                    }
                    wait();
                }
                if (channel != null) {
                    shared++;   // the file lock is already held, shared, for this JVM's other users
                    return true;
                }
                taking = true;
            }
            FileChannel ch = null;
            FileLock lock = null;
            try {
                Files.createDirectories(file.getParent());
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                lock = wait ? ch.lock(0, Long.MAX_VALUE, !wantExclusive) : ch.tryLock(0, Long.MAX_VALUE, !wantExclusive);
            } catch (java.nio.channels.FileLockInterruptionException e) {
                throw new InterruptedException("interrupted while waiting for " + file);
            } finally {
                synchronized (this) {
                    taking = false;
                    if (lock != null) {
                        channel = ch;
                        if (wantExclusive) {
                            exclusive = true;
                        } else {
                            shared++;
                        }
                    } else if (ch != null) {
                        try {
                            ch.close();
                        } catch (IOException ignored) {
                            // what failed is reported; this channel held nothing
                        }
                    }
                    notifyAll();
                }
            }
            return lock != null;
        }

        /**
         * Waits a little for another thread of this JVM to finish taking the file lock (holding this monitor), which
         * takes a moment unless another process holds the lock; whether it has.
         */
        private boolean awaitTaken() throws InterruptedException {
            long deadline = System.nanoTime() + TAKING_WAIT_NANOS;
            for (long left = TAKING_WAIT_NANOS; taking && left > 0; left = deadline - System.nanoTime()) {
                wait(Math.max(1, left / 1_000_000));
            }
            return !taking;
        }

        synchronized void release(boolean wasExclusive) throws IOException {
            if (wasExclusive) {
                exclusive = false;
            } else {
                shared--;
            }
            try {
                if (!exclusive && shared == 0) {
                    FileChannel ch = channel;
                    channel = null;
                    ch.close();     // releases the file lock
                }
            } finally {
                notifyAll();
            }
        }
    }
}
