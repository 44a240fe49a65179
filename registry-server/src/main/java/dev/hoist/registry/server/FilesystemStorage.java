package dev.hoist.registry.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hoist.oci.Digest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.distribution.ErrorCode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * {@link RegistryStorage} on a local filesystem, laid out as the CNCF registry does:
 * {@code blobs/<alg>/<2 hex>/<hex>} hold the bytes; {@code repositories/<name>/_layers/<alg>/<hex>},
 * {@code _manifests/revisions/<alg>/<hex>} and {@code _referrers/<alg>/<subject hex>/<alg>-<hex>} are empty
 * link files; {@code _manifests/tags/<tag>} holds a digest; {@code uploads/<id>/} holds a session's
 * {@code data}, its {@code repo} and its committed {@code offset}. Temporary files live in {@code tmp/} on the
 * same filesystem and are renamed into place; an ended upload's directory is renamed there before it is
 * deleted. Blobs and manifests are fsynced once, before their rename; a manifest push ends with one more sync
 * (of its tag file, renamed into place first, or of its revision directory when it has no tag) which on
 * journalling filesystems commits the renames and links made before it, the blobs' included. Nothing is synced
 * twice. Manifests, tags and links are cached in memory; this process is the only writer (it holds
 * {@code lock}). Thread-safe.
 */
final class FilesystemStorage implements RegistryStorage {
    private static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final int BUFFER = 256 * 1024;

    private final Path root;
    private final Path blobsDir;
    private final Path reposDir;
    private final Path uploadsDir;
    private final Path tmpDir;
    private final boolean fsync;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Cache<Digest, StoredManifest> manifests;
    private final Cache<String, Optional<Digest>> tagCache;
    private final Cache<String, Boolean> linkCache;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    /** Direct buffers for uploads, reused: one per upload streaming at a time. */
    private final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> buffers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final int MAX_POOLED_BUFFERS = 16;

    FilesystemStorage(Path root, StorageOptions options) throws IOException {
        this.root = root.toAbsolutePath();
        this.blobsDir = this.root.resolve("blobs");
        this.reposDir = this.root.resolve("repositories");
        this.uploadsDir = this.root.resolve("uploads");
        this.tmpDir = this.root.resolve("tmp");
        this.fsync = options.fsync();
        for (Path p : List.of(blobsDir, reposDir, uploadsDir, tmpDir)) {
            Files.createDirectories(p);
        }
        this.lockChannel = FileChannel.open(this.root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            lockChannel.close();
            throw new IOException("the registry storage " + this.root + " is in use by another registry or gc; stop it first,"
                    + " or have the running registry collect while it serves: POST /admin/gc"
                    + " (e.g. curl -X POST 'http://127.0.0.1:5000/admin/gc?deleteUntagged=true')");
        }
        this.lock = l;
        deleteTree(tmpDir, false);
        this.manifests = Caffeine.newBuilder()
                .maximumWeight(Math.max(1, options.manifestCacheBytes()))
                .weigher((Digest d, StoredManifest m) -> m.bytes().length + 256)
                .build();
        this.tagCache = Caffeine.newBuilder().maximumSize(100_000).build();
        this.linkCache = Caffeine.newBuilder().maximumSize(500_000).build();
    }

    // ---------------------------------------------------------------- paths

    private Path blobPath(Digest d) {
        return blobsDir.resolve(d.algorithmName()).resolve(d.hex().substring(0, 2)).resolve(d.hex());
    }

    private Path repoDir(String repo) {
        if (repo.isEmpty() || repo.startsWith("/") || repo.contains("..") || repo.contains("//")) {
            throw new IllegalArgumentException("not a valid repository name: " + repo);
        }
        return reposDir.resolve(repo);
    }

    private Path layerLink(String repo, Digest d) {
        return repoDir(repo).resolve("_layers").resolve(d.algorithmName()).resolve(d.hex());
    }

    private Path revisionLink(String repo, Digest d) {
        return repoDir(repo).resolve("_manifests").resolve("revisions").resolve(d.algorithmName()).resolve(d.hex());
    }

    private Path tagsDir(String repo) {
        return repoDir(repo).resolve("_manifests").resolve("tags");
    }

    private Path referrersDir(String repo, Digest subject) {
        return repoDir(repo).resolve("_referrers").resolve(subject.algorithmName()).resolve(subject.hex());
    }

    // ---------------------------------------------------------------- blobs

    @Override
    public BlobInfo statBlob(String repo, Digest digest) throws IOException {
        if (!hasLink("L", repo, digest, layerLink(repo, digest)) && !hasLink("R", repo, digest, revisionLink(repo, digest))) {
            return null;
        }
        return statBlob(digest);
    }

    @Override
    public BlobInfo statBlob(Digest digest) throws IOException {
        try {
            return new BlobInfo(digest, Files.size(blobPath(digest)));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public BlobContent openBlob(String repo, Digest digest) throws IOException {
        if (!hasLink("L", repo, digest, layerLink(repo, digest)) && !hasLink("R", repo, digest, revisionLink(repo, digest))) {
            return null;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(blobPath(digest), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            return new BlobContent(digest, ch.size(), ch);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public BlobInfo linkBlob(String repo, Digest digest) throws IOException {
        BlobInfo info = statBlob(digest);
        if (info == null) {
            return null;
        }
        touch(blobPath(digest));
        createLink("L", repo, digest, layerLink(repo, digest));
        return info;
    }

    @Override
    public boolean unlinkBlob(String repo, Digest digest) throws IOException {
        return removeLink("L", repo, digest, layerLink(repo, digest));
    }

    private boolean hasLink(String kind, String repo, Digest d, Path link) {
        return linkCache.get(kind + repo + "@" + d, k -> Files.exists(link));
    }

    private void createLink(String kind, String repo, Digest d, Path link) throws IOException {
        try {
            linkCache.asMap().compute(kind + repo + "@" + d, (k, v) -> {
                try {
                    createEmpty(link);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return Boolean.TRUE;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private boolean removeLink(String kind, String repo, Digest d, Path link) throws IOException {
        boolean[] removed = new boolean[1];
        try {
            linkCache.asMap().compute(kind + repo + "@" + d, (k, v) -> {
                try {
                    removed[0] = Files.deleteIfExists(link);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return Boolean.FALSE;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return removed[0];
    }

    private void createEmpty(Path link) throws IOException {
        if (Files.exists(link)) {
            return;
        }
        Files.createDirectories(link.getParent());
        try {
            Files.createFile(link);
        } catch (FileAlreadyExistsException e) {
            // made meanwhile
        }
    }

    // ---------------------------------------------------------------- uploads

    /** An upload session in memory; its lock orders the chunks. */
    private static final class Session {
        final String id;
        final String repo;
        final Path dir;
        final ReentrantLock lock = new ReentrantLock();
        long offset;
        MessageDigest sha256;
        Instant touched;
        boolean ended;

        Session(String id, String repo, Path dir, long offset, MessageDigest sha256, Instant touched) {
            this.id = id;
            this.repo = repo;
            this.dir = dir;
            this.offset = offset;
            this.sha256 = sha256;
            this.touched = touched;
        }

        UploadStatus status() {
            return new UploadStatus(id, repo, offset, touched);
        }
    }

    @Override
    public UploadStatus startUpload(String repo) throws IOException {
        repoDir(repo);
        String id = UUID.randomUUID().toString();
        Path dir = uploadsDir.resolve(id);
        Session s = new Session(id, repo, dir, 0, Digest.DigestAlgorithm.SHA256.newMessageDigest(), Instant.now());
        // Known before its directory exists, so that listing the uploads never takes it for a crash's leftover.
        sessions.put(id, s);
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("repo"), repo.getBytes(StandardCharsets.UTF_8));
            Files.createFile(dir.resolve("data"));
            writeOffset(dir, 0);
        } catch (IOException e) {
            sessions.remove(id, s);
            deleteTree(dir, true);
            throw e;
        }
        return s.status();
    }

    private static void writeOffset(Path dir, long offset) throws IOException {
        // One small write: atomic with respect to the process being killed.
        try (FileChannel ch = FileChannel.open(dir.resolve("offset"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(String.format("%020d", offset).getBytes(StandardCharsets.US_ASCII)), 0);
        }
    }

    private Session session(String repo, String id) throws IOException, RegistryException {
        if (id == null || !UPLOAD_ID.matcher(id).matches()) {
            throw new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + id + " is not known to this registry; start a new upload");
        }
        Session s;
        try {
            // One load per session: loading cuts off unacknowledged bytes, which must never race an append.
            s = sessions.computeIfAbsent(id, k -> {
                try {
                    return load(k, true);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (s == null || !s.repo.equals(repo)) {
            throw new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + id + " is not known in repository " + repo + "; start a new upload");
        }
        return s;
    }

    /**
     * Reads a session left on disk (by an earlier run of the registry), or null. With {@code repair}, cuts off
     * the bytes of a chunk that was never acknowledged; only while the session is not in use.
     */
    private Session load(String id, boolean repair) throws IOException {
        Path dir = uploadsDir.resolve(id);
        try {
            String repo = Files.readString(dir.resolve("repo"), StandardCharsets.UTF_8);
            Path offsetFile = dir.resolve("offset");
            long offset = Long.parseLong(Files.readString(offsetFile, StandardCharsets.US_ASCII).trim());
            Instant touched = Files.getLastModifiedTime(offsetFile).toInstant();
            Path data = dir.resolve("data");
            long size = Files.size(data);
            if (size < offset) {
                return null; // the data lost what was acknowledged: refuse the session
            }
            if (size > offset && repair) {
                try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
                    ch.truncate(offset); // a chunk that was never acknowledged
                }
            }
            return new Session(id, repo, dir, offset, null, touched);
        } catch (NoSuchFileException | NumberFormatException e) {
            return null;
        }
    }

    @Override
    public UploadStatus uploadStatus(String repo, String id) throws IOException, RegistryException {
        Session s = session(repo, id);
        s.lock.lock();
        try {
            checkOpen(s);
            return s.status();
        } finally {
            s.lock.unlock();
        }
    }

    private static void checkOpen(Session s) throws RegistryException {
        if (s.ended) {
            throw new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + s.id + " has ended; start a new upload");
        }
    }

    @Override
    public UploadStatus appendUpload(String repo, String id, long start, long exactBytes, long maxBytes, ReadableByteChannel data)
            throws IOException, RegistryException {
        Session s = session(repo, id);
        s.lock.lock();
        try {
            checkOpen(s);
            if (start >= 0 && start != s.offset) {
                throw new RegistryException(ErrorCode.RANGE_INVALID, 416, "the chunk starts at byte " + start
                        + " but the upload holds " + s.offset + " bytes; send the chunk that starts at " + s.offset);
            }
            MessageDigest before = cloneDigest(s.sha256);
            long total = 0;
            boolean ok = false;
            boolean cut = false;
            ByteBuffer bb = takeBuffer();
            try (FileChannel ch = FileChannel.open(s.dir.resolve("data"), StandardOpenOption.WRITE)) {
                long pos = s.offset;
                // What the client sent so far goes to the page cache and the digest in one pass, through one
                // direct buffer: no copy on the heap, and no fsync until the upload ends.
                while (true) {
                    int n;
                    try {
                        n = data.read(bb.clear());
                    } catch (IOException e) {
                        cut = true; // the data failed between reads: the digest has exactly the bytes written
                        throw e;
                    }
                    if (n < 0) {
                        break;
                    }
                    if (n == 0) {
                        continue;
                    }
                    total += n;
                    if (exactBytes >= 0 && total > exactBytes) {
                        throw new RegistryException(ErrorCode.SIZE_INVALID, 400, "the chunk is longer than the "
                                + exactBytes + " bytes its Content-Range or Content-Length declares");
                    }
                    if (s.offset + total > maxBytes) {
                        throw new RegistryException(ErrorCode.SIZE_INVALID, 413, "the blob is larger than the "
                                + maxBytes + " bytes this registry accepts");
                    }
                    bb.flip();
                    if (s.sha256 != null) {
                        s.sha256.update(bb.duplicate());
                    }
                    while (bb.hasRemaining()) {
                        pos += ch.write(bb, pos);
                    }
                }
                if (exactBytes >= 0 && total != exactBytes) {
                    throw new RegistryException(ErrorCode.SIZE_INVALID, 400, "the chunk has " + total
                            + " bytes but its Content-Range or Content-Length declares " + exactBytes);
                }
                ok = true;
            } finally {
                returnBuffer(bb);
                if (!ok && !(cut && total > 0 && keepReceived(s, total))) {
                    s.sha256 = before;
                    try (FileChannel ch = FileChannel.open(s.dir.resolve("data"), StandardOpenOption.WRITE)) {
                        ch.truncate(s.offset);
                    } catch (IOException ignored) {
                        // the session file is gone (cancelled, expired); nothing to roll back
                    }
                }
            }
            s.offset += total;
            s.touched = Instant.now();
            writeOffset(s.dir, s.offset);
            return s.status();
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Keeps the first {@code received} bytes of a chunk whose data failed (the client went away), so that the
     * client can resume from the session's offset, as with the CNCF registry. They are synced before the offset
     * says they are there. False when that fails: the caller then rolls the chunk back.
     */
    private boolean keepReceived(Session s, long received) {
        try {
            if (fsync) {
                try (FileChannel ch = FileChannel.open(s.dir.resolve("data"), StandardOpenOption.WRITE)) {
                    ch.force(false);
                }
            }
            writeOffset(s.dir, s.offset + received);
        } catch (IOException e) {
            return false;
        }
        s.offset += received;
        s.touched = Instant.now();
        return true;
    }

    private ByteBuffer takeBuffer() {
        ByteBuffer b = buffers.poll();
        return b != null ? b : ByteBuffer.allocateDirect(BUFFER);
    }

    private void returnBuffer(ByteBuffer b) {
        if (buffers.size() < MAX_POOLED_BUFFERS) {
            buffers.offer(b);
        }
    }

    private static MessageDigest cloneDigest(MessageDigest md) {
        if (md == null) {
            return null;
        }
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            return null;
        }
    }

    @Override
    public BlobInfo finishUpload(String repo, String id, Digest expected) throws IOException, RegistryException {
        Session s = session(repo, id);
        s.lock.lock();
        try {
            checkOpen(s);
            Path data = s.dir.resolve("data");
            Digest actual;
            if (expected.algorithm() == Digest.DigestAlgorithm.SHA256 && s.sha256 != null) {
                actual = expected.algorithm().fromRaw(cloneDigest(s.sha256).digest());
            } else {
                actual = hashFile(data, s.offset, expected.algorithm());
            }
            if (!actual.equals(expected)) {
                throw new RegistryException(ErrorCode.DIGEST_INVALID, 400, "the upload's " + s.offset + " bytes have digest "
                        + actual + ", not " + expected + "; nothing was stored");
            }
            Path target = blobPath(expected);
            if (Files.exists(target)) {
                touch(target);
            } else {
                if (fsync) {
                    // The one fsync of a blob. Its rename is made durable by the sync that ends the next
                    // manifest push (on journalling filesystems a sync commits the renames before it); a power
                    // loss before that loses only a blob that nothing references yet.
                    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
                        ch.force(false);
                    }
                }
                Files.createDirectories(target.getParent());
                move(data, target);
            }
            createLink("L", repo, expected, layerLink(repo, expected));
            end(s);
            return new BlobInfo(expected, s.offset);
        } finally {
            s.lock.unlock();
        }
    }

    private static Digest hashFile(Path file, long length, Digest.DigestAlgorithm alg) throws IOException {
        MessageDigest md = alg.newMessageDigest();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer bb = ByteBuffer.allocate(BUFFER);
            long left = length;
            while (left > 0) {
                bb.clear().limit((int) Math.min(bb.capacity(), left));
                int n = ch.read(bb);
                if (n < 0) {
                    break;
                }
                bb.flip();
                md.update(bb);
                left -= n;
            }
        }
        return alg.fromRaw(md.digest());
    }

    @Override
    public void cancelUpload(String repo, String id) throws IOException, RegistryException {
        Session s = session(repo, id);
        s.lock.lock();
        try {
            checkOpen(s);
            end(s);
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Ends a session whose lock the caller holds. Its directory is renamed into {@code tmp/} before the session
     * leaves {@link #sessions}: a request for it that comes meanwhile finds the ended session, or afterwards no
     * directory to load it from, and never brings it back. (Removed first, a status read in between loaded the
     * directory again: a session no listing showed and no expiry ended, answering forever.) When the rename
     * fails the ended session stays in the map, so it cannot come back in this process either.
     */
    private void end(Session s) throws IOException {
        s.ended = true;
        Path gone = tmpDir.resolve(UUID.randomUUID().toString());
        try {
            move(s.dir, gone);
        } catch (NoSuchFileException e) {
            gone = null; // removed already
        }
        sessions.remove(s.id, s);
        if (gone != null) {
            deleteTree(gone, true);
        }
    }

    @Override
    public int expireUploads(Instant before) throws IOException {
        int n = 0;
        for (UploadStatus u : uploads()) {
            if (!u.touched().isBefore(before)) {
                continue;
            }
            Session s;
            try {
                s = session(u.repo(), u.id());
            } catch (RegistryException e) {
                continue;
            }
            if (s.lock.tryLock()) {
                try {
                    if (!s.ended && s.touched.isBefore(before)) {
                        end(s);
                        n++;
                    }
                } finally {
                    s.lock.unlock();
                }
            }
        }
        return n;
    }

    @Override
    public List<UploadStatus> uploads() throws IOException {
        List<UploadStatus> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(uploadsDir)) {
            for (Path p : ds) {
                String id = p.getFileName().toString();
                Session s = sessions.get(id);
                if (s == null && UPLOAD_ID.matcher(id).matches()) {
                    s = load(id, false);
                    if (s == null) {
                        // A session directory without its state: a crash while it was being created, or one
                        // being removed right now. Leftovers are removed once they are old.
                        try {
                            if (Files.getLastModifiedTime(p).toInstant().isBefore(Instant.now().minusSeconds(3600))) {
                                deleteTree(p, true);
                            }
                        } catch (NoSuchFileException ignored) {
                            // removed meanwhile
                        }
                        continue;
                    }
                }
                if (s != null && !s.ended) {
                    out.add(s.status());
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- manifests

    @Override
    public StoredManifest getManifest(String repo, Digest digest) throws IOException {
        if (!hasLink("R", repo, digest, revisionLink(repo, digest))) {
            return null;
        }
        return loadManifest(digest);
    }

    private StoredManifest loadManifest(Digest digest) throws IOException {
        try {
            return manifests.get(digest, d -> {
                try {
                    return Manifests.stored(Files.readAllBytes(blobPath(d)), d);
                } catch (NoSuchFileException e) {
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InvalidContentException e) {
                    throw new UncheckedIOException(new IOException("the stored manifest " + d + " cannot be read: " + e.getMessage(), e));
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public Digest resolveTag(String repo, String tag) throws IOException {
        try {
            return tagCache.get(repo + ":" + tag, k -> {
                try {
                    String s = Files.readString(tagsDir(repo).resolve(tag), StandardCharsets.US_ASCII).trim();
                    return Optional.of(Digest.parse(s));
                } catch (NoSuchFileException | IllegalArgumentException e) {
                    // no tag, or one whose write a power loss cut short (it was never acknowledged)
                    return Optional.empty();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).orElse(null);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void putManifest(String repo, StoredManifest m, Collection<String> tags) throws IOException {
        if (alreadyStored(repo, m, tags)) {
            touch(blobPath(m.digest()));
            return; // a push of what is there already: nothing to write or sync
        }
        Path blob = blobPath(m.digest());
        if (!Files.exists(blob)) {
            writeAtomic(blob, m.bytes(), false);
        } else {
            touch(blob);
        }
        manifests.put(m.digest(), m);
        if (m.subject() != null) {
            createEmpty(referrersDir(repo, m.subject()).resolve(m.digest().algorithmName() + "-" + m.digest().hex()));
        }
        createLink("R", repo, m.digest(), revisionLink(repo, m.digest()));
        if (tags.isEmpty()) {
            syncDir(revisionLink(repo, m.digest()).getParent());
        }
        for (String tag : tags) {
            try {
                tagCache.asMap().compute(repo + ":" + tag, (k, v) -> {
                    try {
                        placeTag(tagsDir(repo).resolve(tag), m.digest().toString().getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return Optional.of(m.digest());
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            // Synced outside the cache's lock on the tag, which readers (on I/O threads) may wait for.
            syncTag(tagsDir(repo).resolve(tag));
        }
    }

    private boolean alreadyStored(String repo, StoredManifest m, Collection<String> tags) throws IOException {
        if (!hasLink("R", repo, m.digest(), revisionLink(repo, m.digest())) || !Files.exists(blobPath(m.digest()))) {
            return false;
        }
        for (String tag : tags) {
            if (!m.digest().equals(resolveTag(repo, tag))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean deleteManifest(String repo, Digest digest) throws IOException {
        if (!hasLink("R", repo, digest, revisionLink(repo, digest))) {
            return false;
        }
        List<String> tags = tags(repo);
        if (tags != null) {
            for (String tag : tags) {
                if (digest.equals(resolveTag(repo, tag))) {
                    deleteTag(repo, tag);
                }
            }
        }
        StoredManifest m = loadManifest(digest);
        boolean removed = removeLink("R", repo, digest, revisionLink(repo, digest));
        if (m != null && m.subject() != null) {
            Files.deleteIfExists(referrersDir(repo, m.subject()).resolve(digest.algorithmName() + "-" + digest.hex()));
        }
        return removed;
    }

    @Override
    public boolean deleteTag(String repo, String tag) throws IOException {
        boolean[] removed = new boolean[1];
        try {
            tagCache.asMap().compute(repo + ":" + tag, (k, v) -> {
                try {
                    removed[0] = Files.deleteIfExists(tagsDir(repo).resolve(tag));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return Optional.empty();
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return removed[0];
    }

    @Override
    public List<String> tags(String repo) throws IOException {
        Path dir = repoDir(repo);
        if (!Files.isDirectory(dir.resolve("_manifests")) && !Files.isDirectory(dir.resolve("_layers"))) {
            return null;
        }
        return sortedNames(tagsDir(repo));
    }

    private static List<String> sortedNames(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        } catch (NoSuchFileException e) {
            return out;
        }
        Collections.sort(out);
        return out;
    }

    @Override
    public List<String> repositories() throws IOException {
        List<String> out = new ArrayList<>();
        collectRepositories(reposDir, "", out);
        Collections.sort(out);
        return out;
    }

    private static void collectRepositories(Path dir, String prefix, List<String> out) throws IOException {
        for (String name : sortedNames(dir)) {
            if (name.startsWith("_")) {
                continue;
            }
            Path sub = dir.resolve(name);
            if (!Files.isDirectory(sub)) {
                continue;
            }
            String repo = prefix + name;
            if (Files.isDirectory(sub.resolve("_manifests")) || Files.isDirectory(sub.resolve("_layers"))) {
                out.add(repo);
            }
            collectRepositories(sub, repo + "/", out);
        }
    }

    @Override
    public Set<Digest> revisions(String repo) throws IOException {
        return linkedDigests(repoDir(repo).resolve("_manifests").resolve("revisions"));
    }

    @Override
    public Set<Digest> blobLinks(String repo) throws IOException {
        return linkedDigests(repoDir(repo).resolve("_layers"));
    }

    private static Set<Digest> linkedDigests(Path dir) throws IOException {
        Set<Digest> out = new HashSet<>();
        for (Digest.DigestAlgorithm alg : Digest.DigestAlgorithm.values()) {
            for (String hex : sortedNames(dir.resolve(alg.ociName()))) {
                try {
                    out.add(new Digest(alg, hex));
                } catch (IllegalArgumentException ignored) {
                    // not a link
                }
            }
        }
        return out;
    }

    @Override
    public List<StoredManifest> referrers(String repo, Digest subject) throws IOException {
        List<StoredManifest> out = new ArrayList<>();
        for (String name : sortedNames(referrersDir(repo, subject))) {
            int dash = name.indexOf('-');
            if (dash < 0) {
                continue;
            }
            Digest d;
            try {
                d = Digest.parse(name.substring(0, dash) + ":" + name.substring(dash + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            StoredManifest m = getManifest(repo, d);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- gc

    @Override
    public List<BlobInfo> blobs() throws IOException {
        List<BlobInfo> out = new ArrayList<>();
        for (Digest.DigestAlgorithm alg : Digest.DigestAlgorithm.values()) {
            Path algDir = blobsDir.resolve(alg.ociName());
            for (String prefix : sortedNames(algDir)) {
                for (String hex : sortedNames(algDir.resolve(prefix))) {
                    try {
                        Digest d = new Digest(alg, hex);
                        out.add(new BlobInfo(d, Files.size(algDir.resolve(prefix).resolve(hex))));
                    } catch (IllegalArgumentException | NoSuchFileException ignored) {
                        // not a blob, or deleted meanwhile
                    }
                }
            }
        }
        return out;
    }

    @Override
    public Instant blobModified(Digest digest) throws IOException {
        try {
            return Files.getLastModifiedTime(blobPath(digest)).toInstant();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public void deleteBlob(Digest digest) throws IOException {
        for (String repo : repositories()) {
            removeLink("L", repo, digest, layerLink(repo, digest));
        }
        Files.deleteIfExists(blobPath(digest));
        manifests.invalidate(digest);
    }

    // ---------------------------------------------------------------- files

    private void writeAtomic(Path target, byte[] bytes, boolean syncParent) throws IOException {
        Path tmp = tmpDir.resolve(UUID.randomUUID().toString());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer bb = ByteBuffer.wrap(bytes);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
                if (fsync) {
                    ch.force(true);
                }
            }
            Files.createDirectories(target.getParent());
            move(tmp, target);
            if (syncParent) {
                syncDir(target.getParent());
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes a tag for one fsync, {@link #syncTag}: the whole file is renamed into place, then synced by its
     * new name, which on journalling filesystems (ext4, XFS) commits its content, its name and the links made
     * before it at once. Until the sync returns the push is not acknowledged; a tag file a power loss left
     * empty reads as no tag.
     */
    private void placeTag(Path target, byte[] bytes) throws IOException {
        Path tmp = tmpDir.resolve(UUID.randomUUID().toString());
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.createDirectories(target.getParent());
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void syncTag(Path target) throws IOException {
        if (!fsync) {
            return;
        }
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (NoSuchFileException e) {
            // deleted meanwhile
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically: keep the registry's storage on one filesystem", e);
        }
    }

    private void syncDir(Path dir) throws IOException {
        if (!fsync) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some filesystems refuse fsync on directories; the rename is still atomic
        }
    }

    private static void touch(Path p) throws IOException {
        try {
            Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
        } catch (NoSuchFileException ignored) {
            // deleted meanwhile
        }
    }

    private static void deleteTree(Path dir, boolean self) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            List<Path> paths = new ArrayList<>(walk.toList());
            Collections.reverse(paths);
            for (Path p : paths) {
                if (self || !p.equals(dir)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (NoSuchFileException ignored) {
            // deleted meanwhile
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
    }

    @Override
    public String toString() {
        return "filesystem storage at " + root;
    }
}
