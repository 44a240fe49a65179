package dev.hoist.cache.layer;

import dev.hoist.oci.Digester;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Applies OCI layers (tar, gzip or zstd, detected from the first bytes) onto a directory, in order, the way
 * a container runtime unpacks an image: whiteouts ({@code .wh.NAME}) remove what lower layers put there,
 * opaque markers ({@code .wh..wh..opq}) hide a directory's earlier contents, and owners, modes, times,
 * xattrs, hard links, symlinks, device nodes and fifos are restored.
 *
 * <p>Nothing is ever written outside the target: entry and hard-link names that are absolute or have a
 * {@code ..} component are refused, and symlinks met on the way to an entry are followed as if the target
 * were the root directory ({@code /etc} in a layer is {@code <target>/etc}), so a layer cannot write through
 * a symlink to the host. A refused layer throws {@link LayerException} and leaves the target partly applied:
 * apply into a fresh directory and discard it on failure. The target must not be changed by others while a
 * layer is applied.
 *
 * <p>Decompression (and the diffID's hashing) runs on a thread of the executor, ahead of the calling thread,
 * which reads the tar and hands small files to writer threads (creating a file is most of the kernel's work,
 * and it scales across threads); anything that removes or replaces a path first waits for the writes in
 * flight. xattrs the target file system does not support are skipped. Thread-safe: one applier may apply
 * to several targets at once.
 */
public final class LayerApplier {
    private static final String WHITEOUT_PREFIX = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private final Executor executor;
    private final boolean preserveOwners;
    private final int writerThreads;
    private final boolean overlayWhiteouts;

    private LayerApplier(Builder b) {
        this.executor = b.executor != null ? b.executor : LayerThreads.shared();
        this.preserveOwners = b.preserveOwners != null ? b.preserveOwners : Posix.isRoot();
        this.writerThreads = b.writerThreads > 0 ? b.writerThreads : Runtime.getRuntime().availableProcessors();
        this.overlayWhiteouts = b.overlayWhiteouts;
    }

    /** An applier with the defaults: the shared layer threads, owners restored when running as root. */
    public static LayerApplier create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Applies the layers in order (lowest first) onto {@code target}. The streams are read to their end but
     * not closed.
     *
     * @return what each layer was, in order; compare the diffIDs with the image config's
     */
    public List<AppliedLayer> applyAll(List<? extends InputStream> layers, Path target) throws IOException, LayerException {
        List<AppliedLayer> out = new ArrayList<>();
        for (InputStream layer : layers) {
            out.add(apply(layer, target));
        }
        return out;
    }

    /**
     * Applies one layer onto {@code target}, an existing directory. The stream is read to its end (so that
     * the diffID covers all of it) but not closed.
     *
     * @throws LayerException when an entry would land outside the target, or the layer is malformed
     */
    public AppliedLayer apply(InputStream layer, Path target) throws IOException, LayerException {
        Objects.requireNonNull(layer, "layer");
        if (!Files.isDirectory(target)) {
            throw new IOException("cannot apply a layer to " + target + ": it is not a directory; create it first");
        }
        Path root = target.toRealPath();
        LayerCompression.Detected detected = LayerCompression.detect(new FilterInputStream(layer) {
            @Override
            public void close() {
                // the caller owns the layer stream
            }
        });
        Digester diff = Digester.sha256();
        InputStream raw;
        try {
            raw = LayerCompression.decompress(detected.stream(), detected.compression());
        } catch (IOException e) {
            throw new LayerException(null, "the layer's " + detected.compression().name().toLowerCase()
                    + " header is corrupt: " + e.getMessage(), e);
        }
        long entries;
        try (PrefetchInputStream in = new PrefetchInputStream(raw, diff, executor)) {
            Application app = new Application(new RootedPaths(root), new TarReader(in));
            try {
                entries = app.run();
            } catch (IOException e) {
                Throwable c = e.getCause();
                if (c instanceof java.util.zip.ZipException || c instanceof java.io.EOFException
                        || c != null && c.getClass().getName().startsWith("com.github.luben.zstd")) {
                    throw new LayerException(app.current, "the layer's " + detected.compression().name().toLowerCase()
                            + " data is corrupt or truncated: " + c.getMessage(), e);
                }
                throw e;
            }
        }
        return new AppliedLayer(diff.digest(), detected.compression(), diff.size(), entries);
    }

    /** The state of applying one layer. */
    private final class Application {
        private final RootedPaths paths;
        private final TarReader reader;
        private final Set<String> written = new HashSet<>();
        private final Set<String> writtenParents = new HashSet<>();
        private final List<DirMeta> dirs = new ArrayList<>();
        private final byte[] buf = new byte[256 * 1024];
        private final FileWriters writers = new FileWriters(this);
        /** Paths of files a writer thread may still be creating or writing; emptied by each barrier. */
        private final Set<String> inFlight = new HashSet<>();
        private final boolean rootHadFiles;
        private String current;

        Application(RootedPaths paths, TarReader reader) throws IOException {
            this.paths = paths;
            this.reader = reader;
            try (var s = Files.list(paths.root())) {
                this.rootHadFiles = s.findAny().isPresent();
            }
            paths.beforeCreate(p -> {
                if (inFlight.contains(paths.relative(p))) {
                    writers.barrier();
                    return true;
                }
                return false;
            });
        }

        long run() throws IOException, LayerException {
            long n = 0;
            writers.start();
            try {
                TarEntry e;
                while ((e = reader.next()) != null) {
                    current = e.name();
                    n++;
                    try {
                        entry(e);
                    } catch (Posix.ErrnoException | java.nio.file.FileSystemException x) {
                        throw new IOException("cannot apply layer entry '" + e.name() + "': " + x.getMessage(), x);
                    }
                }
                reader.drain();
                writers.barrier();
            } finally {
                writers.stop();
            }
            for (int i = dirs.size() - 1; i >= 0; i--) {
                DirMeta d = dirs.get(i);
                BasicFileAttributes a = RootedPaths.lstat(d.path);
                if (a != null && a.isDirectory()) {
                    Posix.chmod(d.path, d.entry.mode());
                    Posix.lutimes(d.path, d.entry.mtime(), d.entry.mtimeNanos());
                }
            }
            return n;
        }

        private void entry(TarEntry e) throws IOException, LayerException {
            List<String> comps = RootedPaths.clean(e.name(), e.name(), "path");
            if (comps.isEmpty()) {
                if (e.isDirectory()) {
                    return; // the root itself: its metadata belongs to whoever made the target
                }
                throw new LayerException(e.name(), "a " + e.type().name().toLowerCase() + " cannot replace the target root");
            }
            if (comps.get(0).startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX) && !(comps.size() == 1 && comps.get(0).equals(OPAQUE))) {
                return; // aufs metadata (.wh..wh.plnk, .wh..wh.aufs): nothing to apply, as in Docker
            }
            String base = comps.get(comps.size() - 1);
            List<String> parent = comps.subList(0, comps.size() - 1);
            if (e.type() == TarEntry.Type.FILE && base.startsWith(WHITEOUT_PREFIX)) {
                whiteout(e, parent, base);
                return;
            }
            Path dir = paths.directory(parent, e.name(), true);
            Path p = dir.resolve(base);
            String rel = paths.relative(p);
            if (inFlight.contains(rel)) {
                writers.barrier(); // the same path again: let the first write finish
            }
            switch (e.type()) {
                case FILE -> file(e, p, rel);
                case DIR -> directory(e, p);
                case SYMLINK -> symlink(e, p);
                case HARDLINK -> hardlink(e, p);
                case CHAR, BLOCK, FIFO -> special(e, p);
                default -> throw new IllegalStateException(e.type().name());
            }
            markWritten(rel);
        }

        private void file(TarEntry e, Path p, String rel) throws IOException, LayerException {
            if (e.size() <= FileWriters.MAX_FILE) {
                // small files: read here, write on a writer thread, so that the kernel's work (the larger
                // share) is spread; a path nothing is at yet is even created there
                boolean fresh = !(rootHadFiles || written.contains(rel)) || RootedPaths.lstat(p) == null;
                FileChannel ch = fresh ? null : create(p);
                byte[] content = new byte[(int) e.size()];
                try {
                    int off = 0;
                    while (off < content.length) {
                        int n = reader.read(content, off, content.length - off);
                        if (n < 0) {
                            throw new LayerException(e.name(), "the layer ends in the middle of this entry's content");
                        }
                        off += n;
                    }
                } catch (IOException | LayerException | RuntimeException x) {
                    if (ch != null) {
                        ch.close();
                    }
                    throw x;
                }
                inFlight.add(rel);
                writers.submit(e, p, ch, content);
                return;
            }
            try (FileChannel ch = create(p)) {
                int n;
                while ((n = reader.read(buf, 0, buf.length)) > 0) {
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) {
                        ch.write(bb);
                    }
                }
            }
            metadata(e, p, true);
        }

        /** Removes {@code p} (and what is below it) once the writes in flight are done. */
        private void remove(Path p) throws IOException, LayerException {
            writers.barrier();
            paths.removeAll(p);
        }

        private FileChannel create(Path p) throws IOException, LayerException {
            try {
                return FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException x) {
                remove(p);
                return FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
        }

        private void directory(TarEntry e, Path p) throws IOException, LayerException {
            try {
                Files.createDirectory(p);
            } catch (FileAlreadyExistsException x) {
                BasicFileAttributes a = RootedPaths.lstat(p);
                if (a == null || !a.isDirectory()) {
                    remove(p);
                    Files.createDirectory(p);
                }
            }
            if (preserveOwners) {
                Posix.lchown(p, (int) e.uid(), (int) e.gid());
            }
            xattrs(e, p);
            dirs.add(new DirMeta(p, e)); // mode and time once the contents are written
        }

        private void symlink(TarEntry e, Path p) throws IOException, LayerException {
            if (e.linkName().isEmpty()) {
                throw new LayerException(e.name(), "symlink with an empty target");
            }
            try {
                Posix.symlink(e.linkName(), p);
            } catch (Posix.ErrnoException x) {
                if (x.errno() != 17) { // EEXIST
                    throw x;
                }
                remove(p);
                Posix.symlink(e.linkName(), p);
            }
            paths.invalidate();
            metadata(e, p, false);
        }

        private void hardlink(TarEntry e, Path p) throws IOException, LayerException {
            List<String> comps = RootedPaths.clean(e.name(), e.linkName(), "hard link target");
            if (comps.isEmpty()) {
                throw new LayerException(e.name(), "hard link to the target root");
            }
            Path dir = paths.directory(comps.subList(0, comps.size() - 1), e.name(), false);
            Path t = dir == null ? null : dir.resolve(comps.get(comps.size() - 1));
            if (t != null && inFlight.contains(paths.relative(t))) {
                writers.barrier();
            }
            BasicFileAttributes a = t == null ? null : RootedPaths.lstat(t);
            if (a == null) {
                throw new LayerException(e.name(), "hard link target '" + e.linkName() + "' does not exist in the layer or below it");
            }
            if (a.isDirectory()) {
                throw new LayerException(e.name(), "hard link target '" + e.linkName() + "' is a directory");
            }
            if (t.equals(p)) {
                return; // a link to itself: nothing to do
            }
            try {
                Files.createLink(p, t);
            } catch (FileAlreadyExistsException x) {
                remove(p);
                Files.createLink(p, t);
            }
        }

        private void special(TarEntry e, Path p) throws IOException, LayerException {
            int type = switch (e.type()) {
                case CHAR -> Posix.S_IFCHR;
                case BLOCK -> Posix.S_IFBLK;
                default -> Posix.S_IFIFO;
            };
            int mode = type | (e.mode() & 07777);
            try {
                try {
                    Posix.mknod(p, mode, e.devMajor(), e.devMinor());
                } catch (Posix.ErrnoException x) {
                    if (x.errno() != 17) {
                        throw x;
                    }
                    remove(p);
                    Posix.mknod(p, mode, e.devMajor(), e.devMinor());
                }
            } catch (Posix.ErrnoException x) {
                if (x.errno() == Posix.EPERM) {
                    throw new LayerException(e.name(), "creating a device node needs root (CAP_MKNOD); run as root", x);
                }
                throw x;
            }
            metadata(e, p, true);
        }

        private void metadata(TarEntry e, Path p, boolean chmod) throws IOException, LayerException {
            if (preserveOwners) {
                Posix.lchown(p, (int) e.uid(), (int) e.gid());
            }
            if (chmod) {
                Posix.chmod(p, e.mode()); // after lchown, which clears setuid and setgid
            }
            xattrs(e, p); // after lchown, which clears security.capability
            Posix.lutimes(p, e.mtime(), e.mtimeNanos());
        }

        private void xattrs(TarEntry e, Path p) throws IOException, LayerException {
            for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
                try {
                    Posix.lsetxattr(p, x.getKey(), x.getValue());
                } catch (Posix.ErrnoException err) {
                    if (err.errno() == Posix.ENOTSUP) {
                        continue; // the target file system has no such xattrs
                    }
                    throw new LayerException(e.name(), "cannot set xattr " + x.getKey() + ": " + err.getMessage(), err);
                }
            }
        }

        private void whiteout(TarEntry e, List<String> parent, String base) throws IOException, LayerException {
            if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX) && !base.equals(OPAQUE)) {
                return; // aufs metadata (.wh..wh.plnk and the like): nothing to apply
            }
            if (overlayWhiteouts) {
                overlayWhiteout(e, parent, base);
                return;
            }
            Path dir = paths.directory(parent, e.name(), false);
            if (base.equals(OPAQUE)) {
                if (dir != null) {
                    clearLower(dir);
                }
                return;
            }
            String victim = base.substring(WHITEOUT_PREFIX.length());
            if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
                throw new LayerException(e.name(), "whiteout of '" + victim + "' would remove the directory holding it or its parent");
            }
            if (dir == null) {
                return; // nothing below to hide
            }
            Path p = dir.resolve(victim);
            if (written.contains(paths.relative(p))) {
                return; // whiteouts hide lower layers only, never this layer's own entries
            }
            remove(p);
        }

        /**
         * Records a whiteout as overlayfs does in a layer directory: a 0/0 character device in place of the hidden
         * path, and {@code trusted.overlay.opaque=y} on a directory whose lower contents are hidden.
         */
        private void overlayWhiteout(TarEntry e, List<String> parent, String base) throws IOException, LayerException {
            Path dir = paths.directory(parent, e.name(), true);
            if (base.equals(OPAQUE)) {
                Posix.lsetxattr(dir, "trusted.overlay.opaque", new byte[] {'y'});
                return;
            }
            String victim = base.substring(WHITEOUT_PREFIX.length());
            if (victim.isEmpty() || victim.equals(".") || victim.equals("..") || victim.contains("/")) {
                throw new LayerException(e.name(), "whiteout of '" + victim + "' would remove the directory holding it or its parent");
            }
            Path p = dir.resolve(victim);
            String rel = paths.relative(p);
            if (written.contains(rel)) {
                return; // whiteouts hide lower layers only, never this layer's own entries
            }
            if (inFlight.contains(rel)) {
                writers.barrier();
            }
            if (RootedPaths.lstat(p) != null) {
                remove(p);
            }
            Posix.mknod(p, 0020000, 0, 0);
            markWritten(rel);
        }

        /** Removes what lower layers put in {@code dir}, keeping what this layer wrote. */
        private void clearLower(Path dir) throws IOException, LayerException {
            List<Path> children;
            try (var s = Files.list(dir)) {
                children = s.toList();
            }
            for (Path c : children) {
                String rel = paths.relative(c);
                if (written.contains(rel) || writtenParents.contains(rel)) {
                    BasicFileAttributes a = RootedPaths.lstat(c);
                    if (a != null && a.isDirectory()) {
                        clearLower(c);
                    }
                } else {
                    remove(c);
                }
            }
        }

        private void markWritten(String rel) {
            written.add(rel);
            int slash = rel.lastIndexOf('/');
            while (slash > 0) {
                String parent = rel.substring(0, slash);
                if (!writtenParents.add(parent)) {
                    break;
                }
                slash = parent.lastIndexOf('/');
            }
        }
    }

    private record DirMeta(Path path, TarEntry entry) {
    }

    /**
     * Writes small files' content and metadata on a few threads. Every removal or replacement waits for
     * the writes in flight ({@link #barrier}), so a path a writer works on is never changed under it.
     */
    private final class FileWriters {
        static final int MAX_FILE = 1024 * 1024;
        private static final int BUDGET_KIB = 64 * 1024;
        private static final Runnable STOP = () -> { };

        private final Application app;
        /** One queue per writer; a directory's files all go to one writer (see {@link #submit}). */
        private final List<java.util.concurrent.BlockingQueue<Runnable>> queues = new ArrayList<>();
        private final java.util.concurrent.Semaphore budget = new java.util.concurrent.Semaphore(BUDGET_KIB);
        private final List<java.util.concurrent.CompletableFuture<Void>> loops = new ArrayList<>();
        private int pending;
        private Throwable failure;
        private String failedEntry;

        FileWriters(Application app) {
            this.app = app;
        }

        void start() {
            for (int i = 0; i < writerThreads; i++) {
                var q = new java.util.concurrent.LinkedBlockingQueue<Runnable>();
                queues.add(q);
                loops.add(java.util.concurrent.CompletableFuture.runAsync(() -> loop(q), executor));
            }
        }

        private void loop(java.util.concurrent.BlockingQueue<Runnable> queue) {
            while (true) {
                Runnable r;
                try {
                    r = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (r == STOP) {
                    return;
                }
                r.run();
            }
        }

        /** Writes {@code content} into {@code ch}, or into a new file at {@code p} when {@code ch} is null. */
        void submit(TarEntry e, Path p, FileChannel open, byte[] content) throws IOException, LayerException {
            check();
            int kib = Math.max(1, content.length / 1024);
            acquire(kib);
            synchronized (this) {
                pending++;
            }
            // creating a file locks its directory: writers on different directories do not wait for each other
            int writer = Math.floorMod(p.getParent().hashCode(), queues.size());
            put(queues.get(writer), () -> {
                try {
                    try (FileChannel ch = open != null ? open
                            : FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        ByteBuffer bb = ByteBuffer.wrap(content);
                        while (bb.hasRemaining()) {
                            ch.write(bb);
                        }
                    }
                    app.metadata(e, p, true);
                } catch (Throwable t) {
                    synchronized (this) {
                        if (failure == null) {
                            failure = t;
                            failedEntry = e.name();
                        }
                    }
                } finally {
                    budget.release(kib);
                    synchronized (this) {
                        if (--pending == 0) {
                            notifyAll();
                        }
                    }
                }
            });
        }

        /** Waits until every submitted write is done; throws the first failure. */
        void barrier() throws IOException, LayerException {
            synchronized (this) {
                while (pending > 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while writing files");
                    }
                }
            }
            app.inFlight.clear();
            check();
        }

        private synchronized void check() throws IOException, LayerException {
            if (failure instanceof LayerException le) {
                throw le;
            }
            if (failure instanceof IOException io) {
                throw new IOException("cannot apply layer entry '" + failedEntry + "': " + io.getMessage(), io);
            }
            if (failure != null) {
                throw new IOException("cannot apply layer entry '" + failedEntry + "': " + failure, failure);
            }
        }

        /** Waits for the writes in flight (ignoring their failures) and ends the writer threads. */
        void stop() {
            synchronized (this) {
                while (pending > 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            for (var queue : queues) {
                try {
                    queue.put(STOP);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            for (java.util.concurrent.CompletableFuture<Void> f : loops) {
                f.join();
            }
        }

        private void acquire(int kib) throws IOException {
            try {
                budget.acquire(kib);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing files");
            }
        }

        private void put(java.util.concurrent.BlockingQueue<Runnable> queue, Runnable r) throws IOException {
            try {
                queue.put(r);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing files");
            }
        }
    }

    /** Options for a {@link LayerApplier}. Not thread-safe. */
    public static final class Builder {
        private Executor executor;
        private Boolean preserveOwners;
        private int writerThreads;
        private boolean overlayWhiteouts;

        private Builder() {
        }

        /**
         * Runs decompression and file writing; it needs 1 + writerThreads threads per layer being applied.
         * Default: shared daemon threads.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * How many threads write small files (the kernel's share of the work is the larger one). Default:
         * the number of processors.
         */
        public Builder writerThreads(int writerThreads) {
            if (writerThreads < 1) {
                throw new IllegalArgumentException("writerThreads must be at least 1, got " + writerThreads);
            }
            this.writerThreads = writerThreads;
            return this;
        }

        /** Whether to set owners from the layer (needs root). Default: when running as root. */
        public Builder preserveOwners(boolean preserveOwners) {
            this.preserveOwners = preserveOwners;
            return this;
        }

        /**
         * Whether to keep whiteouts as overlayfs's own markers (0/0 character devices, the
         * {@code trusted.overlay.opaque} attribute) instead of applying them, so the target can serve as one
         * lower directory of an overlay mount, above the directories of the layers below it (needs root).
         * Default: false.
         */
        public Builder overlayWhiteouts(boolean overlayWhiteouts) {
            this.overlayWhiteouts = overlayWhiteouts;
            return this;
        }

        public LayerApplier build() {
            return new LayerApplier(this);
        }
    }
}
