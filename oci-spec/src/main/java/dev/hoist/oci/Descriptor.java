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

    /**
     * Reads a descriptor from a JSON tree by hand, without data binding: cheaper on a cold start, where the
     * CLI reads a few descriptors and exits.
     *
     * @throws InvalidContentException naming the bad field
     */
    public static Descriptor fromJson(com.fasterxml.jackson.databind.JsonNode n, String what) throws InvalidContentException {
        if (n == null || !n.isObject()) {
            throw InvalidContentException.malformed(what, "a descriptor must be a JSON object");
        }
        com.fasterxml.jackson.databind.JsonNode digest = n.get("digest");
        com.fasterxml.jackson.databind.JsonNode size = n.get("size");
        if (digest == null || !digest.isTextual()) {
            throw InvalidContentException.malformed(what, "digest is missing");
        }
        if (size == null || !size.canConvertToLong() || !size.isIntegralNumber()) {
            throw InvalidContentException.malformed(what, "size is missing or not an integer");
        }
        Digest d;
        try {
            d = Digest.parse(digest.asText());
        } catch (InvalidDigestException e) {
            throw InvalidContentException.malformed(what, "digest: " + e.getMessage());
        }
        java.util.List<String> urls = new java.util.ArrayList<>();
        if (n.has("urls")) {
            n.get("urls").forEach(u -> urls.add(u.asText()));
        }
        Map<String, String> annotations = new TreeMap<>();
        if (n.has("annotations") && n.get("annotations").isObject()) {
            n.get("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        }
        Platform platform = null;
        com.fasterxml.jackson.databind.JsonNode p = n.get("platform");
        if (p != null && p.isObject()) {
            if (!p.hasNonNull("architecture") || !p.hasNonNull("os")) {
                throw InvalidContentException.malformed(what, "platform needs architecture and os");
            }
            platform = new Platform(p.get("architecture").asText(), p.get("os").asText(), text(p, "os.version"),
                    strings(p.get("os.features")), text(p, "variant"), strings(p.get("features")));
        }
        return new Descriptor(text(n, "mediaType"), d, size.asLong(), urls, annotations, text(n, "data"), platform,
                text(n, "artifactType"));
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n, String field) {
        com.fasterxml.jackson.databind.JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static List<String> strings(com.fasterxml.jackson.databind.JsonNode array) {
        if (array == null || !array.isArray()) {
            return null;
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }

    /**
     * This descriptor as a JSON tree, as manifests hold it (empty fields left out), built without data
     * binding. A new tree each time.
     */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
        return DescriptorJson.write(this);
    }

    /** The annotation {@code key}, or null. */
    @JsonIgnore
    public String annotation(String key) {
        return annotations.get(key);
    }

    // equals and hashCode by hand, as Digest's: a record's generated ones bootstrap through invokedynamic on first
    // use, which cost a cold `hoist build` ~15 ms (measured with async-profiler).
    @Override
    public boolean equals(Object other) {
        return other instanceof Descriptor o
                && Objects.equals(mediaType, o.mediaType)
                && Objects.equals(digest, o.digest)
                && size == o.size
                && Objects.equals(urls, o.urls)
                && Objects.equals(annotations, o.annotations)
                && Objects.equals(data, o.data)
                && Objects.equals(platform, o.platform)
                && Objects.equals(artifactType, o.artifactType);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mediaType, digest, size, urls, annotations, data, platform, artifactType);
    }
}
