package dev.hoist.cache;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;

import java.time.Instant;
import java.util.Objects;

/**
 * An image in the {@link ImageStore} that no name points at, as Docker keeps a {@code <none>:<none>} image: one
 * built without a tag, or one whose last name was moved to another image. It is a garbage-collection root
 * until it is removed ({@code hoist rmi ID}, {@code hoist prune --dangling}) or named again.
 *
 * @param target the descriptor of its manifest or index
 * @param since  when it lost (or was stored without) a name
 */
public record DanglingImage(Descriptor target, Instant since) {

    public DanglingImage {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(since, "since");
    }

    /** The digest of its manifest or index, as {@link ImageEntry#id()}. */
    public Digest id() {
        return target.digest();
    }
}
