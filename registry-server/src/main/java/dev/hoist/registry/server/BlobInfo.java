package dev.hoist.registry.server;

import dev.hoist.oci.Digest;

/** A stored blob: its digest and size in bytes. Immutable. */
public record BlobInfo(Digest digest, long size) {
}
