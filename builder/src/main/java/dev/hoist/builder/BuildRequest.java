package dev.hoist.builder;

import dev.hoist.runtime.NetworkMode;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to build: the context directory, the Dockerfile (a path, or bytes with a name), tags, build args, the
 * target stage, whether to ignore the cache, extra labels, the default network of RUN steps, where progress
 * lines go, and the build's one timestamp ({@code SOURCE_DATE_EPOCH}). Immutable.
 *
 * @param dockerfile      the Dockerfile; null means {@code <context>/Dockerfile} (ignored when bytes are given)
 * @param dockerfileBytes the Dockerfile's content, e.g. read from standard input; null to read {@code dockerfile}
 * @param target          the stage to build ({@code --target}); empty for the last
 * @param progress        plain progress lines ({@code #3 [2/5] RUN echo hi}, {@code #3 CACHED}); null discards
 * @param sourceDateEpoch the image's {@code created} and the clamp of every file time in the layers written
 * @param secrets         the secrets {@code RUN --mount=type=secret} may use, by id ({@code --secret})
 * @param sshSockets      the SSH agent sockets {@code RUN --mount=type=ssh} may use, by id ({@code --ssh})
 * @param platform        the platform to build for ({@code --platform}); empty for the host's
 * @param pull            whether to pull base images even when the local store has them ({@code --pull})
 * @param network         the network of RUN steps that name none ({@code RUN --network=default} too); null for the
 *                        default, as Docker's: {@link NetworkMode#PRIVATE} when slirp4netns is installed, else
 *                        {@link NetworkMode#NONE} (the build's progress says so once)
 */
public record BuildRequest(Path contextDir, Path dockerfile, byte[] dockerfileBytes, List<String> tags,
                           Map<String, String> buildArgs, String target, boolean noCache, Map<String, String> labels,
                           NetworkMode network, PrintStream progress, Instant sourceDateEpoch,
                           Map<String, BuildSecret> secrets, Map<String, Path> sshSockets, String platform,
                           boolean pull) {

    public BuildRequest {
        Objects.requireNonNull(contextDir, "contextDir");
        tags = List.copyOf(tags);
        buildArgs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(buildArgs));
        labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        target = target == null ? "" : target;
        sourceDateEpoch = sourceDateEpoch == null ? Instant.EPOCH : sourceDateEpoch;
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
        sshSockets = sshSockets == null ? Map.of() : Map.copyOf(sshSockets);
        platform = platform == null ? "" : platform;
    }

    /** A request to build {@code contextDir} with its Dockerfile and defaults for everything else. */
    public static Builder builder(Path contextDir) {
        return new Builder(contextDir);
    }

    /** The Dockerfile's path as given, or {@code <context>/Dockerfile}. */
    public Path dockerfilePath() {
        return dockerfile != null ? dockerfile : contextDir.resolve("Dockerfile");
    }

    /** Builds a {@link BuildRequest}. Not thread-safe. */
    public static final class Builder {
        private final Path contextDir;
        private Path dockerfile;
        private byte[] dockerfileBytes;
        private final List<String> tags = new ArrayList<>();
        private final Map<String, String> buildArgs = new LinkedHashMap<>();
        private String target = "";
        private boolean noCache;
        private final Map<String, String> labels = new LinkedHashMap<>();
        private NetworkMode network;
        private PrintStream progress;
        private Instant sourceDateEpoch = Instant.EPOCH;
        private final Map<String, BuildSecret> secrets = new LinkedHashMap<>();
        private final Map<String, Path> sshSockets = new LinkedHashMap<>();
        private String platform = "";
        private boolean pull;

        private Builder(Path contextDir) {
            this.contextDir = contextDir;
        }

        public Builder dockerfile(Path value) {
            this.dockerfile = value;
            return this;
        }

        public Builder dockerfileBytes(byte[] value) {
            this.dockerfileBytes = value == null ? null : value.clone();
            return this;
        }

        public Builder tag(String value) {
            tags.add(value);
            return this;
        }

        public Builder buildArg(String key, String value) {
            buildArgs.put(key, value);
            return this;
        }

        public Builder target(String value) {
            this.target = value;
            return this;
        }

        public Builder noCache(boolean value) {
            this.noCache = value;
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        /** The network of RUN steps; null (the default) for private when slirp4netns is installed, else none. */
        public Builder network(NetworkMode value) {
            this.network = value;
            return this;
        }

        public Builder progress(PrintStream value) {
            this.progress = value;
            return this;
        }

        public Builder sourceDateEpoch(Instant value) {
            this.sourceDateEpoch = value;
            return this;
        }

        /** Makes a secret available to {@code RUN --mount=type=secret,id=...}; a later one with the same id wins. */
        public Builder secret(BuildSecret value) {
            secrets.put(value.id(), value);
            return this;
        }

        /** Forwards an SSH agent socket to {@code RUN --mount=type=ssh,id=...} ({@code default} when no id is given). */
        public Builder sshSocket(String id, Path socket) {
            sshSockets.put(id, socket);
            return this;
        }

        /** The platform to build for, {@code os/arch[/variant]}; only the host's platform can run RUN steps. */
        public Builder platform(String value) {
            this.platform = value;
            return this;
        }

        /** Pull base images from their registry even when they are in the local store. */
        public Builder pull(boolean value) {
            this.pull = value;
            return this;
        }

        public BuildRequest build() {
            return new BuildRequest(contextDir, dockerfile, dockerfileBytes, tags, buildArgs, target, noCache, labels,
                    network, progress, sourceDateEpoch, secrets, sshSockets, platform, pull);
        }
    }
}
