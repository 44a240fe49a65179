package dev.hoist.runtime;

/** The network a container gets, as {@code docker run --network}: {@code none} (only loopback, up) or {@code host}. */
public enum NetworkMode {
    /** A fresh network namespace with only {@code lo}, up. */
    NONE,
    /** The host's network namespace. */
    HOST;

    /** Parses {@code none} or {@code host} (case-insensitive). */
    public static NetworkMode parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> NONE;
            case "host" -> HOST;
            default -> throw new IllegalArgumentException("unsupported network mode '" + name + "': use none or host");
        };
    }
}
