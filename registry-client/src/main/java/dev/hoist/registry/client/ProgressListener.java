package dev.hoist.registry.client;

import dev.hoist.oci.Descriptor;

/**
 * Hears how each blob of a transfer advances, to draw progress. Called from transfer threads, several
 * blobs at once: implementations must be thread-safe and quick.
 */
public interface ProgressListener {

    /** Does nothing. */
    ProgressListener NONE = new ProgressListener() {
    };

    /** A blob's transfer began; {@code done} bytes are already there (resumed or partly uploaded). */
    default void started(Descriptor blob, long done) {
    }

    /** {@code done} of {@code blob.size()} bytes are transferred. */
    default void progress(Descriptor blob, long done) {
    }

    /** The blob was already where it had to go (in the store, or in the target repository). */
    default void skipped(Descriptor blob, String why) {
    }

    /** The blob is transferred and verified. */
    default void finished(Descriptor blob) {
    }
}
