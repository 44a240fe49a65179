package dev.hoist.runtime;

/**
 * The network a container gets, as {@code docker run --network}: {@code none} (only loopback, up), {@code host}, or
 * {@code private} (Docker's {@code bridge}: its own network namespace with outbound access through slirp4netns).
 */
public enum NetworkMode {
    /** A fresh network namespace with only {@code lo}, up. */
    NONE,
    /** The host's network namespace. */
    HOST,
    /**
     * A fresh network namespace with {@code lo} and {@code tap0} (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3, MTU
     * 65520) routed to the outside by a slirp4netns process that lives as long as the container; the host's loopback
     * addresses are not reachable. Needs slirp4netns ({@link ContainerRuntime#privateNetworkAvailable()}).
     */
    PRIVATE;

    /** Parses {@code none}, {@code host}, or {@code private} (also {@code bridge} and {@code default}, as Docker names it), case-insensitive. */
    public static NetworkMode parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> NONE;
            case "host" -> HOST;
            case "private", "bridge", "default" -> PRIVATE;
            default -> throw new IllegalArgumentException("unsupported network mode '" + name
                    + "': use private (or bridge, default), none or host");
        };
    }

    /** The name hoist-init and the CLI use: none, host or private. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
