package dev.hoist.registry.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.InvalidDigestException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Reference;
import dev.hoist.oci.distribution.ErrorCode;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The registry's rules over a {@link RegistryStorage}: names and digests checked, manifests verified against
 * the blobs and manifests they refer to, read-only mode, and the coordination that lets garbage collection
 * run while pushes go on (a manifest is verified and stored under a shared lock, manifests and blobs are
 * swept under the exclusive one, and what a push touched recently or referenced during a collection, blobs
 * and manifests alike, is never swept).
 * Thread-safe.
 */
final class Registry {
    static final long MAX_MANIFEST_BYTES = 4L << 20;

    private final RegistryStorage storage;
    private final boolean readOnly;
    private final long maxBlobBytes;
    private final Duration gcGrace;
    private final Duration uploadTtl;
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
    private final Cache<Digest, Instant> recentlyUsed;
    private final Set<Digest> referencedDuringGc = ConcurrentHashMap.newKeySet();
    private volatile boolean gcRunning;

    Registry(RegistryStorage storage, boolean readOnly, long maxBlobBytes, Duration gcGrace, Duration uploadTtl) {
        this.storage = storage;
        this.uploadTtl = uploadTtl;
        this.readOnly = readOnly;
        this.maxBlobBytes = maxBlobBytes;
        this.gcGrace = gcGrace;
        this.recentlyUsed = Caffeine.newBuilder().expireAfterWrite(gcGrace.isZero() ? Duration.ofMillis(1) : gcGrace)
                .maximumSize(1_000_000).build();
    }

    RegistryStorage storage() {
        return storage;
    }

    boolean readOnly() {
        return readOnly;
    }

    // ---------------------------------------------------------------- checks

    static void checkName(String name) throws RegistryException {
        if (!Reference.isValidRepository(name)) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid repository name \"" + abbreviate(name)
                    + "\": use lowercase letters, digits and separators (. _ __ -) in components joined by /");
        }
    }

    static Digest parseDigest(String text) throws RegistryException {
        try {
            return Digest.parse(text);
        } catch (InvalidDigestException e) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, 400, e.getMessage());
        }
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    void checkWritable() throws RegistryException {
        if (readOnly) {
            throw new RegistryException(ErrorCode.UNSUPPORTED, 405, "the registry is in read-only mode; pushes and deletes are refused");
        }
    }

    private void used(Digest d) {
        recentlyUsed.put(d, Instant.now());
        if (gcRunning) {
            referencedDuringGc.add(d);
        }
    }

    // ---------------------------------------------------------------- blobs

    BlobInfo statBlob(String repo, Digest digest) throws IOException, RegistryException {
        BlobInfo info = storage.statBlob(repo, digest);
        if (info == null) {
            throw new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in repository " + repo);
        }
        used(digest);
        return info;
    }

    RegistryStorage.BlobContent openBlob(String repo, Digest digest) throws IOException, RegistryException {
        RegistryStorage.BlobContent c = storage.openBlob(repo, digest);
        if (c == null) {
            throw new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in repository " + repo);
        }
        return c;
    }

    void deleteBlob(String repo, Digest digest) throws IOException, RegistryException {
        checkWritable();
        if (!storage.unlinkBlob(repo, digest)) {
            throw new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in repository " + repo);
        }
    }

    /** Mounts a blob into {@code repo}; {@code from} null means from anywhere. Null when it is not there. */
    BlobInfo mount(String repo, Digest digest, String from) throws IOException, RegistryException {
        checkWritable();
        gcLock.readLock().lock();
        try {
            if (from != null && storage.statBlob(from, digest) == null) {
                return null;
            }
            BlobInfo info = storage.linkBlob(repo, digest);
            if (info != null) {
                used(digest);
            }
            return info;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------- uploads

    RegistryStorage.UploadStatus startUpload(String repo) throws IOException, RegistryException {
        checkWritable();
        return storage.startUpload(repo);
    }

    RegistryStorage.UploadStatus append(String repo, String id, long start, long exact, java.nio.channels.ReadableByteChannel in)
            throws IOException, RegistryException {
        checkWritable();
        return storage.appendUpload(repo, id, start, exact, maxBlobBytes, in);
    }

    BlobInfo finish(String repo, String id, Digest digest) throws IOException, RegistryException {
        checkWritable();
        gcLock.readLock().lock();
        try {
            BlobInfo info = storage.finishUpload(repo, id, digest);
            used(digest);
            return info;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------- manifests

    /** The manifest {@code reference} (a tag or a digest) names in {@code repo}. */
    StoredManifest manifest(String repo, String reference) throws IOException, RegistryException {
        Digest digest;
        if (Reference.isValidTag(reference)) {
            digest = storage.resolveTag(repo, reference);
            if (digest == null) {
                throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest " + repo + ":" + reference + " is not in this registry");
            }
        } else {
            digest = parseReference(reference);
        }
        StoredManifest m = storage.getManifest(repo, digest);
        if (m == null) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest " + repo + "@" + digest + " is not in this registry");
        }
        return m;
    }

    private static Digest parseReference(String reference) throws RegistryException {
        if (reference.indexOf(':') < 0) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, 400, "\"" + abbreviate(reference)
                    + "\" is neither a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) nor a digest");
        }
        return parseDigest(reference);
    }

    /** What a manifest PUT stored. */
    record Put(StoredManifest manifest, List<String> tags) {
    }

    /**
     * Verifies and stores a manifest pushed to {@code repo} under {@code reference} (a tag, or the digest its
     * bytes must have), with the extra tags of {@code ?tag=}.
     */
    Put putManifest(String repo, String reference, String contentType, byte[] bytes, Collection<String> extraTags)
            throws IOException, RegistryException {
        checkWritable();
        Set<String> tags = new LinkedHashSet<>();
        Digest digest;
        if (Reference.isValidTag(reference)) {
            tags.add(reference);
            digest = Digest.sha256(bytes);
        } else {
            Digest wanted = parseReference(reference);
            digest = wanted.algorithm().digest(bytes);
            if (!digest.equals(wanted)) {
                throw new RegistryException(ErrorCode.DIGEST_INVALID, 400, "the manifest's bytes have digest " + digest
                        + ", not " + wanted + " as the URL says");
            }
        }
        for (String t : extraTags) {
            if (!Reference.isValidTag(t)) {
                throw new RegistryException(ErrorCode.TAG_INVALID, 400, "invalid tag \"" + abbreviate(t) + "\"");
            }
            tags.add(t);
        }
        Manifest m;
        try {
            m = Manifest.parse(bytes);
        } catch (InvalidContentException e) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, 400, e.getMessage());
        }
        String declared = contentType == null ? null : contentType.split(";", 2)[0].trim();
        if (declared != null && !declared.isEmpty() && (MediaTypes.isManifest(declared) || MediaTypes.isIndex(declared))
                && !declared.equals(m.contentType())) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, 400, "the Content-Type " + declared
                    + " does not match the manifest's mediaType " + m.contentType());
        }
        if (declared != null && MediaTypes.isSchema1(declared)) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, 400, "Docker image manifest schema 1 is not supported; push "
                    + MediaTypes.DOCKER_MANIFEST + " or " + MediaTypes.OCI_MANIFEST);
        }
        StoredManifest stored = Manifests.stored(m, digest);
        gcLock.readLock().lock();
        try {
            verifyReferences(repo, m);
            used(digest);
            if (stored.subject() != null) {
                used(stored.subject()); // a referrer keeps its subject through a collection running now
            }
            storage.putManifest(repo, stored, tags);
        } finally {
            gcLock.readLock().unlock();
        }
        return new Put(stored, List.copyOf(tags));
    }

    private void verifyReferences(String repo, Manifest m) throws IOException, RegistryException {
        if (m instanceof ImageManifest im) {
            List<Descriptor> blobs = new ArrayList<>();
            blobs.add(im.config());
            blobs.addAll(im.layers());
            for (Descriptor d : blobs) {
                BlobInfo info = storage.statBlob(repo, d.digest());
                if (info == null) {
                    if (!d.urls().isEmpty()) {
                        continue; // a foreign layer, served from its URLs
                    }
                    throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN, 400, "the manifest refers to blob "
                            + d.digest() + ", which is not in repository " + repo + "; push the blob first");
                }
                if (info.size() != d.size()) {
                    throw new RegistryException(ErrorCode.MANIFEST_INVALID, 400, "the manifest says blob " + d.digest()
                            + " has " + d.size() + " bytes, but it has " + info.size());
                }
                used(d.digest());
            }
        } else if (m instanceof ImageIndex ix) {
            for (Descriptor d : ix.manifests()) {
                StoredManifest child = storage.getManifest(repo, d.digest());
                if (child == null) {
                    if (storage.statBlob(repo, d.digest()) != null) {
                        used(d.digest());
                        continue; // an index may list a non-manifest blob (e.g. an attestation) pushed as a blob
                    }
                    throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN, 400, "the index refers to manifest "
                            + d.digest() + ", which is not in repository " + repo + "; push it first");
                }
                if (child.bytes().length != d.size()) {
                    throw new RegistryException(ErrorCode.MANIFEST_INVALID, 400, "the index says manifest " + d.digest()
                            + " has " + d.size() + " bytes, but it has " + child.bytes().length);
                }
                used(d.digest());
            }
        }
    }

    /** Deletes a tag (only the tag) or a manifest by digest (and its tags). */
    void deleteManifest(String repo, String reference) throws IOException, RegistryException {
        checkWritable();
        if (Reference.isValidTag(reference)) {
            if (!storage.deleteTag(repo, reference)) {
                throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "tag " + repo + ":" + reference + " is not in this registry");
            }
            return;
        }
        Digest d = parseReference(reference);
        if (!storage.deleteManifest(repo, d)) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest " + repo + "@" + d + " is not in this registry");
        }
    }

    List<String> tags(String repo) throws IOException, RegistryException {
        List<String> tags = storage.tags(repo);
        if (tags == null) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, "repository " + repo + " is not in this registry");
        }
        return tags;
    }

    // ---------------------------------------------------------------- gc

    /** Runs a collection while the registry serves. */
    GcReport collect(boolean dryRun, boolean deleteUntagged) throws IOException {
        if (readOnly && !dryRun) {
            throw new IOException("the registry is in read-only mode; garbage collection would delete, run it with dry-run");
        }
        synchronized (this) {
            referencedDuringGc.clear();
            gcRunning = true;
            try {
                return new GarbageCollection(storage, dryRun, deleteUntagged, gcGrace, uploadTtl, this::sweepGuard).run();
            } finally {
                gcRunning = false;
                referencedDuringGc.clear();
            }
        }
    }

    /** Runs {@code sweep} exclusively of pushes, telling it which blobs and manifests pushes need. */
    private void sweepGuard(GarbageCollection.Sweep sweep) throws IOException {
        gcLock.writeLock().lock();
        try {
            sweep.run(d -> referencedDuringGc.contains(d) || recentlyUsed.getIfPresent(d) != null);
        } finally {
            gcLock.writeLock().unlock();
        }
    }
}
