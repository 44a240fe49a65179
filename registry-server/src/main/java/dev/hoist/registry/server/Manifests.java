package dev.hoist.registry.server;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.Manifest;

/** Turns manifest bytes into what the registry stores and serves. Stateless. */
final class Manifests {
    private Manifests() {
    }

    /** Parses {@code bytes}, stored under {@code digest} (which the caller has checked). */
    static StoredManifest stored(Manifest m, Digest digest) {
        String artifactType = m instanceof ImageManifest im ? im.effectiveArtifactType() : m.artifactType();
        Descriptor subject = m.subject();
        return new StoredManifest(digest, m.contentType(), m.bytes(), artifactType,
                subject == null ? null : subject.digest(), m.annotations());
    }

    /** Parses stored bytes; they were checked when pushed. */
    static StoredManifest stored(byte[] bytes, Digest digest) throws InvalidContentException {
        return stored(Manifest.parse(bytes), digest);
    }
}
