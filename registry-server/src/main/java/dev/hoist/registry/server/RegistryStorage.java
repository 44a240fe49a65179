package dev.hoist.registry.server;

import dev.hoist.oci.Digest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Where the registry keeps blobs, upload sessions, manifests, tags and referrers. Blobs are stored once by
 * digest and made visible per repository by links; manifests are blobs too, linked as revisions of a
 * repository; tags point at revisions. Every write is atomic: a reader sees the old state or the new one,
 * never a partial blob, manifest or tag, also after the process is killed. Implementations are
 * thread-safe. Repository names and tags are validated by the caller; ids of uploads are not (they come
 * from clients) and unknown or malformed ones are {@code BLOB_UPLOAD_UNKNOWN}.
 *
 * <p>Every implementation must pass {@code RegistryStorageContract} in the tests.
 */
public interface RegistryStorage extends Closeable {

    /**
     * Opens (creating when missing) a filesystem storage at {@code root}, taking an exclusive lock on it:
     * one process at a time.
     *
     * @throws IOException when the directory cannot be used or another process (a running registry, a gc)
     *                     holds it
     */
    static RegistryStorage filesystem(Path root, StorageOptions options) throws IOException {
        return new FilesystemStorage(root, options);
    }

    // ---- blobs

    /** The blob if {@code repo} has it (pushed there, mounted, or a manifest of it), else null. */
    BlobInfo statBlob(String repo, Digest digest) throws IOException;

    /** The blob if it is stored at all, in any repository, else null. */
    BlobInfo statBlob(Digest digest) throws IOException;

    /**
     * Opens the blob for reading if {@code repo} has it (as {@link #statBlob(String, Digest)}), else null. The
     * caller closes the content.
     */
    BlobContent openBlob(String repo, Digest digest) throws IOException;

    /**
     * Makes a stored blob visible in {@code repo} (a cross-repository mount). Returns the blob, or null when
     * no such blob is stored.
     */
    BlobInfo linkBlob(String repo, Digest digest) throws IOException;

    /** Makes the blob invisible in {@code repo}; its bytes stay until garbage collection. */
    boolean unlinkBlob(String repo, Digest digest) throws IOException;

    // ---- uploads

    /**
     * Starts an upload session for {@code repo}. A session that has ended (finished, cancelled or expired)
     * stays unknown ({@code BLOB_UPLOAD_UNKNOWN}), even to requests for it that come while it ends.
     */
    UploadStatus startUpload(String repo) throws IOException;

    /** The session's progress. */
    UploadStatus uploadStatus(String repo, String id) throws IOException, RegistryException;

    /**
     * Appends a chunk to the session. When the chunk is refused (a gap, more bytes than {@code maxBytes}, an
     * end before or after {@code exactBytes}) the session is as before. When reading {@code data} fails (the
     * client went away), the bytes read before are kept, durably, and the session's offset says how many: the
     * client resumes from there.
     *
     * @param start      the offset the client says the chunk starts at, or -1 when it does not say
     * @param exactBytes the chunk's declared length, or -1 when not declared
     * @param maxBytes   the most bytes the session may hold in all
     * @param data       the chunk, as a blocking channel (a read returns at least one byte, or -1 at the end)
     * @throws RegistryException {@code RANGE_INVALID} (416) for a chunk out of order,
     *                           {@code SIZE_INVALID} for a chunk whose length is not what was declared or
     *                           too large, {@code BLOB_UPLOAD_UNKNOWN}
     */
    UploadStatus appendUpload(String repo, String id, long start, long exactBytes, long maxBytes, ReadableByteChannel data)
            throws IOException, RegistryException;

    /** {@link #appendUpload(String, String, long, long, long, ReadableByteChannel)} from a stream. */
    default UploadStatus appendUpload(String repo, String id, long start, long exactBytes, long maxBytes, InputStream data)
            throws IOException, RegistryException {
        return appendUpload(repo, id, start, exactBytes, maxBytes, Channels.newChannel(data));
    }

    /**
     * Verifies the session's content against {@code expected} and stores it as a blob of {@code repo},
     * ending the session. When the digest does not match the session stays as it was.
     *
     * @throws RegistryException {@code DIGEST_INVALID}, {@code BLOB_UPLOAD_UNKNOWN}
     */
    BlobInfo finishUpload(String repo, String id, Digest expected) throws IOException, RegistryException;

    /** Ends a session and deletes what it received. */
    void cancelUpload(String repo, String id) throws IOException, RegistryException;

    /** Deletes sessions not touched since {@code before}; returns how many. */
    int expireUploads(Instant before) throws IOException;

    /** The open upload sessions. */
    List<UploadStatus> uploads() throws IOException;

    // ---- manifests and tags

    /** The manifest stored as a revision of {@code repo}, or null. */
    StoredManifest getManifest(String repo, Digest digest) throws IOException;

    /** The digest {@code tag} points at in {@code repo}, or null. */
    Digest resolveTag(String repo, String tag) throws IOException;

    /** Stores a manifest as a revision of {@code repo} and points {@code tags} at it. */
    void putManifest(String repo, StoredManifest manifest, Collection<String> tags) throws IOException;

    /** Removes a revision and every tag of {@code repo} that points at it; false when it was not there. */
    boolean deleteManifest(String repo, Digest digest) throws IOException;

    /** Removes only the tag; false when it was not there. */
    boolean deleteTag(String repo, String tag) throws IOException;

    /** The tags of {@code repo} in lexical order, or null when the repository is unknown. */
    List<String> tags(String repo) throws IOException;

    /** The repositories in lexical order. */
    List<String> repositories() throws IOException;

    /** The revisions of {@code repo}. */
    Set<Digest> revisions(String repo) throws IOException;

    /** The manifests of {@code repo} whose subject is {@code subject}. */
    List<StoredManifest> referrers(String repo, Digest subject) throws IOException;

    // ---- garbage collection

    /** Every stored blob, in no particular order (manifests included). */
    List<BlobInfo> blobs() throws IOException;

    /** The blobs {@code repo} links to. */
    Set<Digest> blobLinks(String repo) throws IOException;

    /** When the blob's bytes were last written or linked, for grace periods; null when absent. */
    Instant blobModified(Digest digest) throws IOException;

    /** Deletes a blob's bytes and every repository's link to it. */
    void deleteBlob(Digest digest) throws IOException;

    /** A blob opened for reading: its digest and size, and a channel positioned at 0. */
    record BlobContent(Digest digest, long size, SeekableByteChannel channel) implements Closeable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** An upload session: its id, repository, how many bytes it holds, and when it was last touched. */
    record UploadStatus(String id, String repo, long offset, Instant touched) {
    }
}
