package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An OCI image index ({@value MediaTypes#OCI_INDEX}) or a Docker manifest list
 * ({@value MediaTypes#DOCKER_MANIFEST_LIST}): descriptors of manifests, usually one per platform. Keeps the exact
 * bytes it was read from; {@link #toBuilder()} changes fields and keeps everything else. Immutable and
 * thread-safe.
 */
public final class ImageIndex implements Manifest {
    static final String WHAT = "image index";

    private final RawJson raw;
    private final IndexFields fields;

    private ImageIndex(RawJson raw, IndexFields fields) {
        this.raw = raw;
        this.fields = fields;
    }

    /**
     * Reads an image index or manifest list, keeping {@code bytes} exactly.
     *
     * @throws InvalidContentException if the bytes are not an index (an image manifest, Docker schema 1,
     *                                 malformed JSON, a bad descriptor)
     */
    public static ImageIndex parse(byte[] bytes) throws InvalidContentException {
        RawJson raw = RawJson.parse(bytes, WHAT);
        if (!ManifestChecks.isIndex(raw.tree(), WHAT)) {
            throw InvalidContentException.malformed(WHAT, "the document is an image manifest, not an index (read it with Manifest.parse or ImageManifest.parse)");
        }
        return from(raw);
    }

    static ImageIndex from(RawJson raw) throws InvalidContentException {
        IndexFields f = ManifestJson.readIndex(raw.tree(), JsonPath.root(WHAT));
        ManifestChecks.checkSchemaVersion(f.schemaVersion(), WHAT);
        return new ImageIndex(raw, f);
    }

    /** A builder for a new OCI image index (schemaVersion 2, mediaType {@value MediaTypes#OCI_INDEX}). */
    public static Builder builder() {
        return new Builder(null).mediaType(MediaTypes.OCI_INDEX);
    }

    /** A builder for a new Docker manifest list. */
    public static Builder dockerBuilder() {
        return new Builder(null).mediaType(MediaTypes.DOCKER_MANIFEST_LIST);
    }

    /** A builder holding this index's fields; what it builds keeps this index's other fields. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public int schemaVersion() {
        return fields.schemaVersion();
    }

    @Override
    public String mediaType() {
        return fields.mediaType();
    }

    @Override
    public String contentType() {
        return fields.mediaType() != null ? fields.mediaType() : MediaTypes.OCI_INDEX;
    }

    /** Whether this is a Docker manifest list (by its mediaType). */
    public boolean isDocker() {
        return MediaTypes.DOCKER_MANIFEST_LIST.equals(fields.mediaType());
    }

    @Override
    public String artifactType() {
        return fields.artifactType();
    }

    /** The descriptors of the manifests (or nested indexes), in document order. */
    public List<Descriptor> manifests() {
        return fields.manifests();
    }

    /**
     * The manifest to use on {@code platform}: the best match by {@link #candidates(Platform)}, or empty when
     * none fits.
     */
    public Optional<Descriptor> select(Platform platform) {
        List<Descriptor> c = candidates(platform);
        return c.isEmpty() ? Optional.empty() : Optional.of(c.get(0));
    }

    /**
     * The entries that can run on {@code platform}, best first. os and architecture must match (architecture
     * names normalised: {@code x86_64} is {@code amd64}, {@code aarch64} is {@code arm64}); an exact CPU
     * variant beats an older compatible one ({@code arm/v7} also runs {@code arm/v6} and {@code arm/v5},
     * {@code amd64/v3} runs {@code amd64/v2} and {@code v1}); {@code arm64} means {@code arm64/v8} and
     * {@code arm} means {@code arm/v7}. Ties keep document order. Entries without a platform (as in a
     * single-image OCI layout) are used only when no entry names a matching platform. Attestation entries
     * ({@code unknown/unknown}) never match.
     */
    public List<Descriptor> candidates(Platform platform) {
        Objects.requireNonNull(platform, "platform");
        record Scored(Descriptor d, int score, int index) {
        }
        List<Scored> scored = new ArrayList<>();
        List<Descriptor> withoutPlatform = new ArrayList<>();
        List<Descriptor> all = fields.manifests();
        for (int i = 0; i < all.size(); i++) {
            Descriptor d = all.get(i);
            if (d.platform() == null) {
                if (d.mediaType() == null || MediaTypes.isManifest(d.mediaType()) || MediaTypes.isIndex(d.mediaType())) {
                    withoutPlatform.add(d);
                }
                continue;
            }
            int s = PlatformMatcher.score(platform, d.platform());
            if (s != PlatformMatcher.NO_MATCH) {
                scored.add(new Scored(d, s, i));
            }
        }
        if (scored.isEmpty()) {
            return List.copyOf(withoutPlatform);
        }
        scored.sort(Comparator.comparingInt(Scored::score).reversed().thenComparingInt(Scored::index));
        return scored.stream().map(Scored::d).toList();
    }

    @Override
    public Descriptor subject() {
        return fields.subject();
    }

    @Override
    public Map<String, String> annotations() {
        return fields.annotations();
    }

    @Override
    public byte[] bytes() {
        return raw.bytes();
    }

    @Override
    public InputStream inputStream() {
        return raw.inputStream();
    }

    @Override
    public Digest digest() {
        return raw.digest();
    }

    @Override
    public long size() {
        return raw.size();
    }

    @Override
    public Descriptor descriptor() {
        return new Descriptor(contentType(), raw.digest(), raw.size(), null, null, null, null, fields.artifactType());
    }

    @Override
    public ObjectNode json() {
        return raw.tree().deepCopy();
    }

    @JsonValue
    ObjectNode jsonValue() {
        return raw.tree();
    }

    @Override
    public String toJsonString() {
        return raw.string();
    }

    /** Equal when the bytes are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ImageIndex m && raw.sameBytes(m.raw);
    }

    @Override
    public int hashCode() {
        return raw.bytesHash();
    }

    @Override
    public String toString() {
        return "ImageIndex[" + contentType() + " " + raw.digest() + ", " + fields.manifests().size() + " manifests]";
    }

    /** Builds an {@link ImageIndex}. Not thread-safe. */
    public static final class Builder {
        private final ImageIndex original;
        private String mediaType;
        private String artifactType;
        private final List<Descriptor> manifests = new ArrayList<>();
        private Descriptor subject;
        private final Map<String, String> annotations = new TreeMap<>();

        private Builder(ImageIndex original) {
            this.original = original;
            if (original != null) {
                IndexFields f = original.fields;
                mediaType = f.mediaType();
                artifactType = f.artifactType();
                manifests.addAll(f.manifests());
                subject = f.subject();
                annotations.putAll(f.annotations());
            }
        }

        /** The document's mediaType; null leaves it out (allowed for OCI, not for Docker). */
        public Builder mediaType(String mediaType) {
            if (mediaType != null && !MediaTypes.isIndex(mediaType)) {
                throw new IllegalArgumentException("\"" + mediaType + "\" is not an image index media type");
            }
            this.mediaType = mediaType;
            return this;
        }

        public Builder artifactType(String artifactType) {
            this.artifactType = artifactType;
            return this;
        }

        /** Replaces all entries. */
        public Builder manifests(List<Descriptor> manifests) {
            this.manifests.clear();
            manifests.forEach(this::addManifest);
            return this;
        }

        /** Appends an entry. */
        public Builder addManifest(Descriptor manifest) {
            manifests.add(Objects.requireNonNull(manifest, "manifest"));
            return this;
        }

        /** Removes every entry with this digest. */
        public Builder removeManifest(Digest digest) {
            manifests.removeIf(d -> d.digest().equals(digest));
            return this;
        }

        public Builder subject(Descriptor subject) {
            this.subject = subject;
            return this;
        }

        /** Replaces all annotations. */
        public Builder annotations(Map<String, String> annotations) {
            this.annotations.clear();
            this.annotations.putAll(annotations);
            return this;
        }

        /** Sets one annotation; a null value removes it. */
        public Builder annotation(String key, String value) {
            if (value == null) {
                annotations.remove(key);
            } else {
                annotations.put(key, value);
            }
            return this;
        }

        /**
         * The index. When built from a parsed index and nothing changed, that index itself (same bytes);
         * otherwise compact JSON in which only the changed fields differ from the original.
         */
        public ImageIndex build() {
            IndexFields f = new IndexFields(2, mediaType, artifactType, manifests, subject, annotations);
            if (original == null) {
                return new ImageIndex(RawJson.of(ManifestJson.write(f)), f);
            }
            if (f.equals(original.fields)) {
                return original;
            }
            ObjectNode tree = JsonTrees.patched(original.raw.tree(),
                    ManifestJson.write(original.fields), ManifestJson.write(f));
            return new ImageIndex(RawJson.of(tree), f);
        }
    }
}
