package dev.hoist.cache;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;

import java.time.Instant;
import java.util.Objects;

/** A stored blob: its digest, its size in bytes and when it was last written. */
public record BlobInfo(Digest digest, long size, Instant modified) {

    public BlobInfo {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(modified, "modified");
        if (size < 0) {
            throw new IllegalArgumentException("a blob's size cannot be negative: " + size);
        }
    }

    /** A descriptor of this blob with the given media type. */
    public Descriptor descriptor(String mediaType) {
        return new Descriptor(mediaType, digest, size);
    }
}
