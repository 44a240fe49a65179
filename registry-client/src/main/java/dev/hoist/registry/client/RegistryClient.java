package dev.hoist.registry.client;

import dev.hoist.cache.BlobStore;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.StoreException;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.oci.Reference;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Pulls images from registries into the local store, pushes them from it, copies between registries, and
 * reads manifests and tags; with Docker's credentials, auth flows and retries. Build one with
 * {@link #builder(LocalImages)}; it is thread-safe, and {@link #close()} stops the threads it made.
 *
 * <pre>{@code
 * try (RegistryClient client = RegistryClient.builder(images).build()) {
 *     Image busybox = client.pull(Reference.parse("busybox"), Platform.current());
 * }
 * }</pre>
 */
public final class RegistryClient implements AutoCloseable {
    /** Every manifest media type, for {@code Accept}. */
    static final String ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);

    /** What a client is configured with. */
    record Settings(CredentialsProvider credentials, DockerConfig dockerConfig, Set<String> insecure,
                    Set<String> unverified, RetryPolicy retry, Sleeper sleeper, Clock clock, Map<String, String> env, Path certsDir,
                    int parallelism, ProgressListener progress, long monolithicLimit, long chunkSize,
                    java.time.Duration idleTimeout) {
    }

    private final LocalImages images;
    private final Settings settings;
    private final RegistryHttp http;
    private final ExecutorService executor;
    private final boolean ownExecutor;
    private final Transfers transfers;

    private RegistryClient(LocalImages images, Settings settings, ExecutorService executor, boolean ownExecutor) {
        this.images = images;
        this.settings = settings;
        this.http = new RegistryHttp(settings);
        this.executor = executor;
        this.ownExecutor = ownExecutor;
        this.transfers = new Transfers(images.blobs(), http, settings, executor,
                new BlobSources(images.root().path().resolve("registry-client").resolve("blob-sources.json")));
    }

    public static Builder builder(LocalImages images) {
        return new Builder(images);
    }

    /**
     * Starts setting up, in the background, what talking to {@code ref}'s registry needs, so that the first
     * request to it does not wait for that; for callers with other work to do first. Optional.
     */
    public void prepare(Reference ref) {
        http.prepare(ref.domain(), executor);
    }

    /** The local store this client pulls into and pushes from. */
    public LocalImages images() {
        return images;
    }

    /**
     * Pulls {@code ref} (for an index, the manifest for {@code platform}) into the local store, skipping blobs
     * it has, and tags it there with {@code ref}'s name when it has a tag. Returns the image (its target is the
     * platform's manifest).
     */
    public Image pull(Reference ref, Platform platform) throws IOException {
        Reference r = withDefaultTag(ref);
        RawManifest raw = transfers.fetchManifest(r, manifestRef(r));
        BlobStore blobs = images.blobs();
        blobs.put(raw.descriptor(), new java.io.ByteArrayInputStream(raw.bytes()));
        Manifest m = parse(raw, r);
        Descriptor target = raw.descriptor();
        if (m instanceof ImageIndex index) {
            Optional<Descriptor> selected = index.select(platform);
            if (selected.isEmpty()) {
                throw new RegistryException(r + " has no image for " + platform + "; it has " + platformsOf(index), null, 0,
                        "choose one of them with --platform", null);
            }
            Descriptor chosen = selected.get();
            RawManifest child = transfers.fetchManifest(r, chosen.digest().toString());
            blobs.put(child.descriptor(), new java.io.ByteArrayInputStream(child.bytes()));
            m = parse(child, r);
            target = new Descriptor(child.mediaType(), child.digest(), child.bytes().length);
            if (!(m instanceof ImageManifest)) {
                throw new RegistryException(r + " has an index inside its index for " + platform
                        + "; nested indexes are not supported");
            }
        }
        ImageManifest manifest = (ImageManifest) m;
        List<Descriptor> wanted = new ArrayList<>();
        wanted.add(manifest.config());
        wanted.addAll(manifest.layers());
        transfers.fetchBlobs(r, wanted);
        List<String> names = new ArrayList<>();
        if (r.tag() != null) {
            names.add(images.tag(target, r.withoutDigest().toString()));
        }
        return images.load(target, names);
    }

    /**
     * Pulls {@code ref} straight into the OCI layout at {@code dir} (created when missing), naming it
     * {@code refName} there (null: no name), without going through the local store: of an index, the manifest
     * for {@code platform}, or, when {@code platform} is null, the index as it is with every platform.
     * Manifests and blobs are written as served, verified. Returns the descriptor of what was named.
     */
    public Descriptor pullToLayout(Reference ref, Platform platform, Path dir, String refName) throws IOException {
        Reference r = withDefaultTag(ref);
        RawManifest raw = transfers.fetchManifest(r, manifestRef(r));
        Manifest m = parse(raw, r);
        Path blobsDir = dir.resolve("blobs");
        java.nio.file.Files.createDirectories(blobsDir);
        if (m instanceof ImageIndex index && platform == null) {
            for (Descriptor child : index.manifests()) {
                writeToLayout(r, transfers.fetchManifest(r, child.digest().toString()), blobsDir);
            }
            writeManifest(raw, blobsDir);
        } else {
            if (m instanceof ImageIndex index) {
                Optional<Descriptor> selected = index.select(platform);
                if (selected.isEmpty()) {
                    throw new RegistryException(r + " has no image for " + platform, null, 0,
                            "choose from " + platformsOf(index) + " with --platform, or copy them all with --all", null);
                }
                raw = transfers.fetchManifest(r, selected.get().digest().toString());
            }
            writeToLayout(r, raw, blobsDir);
        }
        Descriptor top = raw.descriptor();
        OciLayouts.addToIndex(dir, top, refName);
        return top;
    }

    /** Writes the image manifest {@code raw}, its config and layers into an OCI layout's {@code blobsDir}. */
    private void writeToLayout(Reference r, RawManifest raw, Path blobsDir) throws IOException {
        if (!(parse(raw, r) instanceof ImageManifest manifest)) {
            throw new RegistryException(r + " has an index inside its index; nested indexes are not supported");
        }
        List<Descriptor> wanted = new ArrayList<>();
        wanted.add(manifest.config());
        wanted.addAll(manifest.layers());
        transfers.fetchBlobs(r, wanted, blobsDir);
        writeManifest(raw, blobsDir);
    }

    private static void writeManifest(RawManifest raw, Path blobsDir) throws IOException {
        try (FileSink sink = new FileSink(blobsDir, raw.digest())) {
            sink.stream().write(raw.bytes());
            sink.commit(raw.digest(), raw.bytes().length);
        }
    }

    /** Reads the manifest or index {@code ref} names, exactly as served. */
    public RawManifest manifest(Reference ref) throws IOException {
        Reference r = withDefaultTag(ref);
        return transfers.fetchManifest(r, manifestRef(r));
    }

    /**
     * Pushes a local image to {@code dst}: its target with everything under it (an index after its manifests).
     * Blobs the repository has are skipped, blobs known to be in another repository of the registry are mounted.
     * Returns the descriptor of what {@code dst} now names.
     *
     * @throws RegistryException before anything is sent when the image is an index of which the local store lacks
     *                           some platforms (push one with {@link #push(Descriptor, Reference, Platform)})
     */
    public Descriptor push(Image image, Reference dst) throws IOException {
        return push(image.target(), dst, null);
    }

    /**
     * Pushes the stored manifest or index {@code target}, and everything under it, to {@code dst} (its tag, or
     * its digest when it has no tag).
     *
     * @throws RegistryException before anything is sent when {@code target} is an index of which the local store
     *                           lacks some platforms
     */
    public Descriptor push(Descriptor target, Reference dst) throws IOException {
        return push(target, dst, null);
    }

    /**
     * As {@link #push(Descriptor, Reference)}; when {@code target} is an index and {@code platform} is not null,
     * only that platform's manifest is pushed (as {@code docker push --platform}), and only it must be stored.
     */
    public Descriptor push(Descriptor target, Reference dst, Platform platform) throws IOException {
        Descriptor chosen = target;
        Manifest m;
        try {
            m = Manifest.parse(images.blobs().readAllBytes(target.digest()));
        } catch (InvalidContentException e) {
            throw new StoreException("the stored manifest " + target.digest() + " cannot be read: " + e.getMessage(), e);
        }
        if (m instanceof ImageIndex index) {
            if (platform != null) {
                Optional<Descriptor> selected = index.select(platform);
                if (selected.isEmpty()) {
                    throw new RegistryException("the image " + target.digest() + " has no manifest for " + platform
                            + "; it has " + platformsOf(index), null, 0, "choose one of them with --platform", null);
                }
                chosen = selected.get();
            } else {
                refuseIncomplete(target, index);
            }
        }
        Reference r = dst.tag() == null && dst.digest() == null ? dst.withTag(Reference.DEFAULT_TAG) : dst;
        return transfers.pushTree(chosen, r, r.tag() != null ? r.tag() : chosen.digest().toString(),
                Transfers.BlobSource.local(images.blobs()));
    }

    /** Fails, naming what is missing, unless every platform of {@code index} is in the local store. */
    private void refuseIncomplete(Descriptor target, ImageIndex index) throws IOException {
        List<String> stored = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Descriptor child : index.manifests()) {
            (transfers.complete(child) ? stored : missing).add(String.valueOf(child.platform()));
        }
        if (missing.isEmpty()) {
            return;
        }
        throw new RegistryException("the image " + target.digest() + " is an index of " + index.manifests().size()
                + " platforms, and the local store lacks " + String.join(", ", missing)
                + (stored.isEmpty() ? "" : " (it has " + String.join(", ", stored) + ")") + "; nothing was pushed", null, 0,
                stored.isEmpty() ? "pull the image again"
                        : "push one platform with --platform " + stored.get(0) + ", or pull the missing platforms first",
                null);
    }

    /** Pushes {@code target} and what is under it from {@code source} (e.g. an OCI layout) to {@code dst}. */
    Descriptor pushFrom(Transfers.BlobSource source, Descriptor target, Reference dst) throws IOException {
        Reference r = dst.tag() == null && dst.digest() == null ? dst.withTag(Reference.DEFAULT_TAG) : dst;
        return transfers.pushTree(target, r, r.tag() != null ? r.tag() : target.digest().toString(), source);
    }

    /**
     * Copies {@code src} to {@code dst} between registries without changing any blob: an image, or of an index
     * all its platforms ({@code platforms} empty: the index as it is), the manifest of one platform alone (one
     * in {@code platforms}, as skopeo copies by default), or the platforms that match {@code platforms} (several:
     * the index is rewritten and gets a new digest). Blobs are mounted when both are on one registry. Returns the
     * descriptor of what {@code dst} names.
     */
    public Descriptor copy(Reference src, Reference dst, List<Platform> platforms) throws IOException {
        Reference s = withDefaultTag(src);
        Reference d = dst.tag() == null && dst.digest() == null ? dst.withTag(s.tag() != null ? s.tag() : Reference.DEFAULT_TAG) : dst;
        RawManifest raw = transfers.fetchManifest(s, manifestRef(s));
        Manifest m = parse(raw, s);
        BlobStore blobs = images.blobs();
        Transfers.BlobSource source = Transfers.BlobSource.remote(transfers, s, blobs);
        Descriptor top;
        if (m instanceof ImageIndex index && platforms.size() == 1) {
            Optional<Descriptor> selected = index.select(platforms.get(0));
            if (selected.isEmpty()) {
                throw new RegistryException(s + " has no image for " + platforms.get(0), null, 0,
                        "choose from " + platformsOf(index) + " with --platform, or copy them all with --all", null);
            }
            RawManifest c = transfers.fetchManifest(s, selected.get().digest().toString());
            blobs.put(c.descriptor(), new java.io.ByteArrayInputStream(c.bytes()));
            top = c.descriptor();
        } else if (m instanceof ImageIndex index) {
            List<Descriptor> keep = new ArrayList<>();
            for (Descriptor child : index.manifests()) {
                if (platforms.isEmpty() || (child.platform() != null && matchesAny(child.platform(), platforms))) {
                    keep.add(child);
                }
            }
            if (keep.isEmpty()) {
                throw new RegistryException(s + " has none of the platforms " + platforms, null, 0,
                        "choose from " + platformsOf(index), null);
            }
            for (Descriptor child : keep) {
                RawManifest c = transfers.fetchManifest(s, child.digest().toString());
                blobs.put(c.descriptor(), new java.io.ByteArrayInputStream(c.bytes()));
            }
            if (keep.size() == index.manifests().size()) {
                blobs.put(raw.descriptor(), new java.io.ByteArrayInputStream(raw.bytes()));
                top = raw.descriptor();
            } else {
                ImageIndex.Builder b = index.toBuilder().manifests(keep);
                ImageIndex subset = b.build();
                top = blobs.put(subset.contentType(), subset.bytes());
            }
        } else {
            blobs.put(raw.descriptor(), new java.io.ByteArrayInputStream(raw.bytes()));
            top = raw.descriptor();
        }
        return transfers.pushTree(top, d, d.tag() != null ? d.tag() : top.digest().toString(), source);
    }

    /** The tags of {@code repository} (its tag and digest are ignored), following pagination. */
    public List<String> tags(Reference repository) throws IOException {
        return transfers.tags(repository);
    }

    /**
     * Checks {@code username} and {@code password} against {@code registry} and stores them in the Docker
     * config (or its credential helper), with an identity token instead when the registry hands one out.
     *
     * @throws RegistryException with code UNAUTHORIZED when the registry refuses them
     */
    public void login(String registry, String username, String password) throws IOException {
        Credentials creds = Credentials.basic(username, password);
        AuthChallenge ch = http.ping(registry);
        if (ch != null && ch.isBasic()) {
            RegistryHttp.Request req = new RegistryHttp.Request("GET", http.base(registry).resolve("/v2/"))
                    .header("Authorization", creds.basicHeader());
            RegistryHttp.Response r = http.sendUnauthenticated(registry, req);
            if (!r.ok()) {
                throw new RegistryException("login to " + registry + " failed", "UNAUTHORIZED", r.status(),
                        "check the user name and password", null);
            }
            r.close();
        } else if (ch != null && ch.isBearer()) {
            String refresh = http.fetchTokenForLogin(registry, ch, creds);
            if (refresh != null) {
                creds = Credentials.identityToken(username, refresh);
            }
        }
        settings.dockerConfig().store(registry, creds);
    }

    /** Removes the stored credentials for {@code registry}; returns whether there were any. */
    public boolean logout(String registry) throws IOException {
        return settings.dockerConfig().erase(registry);
    }

    // Loops, not streams, here and in the operations above: a stream or lambda's first use links call sites, a
    // first-time cost of every start.

    /** The platforms of {@code index}'s manifests, in its order ("null" for a manifest without one). */
    private static List<String> platformsOf(ImageIndex index) {
        List<String> out = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            out.add(String.valueOf(d.platform()));
        }
        return out;
    }

    private static boolean matchesAny(Platform platform, List<Platform> wanted) {
        for (Platform p : wanted) {
            if (platform.matches(p)) {
                return true;
            }
        }
        return false;
    }

    private static Reference withDefaultTag(Reference ref) {
        return ref.tag() == null && ref.digest() == null ? ref.withTag(Reference.DEFAULT_TAG) : ref;
    }

    private static String manifestRef(Reference r) {
        return r.digest() != null ? r.digest().toString() : r.tag();
    }

    private static Manifest parse(RawManifest raw, Reference r) throws RegistryException {
        try {
            return Manifest.parse(raw.bytes());
        } catch (InvalidContentException e) {
            throw new RegistryException("the manifest of " + r + " (" + raw.mediaType() + ") cannot be read: "
                    + e.getMessage(), "MANIFEST_INVALID", 0, "hoist reads OCI and Docker schema 2 images only", e);
        }
    }

    @Override
    public void close() {
        if (ownExecutor) {
            executor.shutdownNow();
        }
        transfers.flush();
        http.close();
    }

    /** Builds a {@link RegistryClient}; not thread-safe. */
    public static final class Builder {
        private final LocalImages images;
        private CredentialsProvider credentials;
        private DockerConfig dockerConfig;
        private Set<String> insecure = Set.of();
        private Set<String> unverified = Set.of();
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private Sleeper sleeper = Sleeper.SYSTEM;
        private Clock clock = Clock.systemUTC();
        private Map<String, String> env = System.getenv();
        private Path certsDir = Path.of("/etc/docker/certs.d");
        private int parallelism = 4;
        private ProgressListener progress = ProgressListener.NONE;
        private ExecutorService executor;
        private long monolithicLimit = 8L << 20;
        // One PATCH for the whole blob, as Docker and skopeo send it: each chunk costs a request and, on the CNCF
        // registry, a save and restore of its hash state (32 MiB chunks: ~10-20% slower for a 100 MB layer on
        // loopback). A failed PATCH still resumes from the registry's offset.
        private long chunkSize = Long.MAX_VALUE;
        private java.time.Duration idleTimeout = java.time.Duration.ofSeconds(60);

        private Builder(LocalImages images) {
            this.images = Objects.requireNonNull(images, "images");
        }

        /** Where credentials come from; by default the Docker config. */
        public Builder credentials(CredentialsProvider credentials) {
            this.credentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** The Docker config that login writes to (and, unless other credentials are set, reads from). */
        public Builder dockerConfig(DockerConfig dockerConfig) {
            this.dockerConfig = Objects.requireNonNull(dockerConfig, "dockerConfig");
            return this;
        }

        /**
         * Registries (host or host:port) spoken to as loopback ones always are, as Docker's insecure registries: in
         * plain HTTP, or, when they turn out to speak TLS, in HTTPS without checking their certificates.
         */
        public Builder insecureRegistries(Set<String> insecure) {
            this.insecure = Set.copyOf(insecure);
            return this;
        }

        /**
         * Registries (host or host:port) whose TLS certificates are not checked, as with skopeo's
         * {@code --tls-verify=false}: spoken to in HTTPS without verification, or in plain HTTP when that fails.
         */
        public Builder unverifiedRegistries(Set<String> unverified) {
            this.unverified = Set.copyOf(unverified);
            return this;
        }

        public Builder retryPolicy(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The environment for DOCKER_CONFIG and the proxy variables; by default this process's. */
        public Builder environment(Map<String, String> env) {
            this.env = Map.copyOf(env);
            return this;
        }

        /** Docker's per-registry CA directory; {@code /etc/docker/certs.d} by default. */
        public Builder certsDirectory(Path certsDir) {
            this.certsDir = Objects.requireNonNull(certsDir, "certsDir");
            return this;
        }

        /** How many blobs move at once (4 by default). */
        public Builder parallelism(int parallelism) {
            if (parallelism < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1, not " + parallelism);
            }
            this.parallelism = parallelism;
            return this;
        }

        public Builder progress(ProgressListener progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** Runs transfers on {@code executor} (not shut down by the client); by default the client makes its own. */
        public Builder executor(ExecutorService executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Blobs up to this size are uploaded in one PUT; bigger ones streamed in PATCH requests of at most
         * {@code chunkSize} bytes (by default 8 MiB and unbounded: one PATCH per blob).
         */
        public Builder uploadSizes(long monolithicLimit, long chunkSize) {
            if (monolithicLimit < 0 || chunkSize < 1) {
                throw new IllegalArgumentException("upload sizes must be positive");
            }
            this.monolithicLimit = monolithicLimit;
            this.chunkSize = chunkSize;
            return this;
        }

        /**
         * How long a request may go without a byte moving, either way, before it fails (and is retried or resumed);
         * 60 seconds by default. A transfer that keeps moving may take as long as it needs.
         */
        public Builder idleTimeout(java.time.Duration idleTimeout) {
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("the idle timeout must be positive, not " + idleTimeout);
            }
            this.idleTimeout = idleTimeout;
            return this;
        }

        public RegistryClient build() {
            DockerConfig dc = dockerConfig != null ? dockerConfig : DockerConfig.fromEnvironment(env);
            CredentialsProvider cp = credentials != null ? credentials : dc;
            Settings s = new Settings(cp, dc, insecure, unverified, retry, sleeper, clock, env, certsDir, parallelism, progress,
                    monolithicLimit, chunkSize, idleTimeout);
            boolean own = executor == null;
            ExecutorService ex = own ? Executors.newFixedThreadPool(parallelism, new DaemonThreads("hoist-transfer")) : executor;
            return new RegistryClient(images, s, ex, own);
        }
    }

    /**
     * The {@code rel="next"} target of a {@code Link} header, resolved against {@code base}: the first
     * {@code <URL>} followed by optional whitespace, {@code ;}, optional whitespace and {@code rel=next} (quoted or
     * not), as the pattern {@code <([^>]+)>\s*;\s*rel="?next"?} finds it. Read by hand: compiling that pattern
     * cost ~5 ms of every start when it was a constant of this class (regex compilation links lambda forms).
     */
    static Optional<URI> nextLink(URI base, String link) {
        if (link == null) {
            return Optional.empty();
        }
        for (int open = link.indexOf('<'); open >= 0; open = link.indexOf('<', open + 1)) {
            int close = link.indexOf('>', open + 1);
            if (close < 0) {
                break; // no later '<' has a '>' after it either
            }
            if (close == open + 1) {
                continue; // an empty target
            }
            int i = skipSpace(link, close + 1);
            if (i >= link.length() || link.charAt(i) != ';') {
                continue;
            }
            i = skipSpace(link, i + 1);
            if (!link.startsWith("rel=", i)) {
                continue;
            }
            i += 4;
            if (i < link.length() && link.charAt(i) == '"') {
                i++;
            }
            if (link.startsWith("next", i)) {
                return Optional.of(base.resolve(link.substring(open + 1, close)));
            }
        }
        return Optional.empty();
    }

    /** The index of the first character from {@code i} on that is not regex whitespace ({@code \s}). */
    private static int skipSpace(String s, int i) {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != 0x0B && c != '\f' && c != '\r') {
                break;
            }
            i++;
        }
        return i;
    }
}
