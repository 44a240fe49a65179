package dev.hoist.cache.layer;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes.Compression;

/**
 * What {@link LayerWriter} wrote: the diffID (sha256 of the uncompressed tar, for the image config's
 * {@code rootfs.diff_ids}), and the digest and size of the bytes written (the blob, for the manifest's
 * layer descriptor), with their compression.
 */
public record WrittenLayer(Digest diffId, Digest digest, long size, Compression compression) {

    /** The OCI layer media type for this compression. */
    public String mediaType() {
        return compression.ociLayerMediaType();
    }

    /** The manifest's descriptor for this layer blob. */
    public Descriptor descriptor() {
        return new Descriptor(mediaType(), digest, size);
    }
}
