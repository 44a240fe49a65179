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
 * <p>Decompression runs on a thread of the executor while the calling thread writes files. Thread-safe: one
 * applier may apply to several targets at once.
 */
public final class LayerApplier {
    private static final String WHITEOUT_PREFIX = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private final Executor executor;
    private final boolean preserveOwners;

    private LayerApplier(Builder b) {
        this.executor = b.executor != null ? b.executor : LayerThreads.shared();
        this.preserveOwners = b.preserveOwners != null ? b.preserveOwners : Posix.isRoot();
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
        private String current;

        Application(RootedPaths paths, TarReader reader) {
            this.paths = paths;
            this.reader = reader;
        }

        long run() throws IOException, LayerException {
            long n = 0;
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
            String base = comps.get(comps.size() - 1);
            List<String> parent = comps.subList(0, comps.size() - 1);
            if (e.type() == TarEntry.Type.FILE && base.startsWith(WHITEOUT_PREFIX)) {
                whiteout(e, parent, base);
                return;
            }
            Path dir = paths.directory(parent, e.name(), true);
            Path p = dir.resolve(base);
            switch (e.type()) {
                case FILE -> file(e, p);
                case DIR -> directory(e, p);
                case SYMLINK -> symlink(e, p);
                case HARDLINK -> hardlink(e, p);
                case CHAR, BLOCK, FIFO -> special(e, p);
                default -> throw new IllegalStateException(e.type().name());
            }
            markWritten(paths.relative(p));
        }

        private void file(TarEntry e, Path p) throws IOException, LayerException {
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

        private FileChannel create(Path p) throws IOException {
            try {
                return FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException x) {
                paths.removeAll(p);
                return FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
        }

        private void directory(TarEntry e, Path p) throws IOException, LayerException {
            try {
                Files.createDirectory(p);
            } catch (FileAlreadyExistsException x) {
                BasicFileAttributes a = RootedPaths.lstat(p);
                if (a == null || !a.isDirectory()) {
                    paths.removeAll(p);
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
                paths.removeAll(p);
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
                paths.removeAll(p);
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
                    paths.removeAll(p);
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
            paths.removeAll(p);
        }

        /** Removes what lower layers put in {@code dir}, keeping what this layer wrote. */
        private void clearLower(Path dir) throws IOException {
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
                    paths.removeAll(c);
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

    /** Options for a {@link LayerApplier}. Not thread-safe. */
    public static final class Builder {
        private Executor executor;
        private Boolean preserveOwners;

        private Builder() {
        }

        /** Runs decompression; it needs one thread per layer being applied. Default: shared daemon threads. */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Whether to set owners from the layer (needs root). Default: when running as root. */
        public Builder preserveOwners(boolean preserveOwners) {
            this.preserveOwners = preserveOwners;
            return this;
        }

        public LayerApplier build() {
            return new LayerApplier(this);
        }
    }
}
