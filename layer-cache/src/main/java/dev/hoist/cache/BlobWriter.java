package dev.hoist.cache;

import dev.hoist.oci.Digest;

import java.io.OutputStream;

/**
 * Content being written into a {@link BlobStore} whose digest is known only at the end, e.g. a layer
 * being compressed. Write to {@link #stream()} (closing the stream only ends writing), then
 * {@link #commit} to verify and publish the blob atomically, or {@link #abort} to discard it; closing an
 * uncommitted writer aborts it. Until it is committed nothing is visible in the store. Not thread-safe.
 *
 * <pre>{@code
 * try (BlobWriter w = blobs.writer()) {
 *     try (OutputStream gz = new GZIPOutputStream(w.stream())) {
 *         tar.writeTo(gz);
 *     }
 *     BlobInfo layer = w.commit(null);
 * }
 * }</pre>
 */
public interface BlobWriter extends AutoCloseable {

    /** Where to write the content. Write errors are {@link StoreException}s, after which the writer is aborted. */
    OutputStream stream();

    /** The number of bytes written so far. */
    long size();

    /**
     * Publishes what was written as a blob, after checking that it hashes to {@code expected} when that is
     * not null. On a mismatch nothing is stored and the writer is aborted.
     *
     * @throws DigestMismatchException naming the expected and actual digests
     * @throws StoreException          when the blob cannot be written (nothing is stored)
     * @throws IllegalStateException   after commit or abort
     */
    BlobInfo commit(Digest expected) throws StoreException;

    /** As {@link #commit(Digest)}, also checking the size when {@code expectedSize} is not negative. */
    BlobInfo commit(Digest expected, long expectedSize) throws StoreException;

    /** Discards what was written. Does nothing after commit or abort. */
    void abort();

    /** Aborts unless committed. */
    @Override
    void close();
}
