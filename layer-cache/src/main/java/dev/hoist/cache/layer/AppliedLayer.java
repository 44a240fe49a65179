package dev.hoist.cache.layer;

import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes.Compression;

/**
 * What {@link LayerApplier} applied: the diffID (sha256 of the uncompressed tar, to check against the image
 * config's {@code rootfs.diff_ids}), the compression it found, the uncompressed size and the number of tar
 * entries.
 */
public record AppliedLayer(Digest diffId, Compression compression, long uncompressedSize, long entries) {
}
