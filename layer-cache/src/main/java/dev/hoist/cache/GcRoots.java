package dev.hoist.cache;

import dev.hoist.oci.Descriptor;

import java.util.Collection;

/**
 * A source of blobs that garbage collection must keep besides those of tagged images, e.g. the build
 * cache's layers. Manifests and indexes among them are walked like tagged ones; a root whose media type is
 * null is read, and walked if it is a small JSON manifest or index. Called with the image store's lock held,
 * so it must not tag or untag images. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface GcRoots {

    /** The descriptors to keep, as of now. */
    Collection<Descriptor> roots() throws StoreException;
}
