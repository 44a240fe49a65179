package dev.hoist.registry.client;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;

/** A manifest or index exactly as a registry served it, with its media type and digest. */
public record RawManifest(byte[] bytes, String mediaType, Digest digest) {

    public RawManifest {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** A descriptor of it. */
    public Descriptor descriptor() {
        return new Descriptor(mediaType, digest, bytes.length);
    }
}
