package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An OCI content descriptor: what a blob is, its digest and size, and optional metadata. Immutable.
 * {@code data} holds the blob's bytes base64-encoded, as the spec's embedded-data field does.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"mediaType", "digest", "size", "urls", "annotations", "data", "platform", "artifactType"})
public record Descriptor(
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("digest") Digest digest,
        @JsonProperty("size") long size,
        @JsonProperty("urls") List<String> urls,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonProperty("data") String data,
        @JsonProperty("platform") Platform platform,
        @JsonProperty("artifactType") String artifactType) {

    public Descriptor {
        Objects.requireNonNull(digest, "a descriptor needs a digest");
        if (size < 0) {
            throw new IllegalArgumentException("a descriptor's size cannot be negative: " + size);
        }
        urls = urls == null ? List.of() : List.copyOf(urls);
        annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    }

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, null, null, null, null);
    }

    /** The descriptor of {@code bytes} with the given media type (sha256). */
    public static Descriptor of(String mediaType, byte[] bytes) {
        return new Descriptor(mediaType, Digest.sha256(bytes), bytes.length);
    }

    public Descriptor withPlatform(Platform p) {
        return new Descriptor(mediaType, digest, size, urls, annotations, data, p, artifactType);
    }

    public Descriptor withAnnotations(Map<String, String> a) {
        return new Descriptor(mediaType, digest, size, urls, a, data, platform, artifactType);
    }

    public Descriptor withMediaType(String m) {
        return new Descriptor(m, digest, size, urls, annotations, data, platform, artifactType);
    }

    /** The annotation {@code key}, or null. */
    @JsonIgnore
    public String annotation(String key) {
        return annotations.get(key);
    }
}
