package dev.hoist.cache;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Content-addressed blob storage: stat, open, put, delete and list blobs by digest, in the spirit of
 * distribution's blob statter, provider, ingester, deleter and enumerator. Writes are atomic: a blob is
 * either absent or complete and verified, and concurrent writers of the same blob do no harm.
 * Implementations are thread-safe and safe to share between processes.
 */
public interface BlobStore {

    /** The blob store under {@code root}, on its filesystem. */
    static BlobStore onDisk(HoistRoot root) {
        return new FileBlobStore(root);
    }

    /** The blob's size and time of writing, or empty when it is not stored. */
    Optional<BlobInfo> stat(Digest digest) throws StoreException;

    /** Whether the blob is stored. */
    default boolean contains(Digest digest) throws StoreException {
        return stat(digest).isPresent();
    }

    /**
     * Opens the blob for reading. The stream hashes what is read, and on reaching the end throws
     * {@link CorruptBlobException} if the content does not match the digest or the size it had when opened;
     * a caller that stops early gets no such check.
     *
     * @throws BlobNotFoundException when it is not stored
     */
    InputStream open(Digest digest) throws StoreException;

    /** Reads the whole blob, verified. Meant for manifests, indexes and configs, not large layers. */
    default byte[] readAllBytes(Digest digest) throws StoreException {
        try (InputStream in = open(digest)) {
            return in.readAllBytes();
        } catch (StoreException e) {
            throw e;
        } catch (IOException e) {
            throw new StoreException("cannot read blob " + digest + ": " + StoreErrors.describe(e), e);
        }
    }

    /**
     * Hashes the stored blob and returns it when it matches its digest.
     *
     * @throws CorruptBlobException  when it does not
     * @throws BlobNotFoundException when it is not stored
     */
    BlobInfo verify(Digest digest) throws StoreException;

    /**
     * The file holding the blob, for callers that need a file (to map it or send it with sendfile). It is not
     * verified (see {@link #verify}) and must not be written to. Deleting the blob later does not disturb a
     * file already opened.
     *
     * @throws BlobNotFoundException when it is not stored
     */
    Path path(Digest digest) throws StoreException;

    /**
     * Stores what {@code in} yields (read to its end, not closed). When {@code expected} is not null the
     * content must hash to it (with its algorithm, else sha256); when {@code expectedSize} is not negative
     * it must have that size, and reading stops as soon as it has too many bytes.
     *
     * @throws DigestMismatchException naming the expected and actual digest; nothing is stored
     * @throws StoreException          when the store cannot be written; nothing is stored
     * @throws IOException             when reading {@code in} fails; nothing is stored
     */
    BlobInfo put(InputStream in, Digest expected, long expectedSize) throws IOException;

    /** Stores what {@code in} yields under its sha256 digest. */
    default BlobInfo put(InputStream in) throws IOException {
        return put(in, null, -1);
    }

    /**
     * Stores what {@code in} yields, checking it against {@code expected}'s digest and size, and returns
     * {@code expected}.
     */
    default Descriptor put(Descriptor expected, InputStream in) throws IOException {
        put(in, expected.digest(), expected.size());
        return expected;
    }

    /**
     * Stores {@code bytes} under their sha256 digest and returns their descriptor; a blob already stored is not
     * written again (a rebuilt image's config and manifest cost no write and no fsync).
     */
    default Descriptor put(String mediaType, byte[] bytes) throws StoreException {
        Descriptor d = Descriptor.of(mediaType, bytes);
        if (contains(d.digest())) {
            return d;
        }
        try {
            return put(new ByteArrayInputStream(bytes), null, bytes.length).descriptor(mediaType);
        } catch (StoreException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading a byte array failed", e);
        }
    }

    /** A writer for content whose digest is known only at the end, hashed with sha256. */
    default BlobWriter writer() throws StoreException {
        return writer(Digest.DigestAlgorithm.SHA256);
    }

    /** A writer for content whose digest is known only at the end. */
    BlobWriter writer(Digest.DigestAlgorithm algorithm) throws StoreException;

    /**
     * Removes the blob. A reader that already opened it keeps reading it.
     *
     * @return whether it was there
     */
    boolean delete(Digest digest) throws StoreException;

    /** Every stored blob, in digest order. */
    List<BlobInfo> list() throws StoreException;
}
