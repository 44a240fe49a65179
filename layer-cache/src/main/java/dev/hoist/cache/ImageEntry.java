package dev.hoist.cache;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;

import java.time.Instant;
import java.util.Objects;

/**
 * One image in the {@link ImageStore}: a name (e.g. {@code docker.io/library/alpine:3.20}), the descriptor
 * of the manifest or index it names, and when the name was last set.
 */
public record ImageEntry(String name, Descriptor target, Instant tagged) {

    public ImageEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(tagged, "tagged");
    }

    /** The image's ID: the digest of its manifest or index. */
    public Digest id() {
        return target.digest();
    }
}
