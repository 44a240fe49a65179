package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Objects;

/**
 * The platform an image runs on, as in an index entry or an image config: {@code os/architecture[/variant]}.
 * Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Platform(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        @JsonProperty("variant") String variant,
        @JsonProperty("features") List<String> features) {

    public Platform {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(os, "os");
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
        features = features == null ? List.of() : List.copyOf(features);
    }

    public Platform(String os, String architecture) {
        this(architecture, os, null, null, null, null);
    }

    /**
     * Parses {@code os/arch[/variant]} as Docker's {@code --platform} does, normalising the architecture
     * ({@code x86_64} → {@code amd64}, {@code aarch64} → {@code arm64}, {@code arm64/v8} → {@code arm64}).
     */
    public static Platform parse(String text) {
        String[] parts = text.trim().toLowerCase(java.util.Locale.ROOT).split("/");
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException("invalid platform \"" + text + "\": expected os/arch[/variant], e.g. linux/amd64");
        }
        String os = parts[0];
        String arch = normaliseArch(parts[1]);
        String variant = parts.length == 3 ? parts[2] : null;
        if ("arm64".equals(arch) && "v8".equals(variant)) {
            variant = null;
        }
        if ("arm".equals(arch) && variant == null) {
            variant = "v7";
        }
        return new Platform(arch, os, null, null, variant, null);
    }

    /** The platform of the machine running this JVM, in OCI terms. */
    public static Platform current() {
        return new Platform("linux", normaliseArch(System.getProperty("os.arch")));
    }

    static String normaliseArch(String arch) {
        return switch (arch) {
            case "x86_64", "x86-64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "armhf", "armel", "arm" -> "arm";
            case "i386", "i686", "x86" -> "386";
            default -> arch;
        };
    }

    /** Whether an image of {@code other} fits a request for this platform (os and arch equal; variant if asked). */
    public boolean matches(Platform other) {
        if (other == null) {
            return false;
        }
        if (!os.equals(other.os) || !architecture.equals(other.architecture)) {
            return false;
        }
        return variant == null || variant.equals(other.variant);
    }

    @JsonIgnore
    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }

    // equals and hashCode by hand, as Digest's: a record's generated ones bootstrap through invokedynamic on first
    // use, which cost a cold `hoist build` ~15 ms (measured with async-profiler).
    @Override
    public boolean equals(Object other) {
        return other instanceof Platform o
                && Objects.equals(architecture, o.architecture)
                && Objects.equals(os, o.os)
                && Objects.equals(osVersion, o.osVersion)
                && Objects.equals(osFeatures, o.osFeatures)
                && Objects.equals(variant, o.variant)
                && Objects.equals(features, o.features);
    }

    @Override
    public int hashCode() {
        return Objects.hash(architecture, os, osVersion, osFeatures, variant, features);
    }
}
