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
 * @param options     tmpfs options as mount(8) takes them, flags and data, such as {@code exec,size=64m,mode=1777} (a
 *                    tmpfs is nosuid and nodev unless they say suid or dev); empty for bind mounts
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
     * Parses Docker's {@code -v HOST:CONTAINER[:MODES]} (bind mounts only; named volumes are not supported). MODES is a
     * comma-separated list with at most one of each kind, as Docker accepts it on Linux: {@code ro} or {@code rw};
     * an SELinux label {@code z} or {@code Z} (ignored: hoist does not label files); a propagation, of which only the
     * default {@code rprivate} (or {@code private}) is supported; a consistency ({@code consistent}, {@code cached},
     * {@code delegated}: Docker Desktop's file sharing, meaningless on Linux and ignored, as Docker does).
     */
    public static Mount parseVolume(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || !parts[0].startsWith("/")) {
            throw new IllegalArgumentException("invalid volume '" + spec + "': use -v /host/path:/container/path[:ro]");
        }
        boolean ro = false;
        if (parts.length == 3 && !parts[2].isEmpty()) {
            String[] seen = new String[4];   // the mode given of each kind: access, label, propagation, consistency
            for (String mode : parts[2].split(",", -1)) {
                int kind = switch (mode) {
                    case "ro", "rw" -> 0;
                    case "z", "Z" -> 1;
                    case "private", "rprivate" -> 2;
                    case "shared", "rshared", "slave", "rslave" -> throw new IllegalArgumentException("volume '" + spec
                            + "': propagation " + mode + " is not supported; hoist's bind mounts are rprivate");
                    case "consistent", "cached", "delegated" -> 3;
                    case "nocopy" -> throw new IllegalArgumentException("invalid volume '" + spec
                            + "': nocopy applies to named volumes, not to bind mounts");
                    default -> throw new IllegalArgumentException("invalid volume mode '" + mode + "' in '" + spec
                            + "': use ro or rw, z or Z, rprivate, consistent, cached or delegated");
                };
                if (seen[kind] != null) {
                    throw new IllegalArgumentException("invalid volume mode '" + parts[2] + "' in '" + spec + "': "
                            + seen[kind] + " and " + mode + " conflict");
                }
                seen[kind] = mode;
                ro = ro || mode.equals("ro");
            }
        }
        return bind(Path.of(parts[0]), parts[1], ro);
    }

    /**
     * Parses Docker's {@code --tmpfs CONTAINER[:options]}. The options are mount(8)'s: flags such as {@code ro},
     * {@code exec} or {@code nosuid}, and tmpfs's own ({@code size=64m}, {@code mode=1777}, {@code uid=}, {@code gid=},
     * {@code nr_inodes=}). As Docker, the mount is {@code noexec,nosuid,nodev} unless the options say otherwise.
     */
    public static Mount parseTmpfs(String spec) {
        int colon = spec.indexOf(':');
        String destination = colon < 0 ? spec : spec.substring(0, colon);
        String options = colon < 0 || colon == spec.length() - 1 ? "" : "," + spec.substring(colon + 1);
        return tmpfs(destination, TMPFS_DEFAULTS + options);
    }

    /** The options {@code --tmpfs} starts from, as Docker's; the user's follow them and may undo them. */
    public static final String TMPFS_DEFAULTS = "noexec,nosuid,nodev";

    /** The options of a {@link #parseTmpfs} mount as the user gave them, without {@link #TMPFS_DEFAULTS}. */
    public String givenTmpfsOptions() {
        String o = options();
        if (o.startsWith(TMPFS_DEFAULTS)) {
            o = o.substring(TMPFS_DEFAULTS.length());
            return o.startsWith(",") ? o.substring(1) : o;
        }
        return o;
    }
}
