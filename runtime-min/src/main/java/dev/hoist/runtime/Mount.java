package dev.hoist.runtime;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One mount in a container: a bind mount of a host file or directory ({@code -v HOST:CONTAINER[:ro]}) or a tmpfs
 * ({@code --tmpfs CONTAINER[:options]}). Destinations are absolute paths in the container.
 *
 * @param type        bind or tmpfs
 * @param source      the host path of a bind mount; null for tmpfs
 * @param destination absolute path in the container
 * @param readOnly    mounted read-only
 * @param options     tmpfs options such as {@code size=64m,mode=1777}; empty for bind mounts
 */
public record Mount(Type type, Path source, String destination, boolean readOnly, String options) {

    /** The kinds of mount. */
    public enum Type { BIND, TMPFS }

    public Mount {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(destination, "destination");
        if (!destination.startsWith("/")) {
            throw new IllegalArgumentException("mount destination '" + destination + "' must be an absolute path");
        }
        if (type == Type.BIND) {
            Objects.requireNonNull(source, "a bind mount needs a source");
            source = source.toAbsolutePath().normalize();
        }
        options = options == null ? "" : options;
        if (destination.indexOf('\t') >= 0 || options.indexOf('\t') >= 0
                || (source != null && source.toString().indexOf('\t') >= 0)) {
            throw new IllegalArgumentException("mount paths and options cannot contain tabs");
        }
    }

    /** A bind mount of {@code source} on {@code destination}. */
    public static Mount bind(Path source, String destination, boolean readOnly) {
        return new Mount(Type.BIND, source, destination, readOnly, "");
    }

    /** A tmpfs on {@code destination} with mount options (may be empty). */
    public static Mount tmpfs(String destination, String options) {
        return new Mount(Type.TMPFS, null, destination, false, options);
    }

    /**
     * Parses Docker's {@code -v HOST:CONTAINER[:ro|rw]} (bind mounts only; named volumes are not supported).
     */
    public static Mount parseVolume(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || !parts[0].startsWith("/")) {
            throw new IllegalArgumentException("invalid volume '" + spec + "': use -v /host/path:/container/path[:ro]");
        }
        boolean ro = false;
        if (parts.length == 3) {
            switch (parts[2]) {
                case "ro" -> ro = true;
                case "rw", "" -> ro = false;
                default -> throw new IllegalArgumentException("invalid volume mode '" + parts[2] + "' in '" + spec + "': use ro or rw");
            }
        }
        return bind(Path.of(parts[0]), parts[1], ro);
    }

    /** Parses Docker's {@code --tmpfs CONTAINER[:options]}. */
    public static Mount parseTmpfs(String spec) {
        int colon = spec.indexOf(':');
        return colon < 0 ? tmpfs(spec, "") : tmpfs(spec.substring(0, colon), spec.substring(colon + 1));
    }
}
