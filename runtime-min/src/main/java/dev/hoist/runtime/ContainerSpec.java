package dev.hoist.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Everything needed to run one container: its root filesystem (an overlay of layer directories with a writable
 * upper directory that the caller keeps, or a plain directory), the process (argv, env, working directory, user),
 * hostname, mounts, network and limits. Immutable; build with {@link #builder()}.
 *
 * @param id       the container id: lower-case letters, digits, '-' and '_' (names the state and cgroup directories)
 * @param layers   unpacked layer directories, bottom-most (the base image's first layer) first; empty with rootfs
 * @param upperDir the overlay's writable upper directory (what the container changes lands here); with layers
 * @param workDir  the overlay's work directory, empty, on the same filesystem as upperDir; with layers
 * @param rootfs   a plain root directory, used as is (writes land in it); null with layers
 * @param argv     the program and its arguments (see {@link ProcessSpecs#command})
 * @param env      {@code NAME=value} entries, as given (see {@link ProcessSpecs#environment})
 * @param cwd      absolute working directory, created if missing
 * @param user     {@code name|uid[:group|gid]}, resolved in the container's /etc/passwd and /etc/group; empty is root
 * @param hostname the container's hostname; empty means the first 12 characters of the id (the host's hostname
 *                 with the host network), as in Docker
 * @param mounts   bind mounts and tmpfs, mounted in order
 * @param network  none, host or private
 * @param limits   cgroup limits
 * @param readOnly the root filesystem is mounted read-only
 * @param init     run a small init as PID 1 that reaps orphans and forwards signals
 * @param tty      give the process a pseudo-terminal in the container as its controlling terminal, stdin, stdout
 *                 and stderr ({@code docker run -t}); the runtime relays it with the streams the caller gives (its
 *                 output then arrives on stdout only)
 * @param timeout  kill the container after this long; null for none
 * @param stopSignal the signal that stops it before SIGKILL (the image's STOPSIGNAL or --stop-signal; SIGTERM
 *                   by default)
 * @param volatileUpper nothing in the upper directory needs to outlive a crash of the machine (it goes with the
 *                      container, as with {@code run --rm}, or is kept as a cache, as a build step's is): the
 *                      overlay is mounted {@code volatile}, so that neither a sync in the container nor the
 *                      unmount waits for its files to reach the disk; the kernel writes back what is kept in its
 *                      own time (before 5.10, which lacks the option, it is mounted without)
 */
public record ContainerSpec(String id, List<Path> layers, Path upperDir, Path workDir, Path rootfs, List<String> argv,
                            List<String> env, String cwd, String user, String hostname, List<Mount> mounts,
                            NetworkMode network, Limits limits, boolean readOnly, boolean init, boolean tty,
                            Duration timeout, int stopSignal, boolean volatileUpper) {

    public ContainerSpec {
        Objects.requireNonNull(id, "id");
        if (!isName(id, 128, false, "_.-")) {
            throw new IllegalArgumentException("invalid container id '" + id + "': use lower-case letters, digits, '.', '-' and '_'");
        }
        layers = List.copyOf(layers);
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        mounts = List.copyOf(mounts);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("no command specified: give a command or an image with ENTRYPOINT or CMD");
        }
        if (layers.isEmpty() == (rootfs == null)) {
            throw new IllegalArgumentException("give either layers (with upper and work directories) or a rootfs directory");
        }
        if (!layers.isEmpty() && (upperDir == null || workDir == null)) {
            throw new IllegalArgumentException("an overlay root filesystem needs an upper and a work directory");
        }
        for (String s : argv) {
            requireNoNul(s, "argument");
        }
        for (String s : env) {
            requireNoNul(s, "environment entry");
            if (s.indexOf('=') <= 0) {
                throw new IllegalArgumentException("invalid environment entry '" + s + "': use NAME=value");
            }
        }
        for (Path p : layers) {
            if (p.toString().contains(":") || p.toString().contains(",")) {
                throw new IllegalArgumentException("layer path " + p + " cannot contain ':' or ',' (overlayfs options)");
            }
        }
        cwd = cwd == null || cwd.isEmpty() ? "/" : cwd;
        if (!cwd.startsWith("/")) {
            throw new IllegalArgumentException("working directory '" + cwd + "' must be absolute");
        }
        user = user == null ? "" : user;
        network = network == null ? NetworkMode.NONE : network;
        if (hostname == null || hostname.isEmpty()) {
            hostname = defaultHostname(id, network);
        }
        if (!isName(hostname, 63, true, ".-")) {
            throw new IllegalArgumentException("invalid hostname '" + hostname + "': use letters, digits, '.' and '-', at most 63");
        }
        limits = limits == null ? Limits.NONE : limits;
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (stopSignal < 1 || stopSignal > 64) {
            throw new IllegalArgumentException("invalid stop signal " + stopSignal + ": use 1 to 64");
        }
    }

    /**
     * The hostname Docker gives a container that was not given one: the host's with the host's network, else the
     * first 12 characters of its id.
     */
    public static String defaultHostname(String id, NetworkMode network) {
        if (network == NetworkMode.HOST) {
            try {
                return java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            } catch (java.io.IOException e) {
                // no /proc: the id's, as without the host's network
            }
        }
        return id.substring(0, Math.min(12, id.length()));
    }

    private static void requireNoNul(String s, String what) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " cannot contain a NUL character");
        }
    }

    /** A new builder with a random 64-hex-digit id, no network, no limits. */
    public static Builder builder() {
        return new Builder();
    }

    /** A random 64-hex-digit container id, as Docker makes them. */
    public static String randomId() {
        return HexFormat.of().formatHex(dev.hoist.oci.Urandom.bytes(32));
    }

    /** Builds a {@link ContainerSpec}; not thread-safe. */
    public static final class Builder {
        private String id = randomId();
        private final List<Path> layers = new ArrayList<>();
        private Path upperDir;
        private Path workDir;
        private Path rootfs;
        private final List<String> argv = new ArrayList<>();
        private final List<String> env = new ArrayList<>();
        private String cwd = "/";
        private String user = "";
        private String hostname = "";
        private final List<Mount> mounts = new ArrayList<>();
        private NetworkMode network = NetworkMode.NONE;
        private Limits limits = Limits.NONE;
        private boolean readOnly;
        private boolean init;
        private boolean tty;
        private Duration timeout;
        private int stopSignal = RunningContainer.SIGTERM;
        private boolean volatileUpper;

        private Builder() {
        }

        public Builder id(String value) {
            this.id = value;
            return this;
        }

        /** An overlay root: layer directories bottom-most first, plus upper and work directories. */
        public Builder overlay(List<Path> lowerLayers, Path upper, Path work) {
            this.layers.clear();
            this.layers.addAll(lowerLayers);
            this.upperDir = upper;
            this.workDir = work;
            this.rootfs = null;
            return this;
        }

        /** A plain root directory. */
        public Builder rootfs(Path dir) {
            this.rootfs = dir;
            this.layers.clear();
            return this;
        }

        public Builder argv(List<String> value) {
            argv.clear();
            argv.addAll(value);
            return this;
        }

        public Builder argv(String... value) {
            return argv(List.of(value));
        }

        public Builder env(List<String> value) {
            env.clear();
            env.addAll(value);
            return this;
        }

        public Builder addEnv(String nameEqualsValue) {
            env.add(nameEqualsValue);
            return this;
        }

        public Builder cwd(String value) {
            this.cwd = value;
            return this;
        }

        public Builder user(String value) {
            this.user = value;
            return this;
        }

        public Builder hostname(String value) {
            this.hostname = value;
            return this;
        }

        public Builder addMount(Mount mount) {
            mounts.add(mount);
            return this;
        }

        public Builder network(NetworkMode value) {
            this.network = value;
            return this;
        }

        public Builder limits(Limits value) {
            this.limits = value;
            return this;
        }

        public Builder readOnly(boolean value) {
            this.readOnly = value;
            return this;
        }

        public Builder init(boolean value) {
            this.init = value;
            return this;
        }

        /** A pseudo-terminal for the process ({@code docker run -t}). */
        public Builder tty(boolean value) {
            this.tty = value;
            return this;
        }

        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        /** The signal that stops the container before SIGKILL (see {@link Signals#parse}); SIGTERM by default. */
        public Builder stopSignal(int value) {
            this.stopSignal = value;
            return this;
        }

        /** Whether the overlay is mounted {@code volatile}: see {@link ContainerSpec#volatileUpper}. */
        public Builder volatileUpper(boolean value) {
            this.volatileUpper = value;
            return this;
        }

        public ContainerSpec build() {
            return new ContainerSpec(id, layers, upperDir, workDir, rootfs, argv, env, cwd, user, hostname, mounts,
                    network, limits, readOnly, init, tty, timeout, stopSignal, volatileUpper);
        }
    }

    /**
     * Whether {@code s} is 1 to {@code max} characters, the first an ASCII letter (lower case unless
     * {@code upper}) or digit, the rest those or one of {@code others}. By hand: a regex would be the first
     * use of invokedynamic of every {@code hoist run} (java.util.regex builds character classes from lambdas).
     */
    static boolean isName(String s, int max, boolean upper, String others) {
        if (s.isEmpty() || s.length() > max) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || upper && c >= 'A' && c <= 'Z'
                    || i > 0 && others.indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
