package dev.hoist.registry.server;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;

import java.util.Map;

/**
 * A manifest as the registry keeps it: its exact bytes, the digest it is stored under (sha256 or sha512),
 * the media type to serve it with, and what the referrers API needs to know of it. Immutable; the bytes
 * array is never changed after construction and must not be changed by callers.
 */
public record StoredManifest(Digest digest, String mediaType, byte[] bytes, String artifactType,
                             Digest subject, Map<String, String> annotations) {

    public StoredManifest {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /** The descriptor the referrers API lists for this manifest. */
    public Descriptor descriptor() {
        return new Descriptor(mediaType, digest, bytes.length, null, annotations, null, null, artifactType);
    }
}
