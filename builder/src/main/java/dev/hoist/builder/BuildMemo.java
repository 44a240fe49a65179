package dev.hoist.builder;

import dev.hoist.dockerfile.DockerIgnore;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.oci.TempPaths;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The outcome of whole builds in which every step came from the cache, by everything such a build reads: what
 * lets a rebuild with nothing changed skip parsing, planning and looking up each step (a no-op rebuild's own
 * work is then a few file stats). One file per build key, {@code <root>/build-cache/memo-<key-hex>.bin}:
 * <ul>
 *   <li>the key (made by the build) covers the Dockerfile's bytes, the {@code .dockerignore}, the request, the
 *       host and the hoist code;</li>
 *   <li>the file holds the image, the base images each reference resolved to and the image store's status when
 *       it did, a fingerprint of the context's file statuses when the build read the context, and the build's
 *       progress output and steps, replayed on a hit.</li>
 * </ul>
 * A memo is written only when the context files are older than the build (by the stat cache's racy window), so
 * a file changed during or just before the build, within the file system's clock tick, is never taken as
 * unchanged. Anything that does not match is a miss, and the build runs as usual. Thread-safe; files are
 * written atomically; a damaged one is a miss.
 */
final class BuildMemo {
    private static final int MAGIC = 0x68626d31;   // "hbm1"
    static final String PREFIX = "memo-";
    private static final int MAX_BYTES = 4 << 20;

    private final Path dir;

    BuildMemo(Path buildCacheDir) {
        this.dir = buildCacheDir;
    }

    /** A base image reference and the store target it resolved to. */
    record Base(String reference, Digest target) {
    }

    /** What a memo holds. {@code context} is null when the build read no file of its context. */
    record Entry(Descriptor image, Digest id, StatCache.Stamp store, byte[] context, List<Base> bases, byte[] progress,
                 List<StepResult> steps) {
    }

    /** Builds a memo key from its parts, each written length-first so that no two part lists give the same bytes. */
    static final class Key {
        private final Digester md = Digester.sha256();

        Key add(String s) {
            return add(s == null ? new byte[] {(byte) 0xff} : s.getBytes(StandardCharsets.UTF_8));
        }

        Key add(byte[] b) {
            int n = b.length;
            md.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n}, 0, 4);
            md.update(b, 0, n);
            return this;
        }

        Key add(Map<String, String> m) {
            add(Integer.toString(m.size()));
            for (Map.Entry<String, String> e : m.entrySet()) {
                add(e.getKey()).add(e.getValue());
            }
            return this;
        }

        Digest digest() {
            return md.digest();
        }
    }

    private Path file(Digest key) {
        return dir.resolve(PREFIX + key.hex() + ".bin");
    }

    /** The memo for {@code key}; empty when there is none or it is damaged. */
    Optional<Entry> lookup(Digest key) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file(key));
        } catch (IOException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(decode(bytes));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Writes the memo for {@code key}; best effort (a build that cannot write it only loses the shortcut). */
    void store(Digest key, Entry e) {
        try {
            byte[] bytes = encode(e);
            if (bytes.length > MAX_BYTES) {
                return;
            }
            Files.createDirectories(dir);
            Path tmp = TempPaths.createFile(dir, ".memo", ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, file(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException ignored) {
            // the next build takes the long way again
        }
    }

    /** Removes every memo; returns how many. */
    static int clear(Path buildCacheDir) throws IOException {
        int n = 0;
        if (!Files.isDirectory(buildCacheDir)) {
            return 0;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(buildCacheDir, PREFIX + "*.bin")) {
            for (Path f : s) {
                if (Files.deleteIfExists(f)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static byte[] encode(Entry e) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buf);
        out.writeInt(MAGIC);
        writeDescriptor(out, e.image());
        writeString(out, e.id().toString());
        StatCache.Stamp s = e.store();
        out.writeLong(s.size());
        out.writeLong(s.mtimeNanos());
        out.writeLong(s.ctimeNanos());
        out.writeLong(s.ino());
        out.writeLong(s.dev());
        writeBytes(out, e.context());
        out.writeInt(e.bases().size());
        for (Base b : e.bases()) {
            writeString(out, b.reference());
            writeString(out, b.target().toString());
        }
        writeBytes(out, e.progress());
        out.writeInt(e.steps().size());
        for (StepResult r : e.steps()) {
            out.writeInt(r.number());
            writeString(out, r.stage());
            writeString(out, r.instruction());
            out.writeInt(r.line());
            out.writeBoolean(r.cacheable());
            out.writeBoolean(r.cached());
            out.writeBoolean(r.layer() != null);
            if (r.layer() != null) {
                writeDescriptor(out, r.layer());
            }
        }
        CRC32 crc = new CRC32();
        crc.update(buf.toByteArray());
        out.writeLong(crc.getValue());
        out.flush();
        return buf.toByteArray();
    }

    private static Entry decode(byte[] bytes) throws IOException {
        if (bytes.length < 12) {
            throw new IOException("truncated");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        if (in.readInt() != MAGIC) {
            throw new IOException("not a build memo");
        }
        Descriptor image = readDescriptor(in);
        Digest id = Digest.parse(readString(in));
        StatCache.Stamp store = new StatCache.Stamp(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong());
        byte[] context = readBytes(in);
        int nb = in.readInt();
        List<Base> bases = new ArrayList<>();
        for (int i = 0; i < nb; i++) {
            bases.add(new Base(readString(in), Digest.parse(readString(in))));
        }
        byte[] progress = readBytes(in);
        int ns = in.readInt();
        List<StepResult> steps = new ArrayList<>();
        for (int i = 0; i < ns; i++) {
            int number = in.readInt();
            String stage = readString(in);
            String instruction = readString(in);
            int line = in.readInt();
            boolean cacheable = in.readBoolean();
            boolean cached = in.readBoolean();
            Descriptor layer = in.readBoolean() ? readDescriptor(in) : null;
            steps.add(new StepResult(number, stage, instruction, line, cacheable, cached, layer));
        }
        if (in.readLong() != crc.getValue() || in.available() != 0) {
            throw new IOException("damaged");
        }
        return new Entry(image, id, store, context, bases, progress == null ? new byte[0] : progress, steps);
    }

    private static void writeDescriptor(DataOutputStream out, Descriptor d) throws IOException {
        writeString(out, d.mediaType());
        writeString(out, d.digest().toString());
        out.writeLong(d.size());
    }

    private static Descriptor readDescriptor(DataInputStream in) throws IOException {
        return new Descriptor(readString(in), Digest.parse(readString(in)), in.readLong());
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = readBytes(in);
        if (b == null) {
            throw new IOException("missing string");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        if (n > in.available()) {
            throw new IOException("truncated");
        }
        return in.readNBytes(n);
    }

    /** The status of {@code file} (the image store's), or all -1 when it does not exist. */
    static StatCache.Stamp stamp(Path file) throws IOException {
        try {
            return StatCache.Stamp.of(StatCache.stat(file));
        } catch (NoSuchFileException e) {
            return new StatCache.Stamp(-1, -1, -1, -1, -1);
        }
    }

    /**
     * A digest of the status of every entry of {@code context} that {@code ignore} leaves in: path, type, mode,
     * and for all but directories size, times, inode and device. Null when an entry (directories included, whose
     * times change when an entry goes) changed at or after {@code notBeforeNanos}: such a file may have changed
     * since the build read it, in the same clock tick. Pass {@link Long#MAX_VALUE} to skip that test.
     */
    static byte[] fingerprint(Path context, DockerIgnore ignore, long notBeforeNanos) throws IOException {
        Digester md = Digester.sha256();
        Map<String, Object> root = StatCache.stat(context);
        if (newest(root) >= notBeforeNanos) {
            return null;
        }
        return walk(context, "", ignore, md, notBeforeNanos) ? md.digest().toString().getBytes(StandardCharsets.US_ASCII)
                : null;
    }

    private static boolean walk(Path dir, String rel, DockerIgnore ignore, Digester md, long notBefore)
            throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                names.add(p.getFileName().toString());
            }
        }
        String[] sorted = names.toArray(new String[0]);
        Arrays.sort(sorted);
        for (String name : sorted) {
            String kRel = rel.isEmpty() ? name : rel + "/" + name;
            Path p = dir.resolve(name);
            Map<String, Object> a = StatCache.stat(p);
            int mode = (Integer) a.get("mode");
            boolean isDir = (mode & 0170000) == 0040000;
            boolean excluded = ignore.excludes(kRel);
            if (excluded && !(isDir && ignore.hasExceptions())) {
                continue;
            }
            StatCache.Stamp st = StatCache.Stamp.of(a);
            if (Math.max(st.mtimeNanos(), st.ctimeNanos()) >= notBefore) {
                return false;
            }
            StringBuilder line = new StringBuilder(kRel).append('\0').append(Integer.toOctalString(mode));
            if (!isDir) {
                line.append(' ').append(st.size()).append(' ').append(st.mtimeNanos()).append(' ')
                        .append(st.ctimeNanos()).append(' ').append(st.ino()).append(' ').append(st.dev());
            }
            if (!excluded) {
                byte[] b = line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
                md.update(b, 0, b.length);
            }
            if (isDir && !walk(p, kRel, ignore, md, notBefore)) {
                return false;
            }
        }
        return true;
    }

    /** The wall clock in the file system's unit: nanoseconds since 1970. */
    static long nowNanos() {
        return StatCache.nanos(FileTime.from(java.time.Instant.now()));
    }

    private static long newest(Map<String, Object> a) {
        StatCache.Stamp st = StatCache.Stamp.of(a);
        return Math.max(st.mtimeNanos(), st.ctimeNanos());
    }
}
