package dev.hoist.cache.layer;

import dev.hoist.cache.BlobInfo;
import dev.hoist.cache.BlobWriter;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.oci.MediaTypes.Compression;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * Writes OCI layers: a directory tree, or a change set (explicit, or an overlayfs upper directory), as a
 * tar stream, compressed with gzip, zstd or not at all, into a caller's stream. The same input gives the
 * same bytes: entries are in path order (a directory before its contents, siblings by the bytes of their
 * names), headers are normalised (numeric owner only, no atime or ctime, mtime in whole seconds and, when
 * asked, clamped to a build epoch), gzip headers hold no name and no time, and gzip output does not depend
 * on thread timing.
 *
 * <p>Regular files, directories, symlinks, hard links (files sharing an inode become links to the first
 * path written), device nodes and fifos are written, with setuid, setgid and sticky bits and xattrs (but not
 * overlayfs' own {@code trusted.overlay.*} / {@code user.overlay.*} nor {@code security.selinux}); sockets
 * are skipped. gzip deflates on several threads of the executor while the calling thread reads files.
 * Thread-safe: one writer may write several layers at once.
 */
public final class LayerWriter {
    private static final Comparator<byte[]> PATH_ORDER = new Comparator<>() {
        @Override
        public int compare(byte[] a, byte[] b) {
            return comparePaths(a, b);
        }
    };

    private static boolean warmedUp;

    private final Compression compression;
    private final int level;
    private final Instant clampMtime;
    private final Executor executor;
    private final int parallelism;

    private LayerWriter(Builder b) {
        this.compression = b.compression;
        this.level = b.level != null ? b.level
                : compression == Compression.ZSTD ? LayerCompression.DEFAULT_ZSTD_LEVEL : LayerCompression.DEFAULT_GZIP_LEVEL;
        this.clampMtime = b.clampMtime;
        this.executor = b.executor != null ? b.executor : LayerThreads.shared();
        this.parallelism = b.parallelism > 0 ? b.parallelism : Runtime.getRuntime().availableProcessors();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Writes every file under {@code dir} (not {@code dir} itself) as a layer into {@code out}, which is
     * not closed.
     */
    public WrittenLayer writeTree(Path dir, OutputStream out) throws IOException, LayerException {
        return write(treeItems(dir), out);
    }

    /**
     * As {@link #writeTree(Path, OutputStream)}, into {@code blob}, which is then committed: the layer's
     * digest is the one the blob writer computes as it stores the bytes, so they are hashed once.
     */
    public WrittenLayer writeTree(Path dir, BlobWriter blob) throws IOException, LayerException {
        return write(treeItems(dir), blob);
    }

    /** Writes the changes as a layer into {@code out}, which is not closed. */
    public WrittenLayer writeChanges(ChangeSet changes, OutputStream out) throws IOException, LayerException {
        return write(changeItems(changes), out);
    }

    /** As {@link #writeChanges(ChangeSet, OutputStream)}, into {@code blob}, which is then committed. */
    public WrittenLayer writeChanges(ChangeSet changes, BlobWriter blob) throws IOException, LayerException {
        return write(changeItems(changes), blob);
    }

    private List<Item> treeItems(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("cannot write a layer from " + dir + ": it is not a directory");
        }
        List<Item> items = new ArrayList<>();
        walk(dir, "", items);
        return items;
    }

    private static List<Item> changeItems(ChangeSet changes) throws IOException {
        Path root = changes.root();
        Map<String, Item> byName = new LinkedHashMap<>();
        for (String p : changes.changed()) {
            addEntry(root, p, byName);
        }
        for (String p : changes.opaqueDirectories()) {
            addEntry(root, p, byName);
            String marker = p + "/.wh..wh..opq";
            byName.put(marker, new Item(marker, null, null));
        }
        for (String p : changes.deleted()) {
            int slash = p.lastIndexOf('/');
            String marker = (slash < 0 ? "" : p.substring(0, slash + 1)) + ".wh." + p.substring(slash + 1);
            byName.put(marker, new Item(marker, null, null));
        }
        for (String name : new ArrayList<>(byName.keySet())) {
            for (int slash = name.lastIndexOf('/'); slash > 0; slash = name.lastIndexOf('/', slash - 1)) {
                String parent = name.substring(0, slash);
                if (byName.containsKey(parent)) {
                    continue;
                }
                Path pp = root.resolve(parent);
                if (ChangeSet.isDirectory(pp)) {
                    byName.put(parent, new Item(parent, pp, FileStat.of(pp)));
                }
            }
        }
        TreeMap<byte[], Item> sorted = new TreeMap<>(PATH_ORDER);
        for (Item it : byName.values()) {
            sorted.put(it.name.getBytes(StandardCharsets.UTF_8), it);
        }
        return new ArrayList<>(sorted.values());
    }

    /**
     * Writes the changes an overlayfs upper directory records (see {@link ChangeSet#fromOverlayUpper}) as a
     * layer into {@code out}, which is not closed. The overlay should be unmounted, or at least quiet.
     */
    public WrittenLayer writeOverlayUpper(Path upper, OutputStream out) throws IOException, LayerException {
        return writeChanges(ChangeSet.fromOverlayUpper(upper), out);
    }

    /** As {@link #writeOverlayUpper(Path, OutputStream)}, into {@code blob}, which is then committed. */
    public WrittenLayer writeOverlayUpper(Path upper, BlobWriter blob) throws IOException, LayerException {
        return writeChanges(ChangeSet.fromOverlayUpper(upper), blob);
    }

    private static void addEntry(Path root, String p, Map<String, Item> byName) throws IOException {
        Path path = root.resolve(p);
        try {
            byName.put(p, new Item(p, path, FileStat.of(path)));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "a changed path is missing from the change set's root");
        }
    }

    private void walk(Path dir, String prefix, List<Item> items) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path c : s) {
                names.add(c.getFileName().toString());
            }
        }
        byte[][] keys = new byte[names.size()][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = names.get(i).getBytes(StandardCharsets.UTF_8);
        }
        Integer[] order = new Integer[keys.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]));
        for (int i : order) {
            Path p = dir.resolve(names.get(i));
            FileStat st = FileStat.of(p);
            String name = prefix + names.get(i);
            items.add(new Item(name, p, st));
            if (st.isDirectory()) {
                walk(p, name + "/", items);
            }
        }
    }

    private WrittenLayer write(List<Item> items, OutputStream out) throws IOException, LayerException {
        Objects.requireNonNull(out, "out");
        Digester compressed = Digester.sha256();
        Written w = writeTar(items, compression == Compression.NONE ? out : compressed.wrap(out));
        Digest digest = compression == Compression.NONE ? w.diffId : compressed.digest();
        return new WrittenLayer(w.diffId, digest, w.size, compression);
    }

    /**
     * Writes the layer into {@code blob} and commits it. The blob's digest is the one the writer computes
     * as it stores the bytes, so they are hashed once.
     */
    private WrittenLayer write(List<Item> items, BlobWriter blob) throws IOException, LayerException {
        Objects.requireNonNull(blob, "blob");
        Written w = writeTar(items, blob.stream());
        BlobInfo info = blob.commit(compression == Compression.NONE ? w.diffId : null);
        return new WrittenLayer(w.diffId, info.digest(), info.size(), compression);
    }

    /** The diffID and the size of the bytes written into {@code out}. */
    private Written writeTar(List<Item> items, OutputStream out) throws IOException, LayerException {
        CountingOutputStream counted = new CountingOutputStream(out);
        Digester diff = Digester.sha256();
        OutputStream tar;
        if (compression == Compression.GZIP) {
            // the diffID is computed by the gzip stream's tasks, off this thread, which reads the files
            tar = new ParallelGzipOutputStream(counted, level, executor, parallelism, diff);
        } else {
            tar = diff.wrap(new BufferedOutputStream(LayerCompression.compress(counted, compression, level), 256 * 1024));
        }
        TarWriter tw = new TarWriter(tar);
        Map<String, String> inodes = new HashMap<>();
        byte[] buf = new byte[1024 * 1024];
        for (Item it : items) {
            TarEntry e = entry(it, inodes);
            if (e == null) {
                continue;
            }
            tw.writeHeader(e);
            if (e.type() == TarEntry.Type.FILE && e.size() > 0) {
                copy(it, e.size(), tar, buf);
                tw.pad(e.size());
            }
        }
        tw.finish();
        tar.close();
        return new Written(diff.digest(), counted.count);
    }

    private record Written(Digest diffId, long size) {
    }

    /**
     * Binds the native calls that reading an overlay upper directory and writing its layer make. JNA binds them
     * on first use, which takes ~60 ms, most of it {@code ldconfig -p}, which JNA runs to learn the library
     * paths; the builder calls this on another thread while its first RUN step's process runs. Idempotent and
     * thread-safe.
     */
    public static void loadNativeCalls() {
        Posix.load();
    }

    /**
     * Runs the loops that writing a big layer spends its time in (the entropy check, deflate's stored blocks,
     * CRC-32 and SHA-256) over 16 MiB of made-up data, on the calling thread, so that the JIT has compiled
     * them before a real layer needs them: a fresh process wrote a 256 MiB layer in ~1.0 s, ~0.8 s after
     * this, its first megabytes otherwise hashed and checked by the interpreter and the first tier. The
     * builder calls this on a spare core while a long RUN step runs. Runs once a process, whatever the writer;
     * later calls, and calls while it runs, return at once. Thread-safe.
     */
    public void warmUp() {
        synchronized (LayerWriter.class) {
            if (warmedUp) {
                return;
            }
            warmedUp = true;
        }
        byte[] noise = new byte[1024 * 1024];
        new java.util.Random(1).nextBytes(noise);
        // hashed as the blob store hashes what it stores
        OutputStream sink = Digester.sha256().wrap(OutputStream.nullOutputStream());
        try (OutputStream gz = new ParallelGzipOutputStream(sink, compression == Compression.GZIP ? level : 1, executor,
                parallelism, Digester.sha256())) {
            for (int i = 0; i < 12; i++) {
                gz.write(noise);
            }
            java.util.Arrays.fill(noise, (byte) 0);
            for (int i = 0; i < 4; i++) {
                gz.write(noise);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // writes to memory only
        }
    }

    /** Counts the bytes written through it; closing it only flushes: the caller's stream stays open. */
    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    private static void copy(Item it, long size, OutputStream out, byte[] buf) throws IOException, LayerException {
        try (FileChannel ch = FileChannel.open(it.path, StandardOpenOption.READ)) {
            long left = size;
            while (left > 0) {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, (int) Math.min(buf.length, left));
                int n = ch.read(bb);
                if (n < 0) {
                    throw new LayerException(it.name, "the file shrank while it was written into the layer; "
                            + "write layers from a tree nothing else changes");
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    private TarEntry entry(Item it, Map<String, String> inodes) throws IOException {
        long fixedTime = clampMtime == null ? 0 : clampMtime.getEpochSecond();
        if (it.path == null) { // a whiteout or opaque marker
            return new TarEntry(it.name, TarEntry.Type.FILE, 0, 0, 0, 0, fixedTime, 0, "", 0, 0, null);
        }
        FileStat st = it.stat;
        long mtime = st.mtimeSeconds();
        if (clampMtime != null && mtime > clampMtime.getEpochSecond()) {
            mtime = clampMtime.getEpochSecond();
        }
        int type = st.type();
        if (type == Posix.S_IFSOCK) {
            return null;
        }
        int mode = st.mode() & 07777;
        TreeMap<String, byte[]> xattrs = xattrs(it.path);
        if (type == Posix.S_IFDIR) {
            return new TarEntry(it.name + "/", TarEntry.Type.DIR, mode, st.uid(), st.gid(), 0, mtime, 0, "", 0, 0, xattrs);
        }
        if (st.nlink() > 1) {
            String first = inodes.putIfAbsent(st.dev() + ":" + st.ino(), it.name);
            if (first != null) {
                return new TarEntry(it.name, TarEntry.Type.HARDLINK, mode, st.uid(), st.gid(), 0, mtime, 0, first, 0, 0, xattrs);
            }
        }
        return switch (type) {
            case Posix.S_IFREG -> new TarEntry(it.name, TarEntry.Type.FILE, mode, st.uid(), st.gid(), st.size(), mtime, 0, "", 0, 0, xattrs);
            case Posix.S_IFLNK -> new TarEntry(it.name, TarEntry.Type.SYMLINK, mode, st.uid(), st.gid(), 0, mtime, 0,
                    Posix.readlink(it.path), 0, 0, xattrs);
            case Posix.S_IFCHR, Posix.S_IFBLK -> new TarEntry(it.name, type == Posix.S_IFCHR ? TarEntry.Type.CHAR : TarEntry.Type.BLOCK,
                    mode, st.uid(), st.gid(), 0, mtime, 0, "", Posix.major(st.rdev()), Posix.minor(st.rdev()), xattrs);
            case Posix.S_IFIFO -> new TarEntry(it.name, TarEntry.Type.FIFO, mode, st.uid(), st.gid(), 0, mtime, 0, "", 0, 0, xattrs);
            default -> throw new IOException("unknown file type " + Integer.toOctalString(type) + " of " + it.path);
        };
    }

    private static TreeMap<String, byte[]> xattrs(Path p) throws IOException {
        List<String> names = Posix.llistxattr(p);
        if (names.isEmpty()) {
            return null;
        }
        TreeMap<String, byte[]> out = new TreeMap<>();
        for (String n : names) {
            if (n.startsWith("trusted.overlay.") || n.startsWith("user.overlay.") || n.equals("security.selinux")) {
                continue;
            }
            byte[] v = Posix.lgetxattr(p, n);
            if (v != null) {
                out.put(n, v);
            }
        }
        return out;
    }

    /** Path order: component by component, by the bytes of the names (so a parent comes before its children). */
    static int comparePaths(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            int x = a[i] == '/' ? 0 : (a[i] & 0xff) + 1;
            int y = b[i] == '/' ? 0 : (b[i] & 0xff) + 1;
            if (x != y) {
                return x - y;
            }
        }
        return a.length - b.length;
    }

    private record Item(String name, Path path, FileStat stat) {
    }

    /** Options for a {@link LayerWriter}. Not thread-safe. */
    public static final class Builder {
        private Compression compression = Compression.GZIP;
        private Integer level;
        private Instant clampMtime;
        private Executor executor;
        private int parallelism;

        private Builder() {
        }

        /** gzip (the default), zstd, or none. */
        public Builder compression(Compression compression) {
            this.compression = Objects.requireNonNull(compression, "compression");
            return this;
        }

        /**
         * The compression level: gzip 1-9 (default {@value LayerCompression#DEFAULT_GZIP_LEVEL}), zstd 1-19
         * (default {@value LayerCompression#DEFAULT_ZSTD_LEVEL}). Part of what makes the bytes: the same tree at
         * another level gives another digest (but the same diffID).
         */
        public Builder level(int level) {
            this.level = level;
            return this;
        }

        /** Clamp every mtime later than {@code epoch} to it (SOURCE_DATE_EPOCH); whiteouts get this time too. */
        public Builder clampMtime(Instant epoch) {
            this.clampMtime = epoch;
            return this;
        }

        /** Runs the gzip deflate tasks. Default: shared daemon threads. */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** How many gzip blocks may deflate at once. Default: the number of processors. */
        public Builder parallelism(int parallelism) {
            if (parallelism < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
            }
            this.parallelism = parallelism;
            return this;
        }

        public LayerWriter build() {
            if (level != null && compression == Compression.GZIP && (level < 0 || level > 9)) {
                throw new IllegalArgumentException("gzip level must be 0-9, got " + level);
            }
            return new LayerWriter(this);
        }
    }
}
