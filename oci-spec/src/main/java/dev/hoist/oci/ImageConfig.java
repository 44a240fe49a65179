package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An image configuration ({@value MediaTypes#OCI_CONFIG} or {@value MediaTypes#DOCKER_CONFIG}): platform,
 * execution parameters ({@link ContainerConfig}), {@link RootFs} diff IDs and {@link History}, plus Docker's
 * top-level extras ({@code container}, {@code container_config}, {@code docker_version}, {@code comment}).
 * Keeps the exact bytes it was read from (its digest is the image ID); {@link #toBuilder()} changes fields
 * and keeps everything else, including fields hoist does not model. Immutable and thread-safe.
 */
public final class ImageConfig {
    static final String WHAT = "image config";

    private final RawJson raw;
    private final ImageConfigFields fields;

    private ImageConfig(RawJson raw, ImageConfigFields fields) {
        this.raw = raw;
        this.fields = fields;
    }

    /**
     * Reads an image config, keeping {@code bytes} exactly.
     *
     * @throws InvalidContentException if the bytes are not a JSON object or a field has the wrong type (for
     *                                 example a diff ID that is not a digest)
     */
    public static ImageConfig parse(byte[] bytes) throws InvalidContentException {
        RawJson raw = RawJson.parse(bytes, WHAT);
        return new ImageConfig(raw, ImageConfigJson.read(raw.tree(), JsonPath.root(WHAT)));
    }

    /** A builder for a new image config; architecture and os are required. */
    public static Builder builder() {
        return new Builder(null);
    }

    /** A builder holding this config's fields; what it builds keeps this config's other fields. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@code created} as written (RFC 3339), or null. */
    public String created() {
        return fields.created();
    }

    /** {@code created} as an instant, or null when absent or not a timestamp. */
    public Instant createdInstant() {
        return Rfc3339.parse(fields.created());
    }

    public String author() {
        return fields.author();
    }

    public String architecture() {
        return fields.architecture();
    }

    public String os() {
        return fields.os();
    }

    /** {@code os.version}, or null. */
    public String osVersion() {
        return fields.osVersion();
    }

    /** {@code os.features}; empty when absent. */
    public List<String> osFeatures() {
        return fields.osFeatures();
    }

    public String variant() {
        return fields.variant();
    }

    /** The platform from architecture, os, os.version, os.features and variant; empty if os or architecture is missing. */
    public Optional<Platform> platform() {
        if (fields.architecture() == null || fields.os() == null) {
            return Optional.empty();
        }
        return Optional.of(new Platform(fields.architecture(), fields.os(), fields.osVersion(), fields.osFeatures(), fields.variant(), null));
    }

    /** The execution parameters ({@code config}); {@link ContainerConfig#EMPTY} when absent. */
    public ContainerConfig config() {
        return fields.config() != null ? fields.config() : ContainerConfig.EMPTY;
    }

    /** The {@code rootfs}, or null when absent (which the spec does not allow). */
    public RootFs rootfs() {
        return fields.rootfs();
    }

    /** The layer diff IDs, base first; empty when there is no rootfs. */
    public List<Digest> diffIds() {
        return fields.rootfs() == null ? List.of() : fields.rootfs().diffIds();
    }

    /** The {@code history}, oldest first; empty when absent. */
    public List<History> history() {
        return fields.history();
    }

    /** Docker's {@code comment}, or null. */
    public String comment() {
        return fields.comment();
    }

    /** Docker's {@code container} (the ID of the build container), or null. */
    public String container() {
        return fields.container();
    }

    /** Docker's {@code container_config} (the build container's config), or null. */
    public ContainerConfig containerConfig() {
        return fields.containerConfig();
    }

    /** Docker's {@code docker_version}, or null. */
    public String dockerVersion() {
        return fields.dockerVersion();
    }

    /** A copy of the exact bytes. */
    public byte[] bytes() {
        return raw.bytes();
    }

    /** A stream over the exact bytes. */
    public InputStream inputStream() {
        return raw.inputStream();
    }

    /** The sha256 digest of the exact bytes: the image ID. */
    public Digest digest() {
        return raw.digest();
    }

    public long size() {
        return raw.size();
    }

    /** A descriptor of this config with the given media type (OCI or Docker config type). */
    public Descriptor descriptor(String mediaType) {
        return new Descriptor(mediaType, raw.digest(), raw.size());
    }

    /** A copy of the parsed JSON tree, including the fields hoist does not model. */
    public ObjectNode json() {
        return raw.tree().deepCopy();
    }

    @JsonValue
    ObjectNode jsonValue() {
        return raw.tree();
    }

    /** The config as a UTF-8 string, exactly as its bytes. */
    public String toJsonString() {
        return raw.string();
    }

    /** Equal when the bytes are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ImageConfig c && raw.sameBytes(c.raw);
    }

    @Override
    public int hashCode() {
        return raw.bytesHash();
    }

    @Override
    public String toString() {
        return "ImageConfig[" + raw.digest() + " " + fields.os() + "/" + fields.architecture() + ", " + diffIds().size() + " layers]";
    }

    /** Builds an {@link ImageConfig}. Not thread-safe. */
    public static final class Builder {
        private final ImageConfig original;
        private String created;
        private String author;
        private String architecture;
        private String os;
        private String osVersion;
        private List<String> osFeatures = List.of();
        private String variant;
        private ContainerConfig config;
        private RootFs rootfs;
        private final List<History> history = new ArrayList<>();
        private String comment;
        private String container;
        private ContainerConfig containerConfig;
        private String dockerVersion;

        private Builder(ImageConfig original) {
            this.original = original;
            if (original != null) {
                ImageConfigFields f = original.fields;
                created = f.created();
                author = f.author();
                architecture = f.architecture();
                os = f.os();
                osVersion = f.osVersion();
                osFeatures = f.osFeatures();
                variant = f.variant();
                config = f.config();
                rootfs = f.rootfs();
                history.addAll(f.history());
                comment = f.comment();
                container = f.container();
                containerConfig = f.containerConfig();
                dockerVersion = f.dockerVersion();
            }
        }

        /** {@code created} exactly as given (RFC 3339). */
        public Builder created(String created) {
            this.created = created;
            return this;
        }

        /** {@code created}, written as Go's RFC3339Nano in UTC (e.g. {@code 2024-01-02T03:04:05.5Z}). */
        public Builder created(Instant created) {
            this.created = created == null ? null : Rfc3339.format(created);
            return this;
        }

        public Builder author(String author) {
            this.author = author;
            return this;
        }

        public Builder architecture(String architecture) {
            this.architecture = architecture;
            return this;
        }

        public Builder os(String os) {
            this.os = os;
            return this;
        }

        public Builder osVersion(String osVersion) {
            this.osVersion = osVersion;
            return this;
        }

        public Builder osFeatures(List<String> osFeatures) {
            this.osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
            return this;
        }

        public Builder variant(String variant) {
            this.variant = variant;
            return this;
        }

        /** Sets architecture, os, os.version, os.features and variant from {@code platform}. */
        public Builder platform(Platform platform) {
            architecture = platform.architecture();
            os = platform.os();
            osVersion = platform.osVersion();
            osFeatures = platform.osFeatures();
            variant = platform.variant();
            return this;
        }

        public Builder config(ContainerConfig config) {
            this.config = config;
            return this;
        }

        public Builder rootfs(RootFs rootfs) {
            this.rootfs = rootfs;
            return this;
        }

        /** Replaces the history. */
        public Builder history(List<History> history) {
            this.history.clear();
            for (History h : history) {
                addHistory(h);
            }
            return this;
        }

        /** Appends a history entry. */
        public Builder addHistory(History entry) {
            history.add(Objects.requireNonNull(entry, "history entry"));
            return this;
        }

        /** Adds a layer on top: its diff ID to the rootfs and its history entry. */
        public Builder addLayer(Digest diffId, History entry) {
            rootfs = (rootfs == null ? RootFs.layers(List.of()) : rootfs).withLayer(diffId);
            return addHistory(entry);
        }

        public Builder comment(String comment) {
            this.comment = comment;
            return this;
        }

        public Builder container(String container) {
            this.container = container;
            return this;
        }

        public Builder containerConfig(ContainerConfig containerConfig) {
            this.containerConfig = containerConfig;
            return this;
        }

        public Builder dockerVersion(String dockerVersion) {
            this.dockerVersion = dockerVersion;
            return this;
        }

        /**
         * The config. When built from a parsed config and nothing changed, that config itself (same bytes);
         * otherwise compact JSON in which only the changed fields differ from the original. A new config
         * without a rootfs gets an empty {@code layers} rootfs.
         *
         * @throws IllegalStateException if architecture or os is missing
         */
        public ImageConfig build() {
            if (architecture == null || architecture.isEmpty() || os == null || os.isEmpty()) {
                throw new IllegalStateException("an image config needs an architecture and an os (got " + os + "/" + architecture + ")");
            }
            RootFs fs = rootfs == null && original == null ? RootFs.layers(List.of()) : rootfs;
            ImageConfigFields f = new ImageConfigFields(created, author, architecture, os, osVersion, osFeatures, variant,
                    config, fs, history, comment, container, containerConfig, dockerVersion);
            if (original == null) {
                return new ImageConfig(RawJson.of(ImageConfigJson.write(f)), f);
            }
            if (f.equals(original.fields)) {
                return original;
            }
            ObjectNode tree = JsonTrees.patched(original.raw.tree(),
                    ImageConfigJson.write(original.fields), ImageConfigJson.write(f));
            return new ImageConfig(RawJson.of(tree), f);
        }
    }
}
