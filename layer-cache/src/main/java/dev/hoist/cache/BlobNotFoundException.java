package dev.hoist.cache;

import dev.hoist.oci.Digest;

/** A blob that was asked for is not in the store. */
public final class BlobNotFoundException extends StoreException {
    private final Digest digest;

    public BlobNotFoundException(Digest digest, String where) {
        super("blob " + digest + " is not in the local store at " + where
                + "; pull or build the image that needs it again");
        this.digest = digest;
    }

    public Digest digest() {
        return digest;
    }
}
