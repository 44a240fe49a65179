package dev.hoist.oci;

import java.util.Locale;

/**
 * Ranks index entries for a wanted platform the way containerd and Docker do: os and architecture must be
 * equal (after normalising names such as {@code x86_64} and {@code aarch64}); an exact CPU variant is best; on
 * {@code arm} and {@code amd64} an older variant still runs ({@code arm/v7} runs {@code arm/v6}, {@code amd64/v3}
 * runs {@code amd64/v2}); {@code arm64} without a variant is {@code v8} and {@code arm} without one is
 * {@code v7}. Stateless.
 */
final class PlatformMatcher {
    /** Not usable for the wanted platform. */
    static final int NO_MATCH = -1;

    private PlatformMatcher() {
    }

    /** How well an image for {@code candidate} fits a request for {@code wanted}; higher is better. */
    static int score(Platform wanted, Platform candidate) {
        if (candidate == null) {
            return NO_MATCH;
        }
        String os = wanted.os().toLowerCase(Locale.ROOT);
        if (!os.equals(candidate.os().toLowerCase(Locale.ROOT))) {
            return NO_MATCH;
        }
        String arch = Platform.normaliseArch(wanted.architecture().toLowerCase(Locale.ROOT));
        if (!arch.equals(Platform.normaliseArch(candidate.architecture().toLowerCase(Locale.ROOT)))) {
            return NO_MATCH;
        }
        String want = variant(arch, wanted.variant());
        String have = variant(arch, candidate.variant());
        if (want.equals(have)) {
            return 1000;
        }
        if (arch.equals("arm") || arch.equals("amd64")) {
            int w = level(want);
            int h = level(have);
            if (w >= 0 && h >= 0 && h < w) {
                return 1000 - (w - h);
            }
            return NO_MATCH;
        }
        if (wanted.variant() == null || wanted.variant().isEmpty()) {
            // No variant asked for on an architecture without a default: any variant will do, but less well.
            return 500;
        }
        return NO_MATCH;
    }

    /** The normalised variant: {@code v8} for arm64, {@code v7} for arm, {@code v1} for amd64 when absent. */
    static String variant(String arch, String variant) {
        String v = variant == null ? "" : variant.toLowerCase(Locale.ROOT);
        if (v.startsWith("arm")) {
            v = v.substring(3);
        }
        if (!v.isEmpty() && Character.isDigit(v.charAt(0))) {
            v = "v" + v;
        }
        if (v.isEmpty()) {
            return switch (arch) {
                case "arm64" -> "v8";
                case "arm" -> "v7";
                case "amd64" -> "v1";
                default -> "";
            };
        }
        return v;
    }

    private static int level(String variant) {
        if (variant.length() < 2 || variant.charAt(0) != 'v') {
            return -1;
        }
        try {
            return Integer.parseInt(variant.substring(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
