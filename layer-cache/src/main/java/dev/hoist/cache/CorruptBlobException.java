package dev.hoist.cache;

import dev.hoist.oci.Digest;

/**
 * A stored blob whose content no longer matches its digest (or the size it had when it was opened):
 * the disk, or someone writing into the store by hand, changed it.
 */
public final class CorruptBlobException extends StoreException {
    private final Digest digest;
    private final Digest actual;

    public CorruptBlobException(Digest digest, Digest actual, String detail) {
        super("blob " + digest + " is corrupt on disk (" + detail
                + "); run `hoist prune --verify` to remove it, then pull the image again");
        this.digest = digest;
        this.actual = actual;
    }

    static CorruptBlobException hashesTo(Digest digest, Digest actual) {
        return new CorruptBlobException(digest, actual, "hashes to " + actual);
    }

    /** The digest the blob is stored under. */
    public Digest digest() {
        return digest;
    }

    /** What its content hashes to now, or null when reading stopped before the end. */
    public Digest actual() {
        return actual;
    }
}
