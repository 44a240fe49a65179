package dev.hoist.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.InputStream;
import java.util.Map;

/**
 * What a registry serves at {@code /v2/<name>/manifests/<reference>}: an {@link ImageManifest} (OCI image
 * manifest or Docker image manifest v2 schema 2) or an {@link ImageIndex} (OCI image index or Docker manifest
 * list). Every instance keeps the exact bytes it was read from; its {@link #digest()} is over those bytes.
 * Implementations are immutable and thread-safe.
 */
public sealed interface Manifest permits ImageManifest, ImageIndex {

    /**
     * Reads a manifest or an index, telling them apart by {@code mediaType}, or when that is absent by the
     * presence of {@code manifests} (index) versus {@code config}/{@code layers} (manifest). Docker schema 1
     * manifests are refused, as are documents that have both {@code manifests} and {@code layers} or
     * {@code config} (ambiguous, see the OCI image spec 1.0.2 security fix).
     *
     * @throws InvalidContentException naming what is wrong; {@link InvalidContentException#unsupported()} is
     *                                 true for schema 1 and unknown media types
     */
    static Manifest parse(byte[] bytes) throws InvalidContentException {
        RawJson raw = RawJson.parse(bytes, "manifest");
        return ManifestChecks.isIndex(raw.tree(), "manifest") ? ImageIndex.from(raw) : ImageManifest.from(raw);
    }

    /** {@code 2}, the only schema version hoist reads. */
    int schemaVersion();

    /** The {@code mediaType} field as written in the document, or null when it has none (allowed by OCI). */
    String mediaType();

    /**
     * The media type to serve and describe this document with: its {@code mediaType}, or when absent the OCI
     * manifest or index type.
     */
    String contentType();

    /** The {@code artifactType} field, or null. */
    String artifactType();

    /** The {@code subject} descriptor (the manifest this one refers to, for the referrers API), or null. */
    Descriptor subject();

    /** The {@code annotations}, sorted by key; empty when there are none. */
    Map<String, String> annotations();

    /** A copy of the exact bytes. */
    byte[] bytes();

    /** A stream over the exact bytes. */
    InputStream inputStream();

    /** The sha256 digest of the exact bytes. */
    Digest digest();

    /** The number of bytes. */
    long size();

    /** A descriptor of this document: {@link #contentType()}, digest, size and artifact type. */
    Descriptor descriptor();

    /** A copy of the parsed JSON tree, including the fields hoist does not model. */
    ObjectNode json();

    /** The document as a UTF-8 string, exactly as its bytes. */
    String toJsonString();
}
