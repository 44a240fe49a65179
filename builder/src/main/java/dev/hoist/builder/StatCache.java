package dev.hoist.builder;

import dev.hoist.oci.TempPaths;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Content checksums of the build context's files, remembered with what {@code lstat} said of each file (size,
 * modification and change times in nanoseconds, inode and device), so that an unchanged context is not read
 * again: a file is re-read when any of those differ, which catches a changed file whose size and mtime were
 * put back (its ctime and, when replaced, its inode differ). A file changed within {@code racyWindow} of being
 * read is not remembered, since a change in the same clock tick would not show. Kept in one file per context
 * directory under the hoist root's {@code build-cache}; a missing or damaged file is an empty cache.
 * Thread-safe.
 */
final class StatCache {
    private static final int MAGIC = 0x68737431;   // "hst1"
    private static final int MAX_ENTRIES = 1_000_000;

    private final Path file;
    private final Duration racyWindow;
    private final Map<String, Entry> entries = new HashMap<>();
    private boolean dirty;
    private int hashed;

    /** A remembered checksum, with the status of the file when it was read. */
    private record Entry(Stamp stamp, byte[] sha256) {
    }

    /** What {@link #stat} said of a file, less its mode: what tells a changed file from an unchanged one. */
    record Stamp(long size, long mtimeNanos, long ctimeNanos, long ino, long dev) {
        static Stamp of(Map<String, Object> a) {
            return new Stamp((Long) a.get("size"), nanos((FileTime) a.get("lastModifiedTime")),
                    nanos((FileTime) a.get("ctime")), (Long) a.get("ino"), (Long) a.get("dev"));
        }

        /** Whether {@code o} is the same file, unchanged; with {@code ctime} false, its change time may differ. */
        boolean sameAs(Stamp o, boolean ctime) {
            return size == o.size && mtimeNanos == o.mtimeNanos && ino == o.ino && dev == o.dev
                    && (!ctime || ctimeNanos == o.ctimeNanos);
        }
    }

    private StatCache(Path file, Duration racyWindow) {
        this.file = file;
        this.racyWindow = racyWindow;
    }

    /** The cache kept in {@code file}, loaded when it exists and is readable. */
    static StatCache load(Path file, Duration racyWindow) {
        StatCache c = new StatCache(file, racyWindow);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC) {
                return c;
            }
            int n = in.readInt();
            if (n < 0 || n > MAX_ENTRIES) {
                return c;
            }
            for (int i = 0; i < n; i++) {
                String path = in.readUTF();
                Entry e = new Entry(new Stamp(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong()),
                        in.readNBytes(32));
                c.entries.put(path, e);
            }
        } catch (NoSuchFileException e) {
            return c;
        } catch (IOException | RuntimeException e) {
            c.entries.clear();  // damaged: start over, it is rewritten at the end of the build
            c.dirty = true;
        }
        return c;
    }

    /** The SHA-256 of the regular file {@code p}'s content, read only when its status changed since last time. */
    byte[] checksum(Path p) throws IOException {
        return checksum(p, stat(p));
    }

    /** What {@link #checksum(Path, Map)} needs of a file, and its mode: one {@code lstat}. */
    static Map<String, Object> stat(Path p) throws IOException {
        return Files.readAttributes(p, "unix:mode,size,lastModifiedTime,ctime,ino,dev", LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * As {@link #checksum(Path)}, with the file's {@link #stat} just read. The file is read outside the cache's
     * lock, so parallel stages hash at the same time; two threads hashing one file both publish a checksum that
     * matches the status each read first, so whichever is kept is right for that status.
     */
    byte[] checksum(Path p, Map<String, Object> a) throws IOException {
        Stamp now = Stamp.of(a);
        String key = p.toString();
        synchronized (this) {
            Entry old = entries.get(key);
            if (old != null && old.stamp().sameAs(now, true)) {
                return old.sha256;
            }
        }
        byte[] sum = sha256(p);
        long newest = Math.max(now.mtimeNanos(), now.ctimeNanos());
        long cutoff = nanos(FileTime.from(Instant.now().minus(racyWindow)));
        synchronized (this) {
            hashed++;
            if (newest < cutoff) {
                entries.put(key, new Entry(now, sum));
                dirty = true;
            } else if (entries.remove(key) != null) {
                dirty = true;
            }
        }
        return sum;
    }

    /**
     * After the build linked {@code p} (which moves its change time but not its content): takes its new status
     * for the remembered checksum when everything else still matches, so the next build need not read it.
     */
    synchronized void relinked(Path p) throws IOException {
        Entry old = entries.get(p.toString());
        if (old == null) {
            return;
        }
        Stamp now = Stamp.of(stat(p));
        if (now.sameAs(old.stamp(), false) && now.ctimeNanos() != old.stamp().ctimeNanos()) {
            entries.put(p.toString(), new Entry(now, old.sha256()));
            dirty = true;
        }
    }

    /** How many files this cache has read (for tests). */
    synchronized int hashed() {
        return hashed;
    }

    /** Writes the cache back when it changed; a failure to write only costs re-reading next time. */
    synchronized void save() {
        if (!dirty) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = TempPaths.createFile(file.getParent(), ".stat", ".tmp");
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                out.writeInt(MAGIC);
                out.writeInt(entries.size());
                for (Map.Entry<String, Entry> m : entries.entrySet()) {
                    Stamp st = m.getValue().stamp();
                    out.writeUTF(m.getKey());
                    out.writeLong(st.size());
                    out.writeLong(st.mtimeNanos());
                    out.writeLong(st.ctimeNanos());
                    out.writeLong(st.ino());
                    out.writeLong(st.dev());
                    out.write(m.getValue().sha256());
                }
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            dirty = false;
        } catch (IOException | RuntimeException e) {
            // best effort: the next build reads the files again
        }
    }

    /** A file time as nanoseconds since 1970, as the stamps hold them. */
    static long nanos(FileTime t) {
        Instant i = t.toInstant();
        return TimeUnit.SECONDS.toNanos(i.getEpochSecond()) + i.getNano();
    }

    static byte[] sha256(Path p) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            while (ch.read(buf) > 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return md.digest();
    }
}
