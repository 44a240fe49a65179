package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An OCI image manifest ({@value MediaTypes#OCI_MANIFEST}) or a Docker image manifest v2 schema 2
 * ({@value MediaTypes#DOCKER_MANIFEST}): a config descriptor and the layers in stack order. Keeps the exact
 * bytes it was read from; {@link #toBuilder()} changes fields and keeps everything else, including fields
 * hoist does not model. Immutable and thread-safe.
 */
public final class ImageManifest implements Manifest {
    static final String WHAT = "image manifest";

    private final RawJson raw;
    private final ManifestFields fields;

    private ImageManifest(RawJson raw, ManifestFields fields) {
        this.raw = raw;
        this.fields = fields;
    }

    /**
     * Reads an image manifest, keeping {@code bytes} exactly.
     *
     * @throws InvalidContentException if the bytes are not an OCI or Docker schema 2 image manifest (an index,
     *                                 Docker schema 1, malformed JSON, a missing config, a bad descriptor)
     */
    public static ImageManifest parse(byte[] bytes) throws InvalidContentException {
        RawJson raw = RawJson.parse(bytes, WHAT);
        if (ManifestChecks.isIndex(raw.tree(), WHAT)) {
            throw InvalidContentException.malformed(WHAT, "the document is an image index, not a manifest (read it with Manifest.parse or ImageIndex.parse)");
        }
        return from(raw);
    }

    static ImageManifest from(RawJson raw) throws InvalidContentException {
        ManifestFields f = ManifestJson.readManifest(raw.tree(), JsonPath.root(WHAT));
        ManifestChecks.checkSchemaVersion(f.schemaVersion(), WHAT);
        if (f.config() == null) {
            throw InvalidContentException.malformed(WHAT, "config is missing: an image manifest needs a config descriptor");
        }
        return new ImageManifest(raw, f);
    }

    /** A builder for a new OCI image manifest (schemaVersion 2, mediaType {@value MediaTypes#OCI_MANIFEST}). */
    public static Builder builder() {
        return new Builder(null).mediaType(MediaTypes.OCI_MANIFEST);
    }

    /** A builder for a new Docker image manifest v2 schema 2. */
    public static Builder dockerBuilder() {
        return new Builder(null).mediaType(MediaTypes.DOCKER_MANIFEST);
    }

    /** A builder holding this manifest's fields; what it builds keeps this manifest's other fields. */
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
        return fields.mediaType() != null ? fields.mediaType() : MediaTypes.OCI_MANIFEST;
    }

    /** Whether this is a Docker image manifest v2 schema 2 (by its mediaType). */
    public boolean isDocker() {
        return MediaTypes.DOCKER_MANIFEST.equals(fields.mediaType());
    }

    @Override
    public String artifactType() {
        return fields.artifactType();
    }

    /**
     * The artifact type as the distribution spec's referrers API reports it: {@code artifactType}, or when
     * absent the config's media type.
     */
    public String effectiveArtifactType() {
        return fields.artifactType() != null ? fields.artifactType() : fields.config().mediaType();
    }

    /** The config descriptor. */
    public Descriptor config() {
        return fields.config();
    }

    /** The layer descriptors, base layer first. */
    public List<Descriptor> layers() {
        return fields.layers();
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
        return o instanceof ImageManifest m && raw.sameBytes(m.raw);
    }

    @Override
    public int hashCode() {
        return raw.bytesHash();
    }

    @Override
    public String toString() {
        return "ImageManifest[" + contentType() + " " + raw.digest() + ", " + fields.layers().size() + " layers]";
    }

    /** Builds an {@link ImageManifest}. Not thread-safe. */
    public static final class Builder {
        private final ImageManifest original;
        private String mediaType;
        private String artifactType;
        private Descriptor config;
        private final List<Descriptor> layers = new ArrayList<>();
        private Descriptor subject;
        private final Map<String, String> annotations = new TreeMap<>();

        private Builder(ImageManifest original) {
            this.original = original;
            if (original != null) {
                ManifestFields f = original.fields;
                mediaType = f.mediaType();
                artifactType = f.artifactType();
                config = f.config();
                layers.addAll(f.layers());
                subject = f.subject();
                annotations.putAll(f.annotations());
            }
        }

        /** The document's mediaType; null leaves it out (allowed for OCI, not for Docker). */
        public Builder mediaType(String mediaType) {
            if (mediaType != null && !MediaTypes.isManifest(mediaType)) {
                throw new IllegalArgumentException("\"" + mediaType + "\" is not an image manifest media type");
            }
            this.mediaType = mediaType;
            return this;
        }

        public Builder artifactType(String artifactType) {
            this.artifactType = artifactType;
            return this;
        }

        public Builder config(Descriptor config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Replaces all layers. */
        public Builder layers(List<Descriptor> layers) {
            this.layers.clear();
            layers.forEach(this::addLayer);
            return this;
        }

        /** Appends a layer on top of the others. */
        public Builder addLayer(Descriptor layer) {
            layers.add(Objects.requireNonNull(layer, "layer"));
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
         * The manifest. When built from a parsed manifest and nothing changed, that manifest itself (same
         * bytes); otherwise compact JSON in which only the changed fields differ from the original.
         *
         * @throws IllegalStateException if there is no config
         */
        public ImageManifest build() {
            if (config == null) {
                throw new IllegalStateException("an image manifest needs a config descriptor");
            }
            ManifestFields f = new ManifestFields(2, mediaType, artifactType, config, layers, subject, annotations);
            if (original == null) {
                return new ImageManifest(RawJson.of(ManifestJson.write(f)), f);
            }
            if (f.equals(original.fields)) {
                return original;
            }
            ObjectNode tree = JsonTrees.patched(original.raw.tree(),
                    ManifestJson.write(original.fields), ManifestJson.write(f));
            return new ImageManifest(RawJson.of(tree), f);
        }
    }
}
