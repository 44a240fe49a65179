package dev.hoist.cache;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.oci.InvalidDigestException;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The blob store on a local filesystem: {@code blobs/<algorithm>/<hex>} under a {@link HoistRoot}. Content
 * is written to a temp file in {@code tmp/}, fsynced, verified and renamed into place, so readers see a
 * blob whole or not at all; two writers of the same blob both rename identical verified content, the later
 * rename atomically replacing the earlier (which also repairs a blob corrupted on disk). Thread-safe.
 */
final class FileBlobStore implements BlobStore {
    private static final int BUFFER = 64 * 1024;

    private final HoistRoot root;

    FileBlobStore(HoistRoot root) {
        this.root = root;
    }

    HoistRoot root() {
        return root;
    }

    @Override
    public Optional<BlobInfo> stat(Digest digest) throws StoreException {
        Path p = root.blobPath(digest);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new BlobInfo(digest, a.size(), a.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw StoreErrors.reading(root, "blob " + digest, e);
        }
    }

    @Override
    public InputStream open(Digest digest) throws StoreException {
        Path p = root.blobPath(digest);
        FileChannel ch;
        try {
            ch = FileChannel.open(p, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(digest, root.blobsDir().toString());
        } catch (IOException e) {
            throw StoreErrors.reading(root, "blob " + digest, e);
        }
        try {
            long size = ch.size();
            return new VerifyingInputStream(digest, new BufferedInputStream(Channels.newInputStream(ch), BUFFER), size);
        } catch (IOException e) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw StoreErrors.reading(root, "blob " + digest, e);
        }
    }

    @Override
    public BlobInfo verify(Digest digest) throws StoreException {
        BlobInfo info;
        try (InputStream in = open(digest)) {
            in.transferTo(OutputStream.nullOutputStream());
            info = stat(digest).orElseThrow(() -> new BlobNotFoundException(digest, root.blobsDir().toString()));
        } catch (StoreException e) {
            throw e;
        } catch (IOException e) {
            throw StoreErrors.reading(root, "blob " + digest, e);
        }
        return info;
    }

    @Override
    public Path path(Digest digest) throws StoreException {
        Path p = root.blobPath(digest);
        if (!Files.isRegularFile(p)) {
            throw new BlobNotFoundException(digest, root.blobsDir().toString());
        }
        return p;
    }

    @Override
    public BlobInfo put(InputStream in, Digest expected, long expectedSize) throws IOException {
        Digest.DigestAlgorithm algorithm = expected != null ? expected.algorithm() : Digest.DigestAlgorithm.SHA256;
        try (BlobWriter w = writer(algorithm)) {
            OutputStream out = w.stream();
            byte[] buf = new byte[BUFFER];
            long total = 0;
            int n;
            while ((n = in.read(buf)) != -1) {
                if (expectedSize >= 0 && total + n > expectedSize) {
                    throw new DigestMismatchException(expected, null, expectedSize, total + n);
                }
                out.write(buf, 0, n);
                total += n;
            }
            return w.commit(expected, expectedSize);
        }
    }

    @Override
    public BlobWriter writer(Digest.DigestAlgorithm algorithm) throws StoreException {
        Path temp = root.createTempFile("blob");
        try {
            return new FileBlobWriter(temp, FileChannel.open(temp, StandardOpenOption.WRITE), algorithm);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw StoreErrors.writing(root, "a blob", e);
        }
    }

    @Override
    public boolean delete(Digest digest) throws StoreException {
        try {
            return Files.deleteIfExists(root.blobPath(digest));
        } catch (IOException e) {
            throw StoreErrors.failed(root, "removing blob " + digest, "it is still there", e);
        }
    }

    @Override
    public List<BlobInfo> list() throws StoreException {
        List<BlobInfo> out = new ArrayList<>();
        for (Digest.DigestAlgorithm algorithm : Digest.DigestAlgorithm.values()) {
            Path dir = root.blobsDir().resolve(algorithm.ociName());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    Digest d;
                    try {
                        d = new Digest(algorithm, p.getFileName().toString());
                    } catch (InvalidDigestException e) {
                        continue; // not ours
                    }
                    try {
                        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                        if (a.isRegularFile()) {
                            out.add(new BlobInfo(d, a.size(), a.lastModifiedTime().toInstant()));
                        }
                    } catch (NoSuchFileException e) {
                        // removed while listing
                    }
                }
            } catch (IOException e) {
                throw StoreErrors.reading(root, "the blob directory " + dir, e);
            }
        }
        out.sort(Comparator.comparing(BlobInfo::digest));
        return out;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a stale temp is removed by prune
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some filesystems refuse to sync directories; the rename is still atomic
        }
    }

    private enum State { WRITING, ENDED, COMMITTED, ABORTED }

    /** A blob being written to a temp file. Not thread-safe. */
    private final class FileBlobWriter implements BlobWriter {
        private final Path temp;
        private final FileChannel channel;
        private final OutputStream buffered;
        private final Digester digester;
        private final Digest.DigestAlgorithm algorithm;
        private final OutputStream stream = new Stream();
        private State state = State.WRITING;

        FileBlobWriter(Path temp, FileChannel channel, Digest.DigestAlgorithm algorithm) {
            this.temp = temp;
            this.channel = channel;
            this.buffered = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER);
            this.algorithm = algorithm;
            this.digester = new Digester(algorithm);
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public long size() {
            return digester.size();
        }

        @Override
        public BlobInfo commit(Digest expected) throws StoreException {
            return commit(expected, -1);
        }

        @Override
        public BlobInfo commit(Digest expected, long expectedSize) throws StoreException {
            if (state == State.COMMITTED || state == State.ABORTED) {
                throw new IllegalStateException("this blob writer was already " + state.name().toLowerCase(java.util.Locale.ROOT));
            }
            if (expected != null && expected.algorithm() != algorithm) {
                throw new IllegalArgumentException("this writer hashes with " + algorithm.ociName()
                        + " and cannot check " + expected);
            }
            try {
                buffered.flush();
            } catch (IOException e) {
                abort();
                throw StoreErrors.writing(root, "a blob", e);
            }
            Digest actual = digester.digest();
            long size = digester.size();
            if ((expected != null && !expected.equals(actual)) || (expectedSize >= 0 && expectedSize != size)) {
                abort();
                throw new DigestMismatchException(expected, actual, expectedSize, size);
            }
            Path target = root.blobPath(actual);
            try {
                channel.force(true);
                channel.close();
                try {
                    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("r--r--r--"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX filesystem
                }
                Path dir = root.ensureDirectory(target.getParent());
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                state = State.COMMITTED;
                fsyncDirectory(dir);
                BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class);
                return new BlobInfo(actual, size, a.lastModifiedTime().toInstant());
            } catch (IOException e) {
                if (state != State.COMMITTED) {
                    abort();
                    throw StoreErrors.writing(root, "blob " + actual, e);
                }
                return new BlobInfo(actual, size, java.time.Instant.now());
            }
        }

        @Override
        public void abort() {
            if (state == State.COMMITTED || state == State.ABORTED) {
                return;
            }
            state = State.ABORTED;
            try {
                channel.close();
            } catch (IOException ignored) {
                // the temp goes anyway
            }
            deleteQuietly(temp);
        }

        @Override
        public void close() {
            abort();
        }

        private void checkWriting() throws IOException {
            if (state != State.WRITING) {
                throw new IOException("cannot write to a blob writer that is " + switch (state) {
                    case ENDED -> "closed";
                    case COMMITTED -> "committed";
                    default -> "aborted";
                });
            }
        }

        private StoreException failed(IOException e) {
            abort();
            return StoreErrors.writing(root, "a blob", e);
        }

        private final class Stream extends OutputStream {
            @Override
            public void write(int b) throws IOException {
                checkWriting();
                try {
                    buffered.write(b);
                } catch (IOException e) {
                    throw failed(e);
                }
                digester.update(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                checkWriting();
                try {
                    buffered.write(b, off, len);
                } catch (IOException e) {
                    throw failed(e);
                }
                digester.update(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                if (state == State.WRITING) {
                    try {
                        buffered.flush();
                    } catch (IOException e) {
                        throw failed(e);
                    }
                }
            }

            @Override
            public void close() throws IOException {
                if (state == State.WRITING) {
                    flush();
                    state = State.ENDED;
                }
            }
        }
    }
}
