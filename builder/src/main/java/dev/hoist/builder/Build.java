package dev.hoist.builder;

import dev.hoist.cache.BlobWriter;
import dev.hoist.cache.StoreException;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageNotFoundException;
import dev.hoist.cache.image.LayerStack;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.image.Snapshots;
import dev.hoist.cache.layer.ChangeSet;
import dev.hoist.cache.layer.LayerApplier;
import dev.hoist.cache.layer.LayerException;
import dev.hoist.cache.layer.LayerWriter;
import dev.hoist.cache.layer.WrittenLayer;
import dev.hoist.dockerfile.ArgScope;
import dev.hoist.dockerfile.DockerIgnore;
import dev.hoist.dockerfile.Dockerfile;
import dev.hoist.dockerfile.DockerfileException;
import dev.hoist.dockerfile.DockerfileParser;
import dev.hoist.dockerfile.Instruction;
import dev.hoist.dockerfile.RunMount;
import dev.hoist.dockerfile.Stage;
import dev.hoist.dockerfile.StageScope;
import dev.hoist.dockerfile.syntax.Heredoc;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Healthcheck;
import dev.hoist.oci.History;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.oci.Reference;
import dev.hoist.oci.RootFs;
import dev.hoist.registry.client.RegistryClient;
import dev.hoist.runtime.ContainerException;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.runtime.ContainerSpec;
import dev.hoist.runtime.ExitStatus;
import dev.hoist.runtime.NetworkMode;
import dev.hoist.runtime.ProcessSpecs;
import dev.hoist.runtime.RunningContainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** One build: parses the Dockerfile, builds the stages the target needs, commits and tags the result. Not thread-safe. */
final class Build {
    private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
    /** The {@code comment} of each history entry a step writes: BuildKit's Dockerfile frontend's {@code historyComment}. */
    static final String HISTORY_COMMENT = "buildkit.dockerfile.v0";
    /** Where a {@code RUN <<EOF} here-document that starts with {@code #!} is mounted to be run, as in BuildKit. */
    private static final String HEREDOC_SCRIPTS = "/dev/pipes";

    private final LocalImages images;
    private final ContainerRuntime runtime;
    private Boolean runtimeSupported;
    private final java.util.function.Supplier<RegistryClient> registry;   // null: base images must be local
    private final BuildCache cache;
    private final BuildRequest req;
    private final Snapshots snapshots;
    private final StageFiles files;
    /** Made by {@link #layerWriter()} when a step first writes a layer: a fully cached build never needs it. */
    private LayerWriter layerWriter;
    private final PrintStream progress;
    private final NetworkMode defaultNetwork;
    private boolean noPrivateNetworkSaid;
    private final RemoteSources remote;
    private final List<StepResult> steps = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<Integer, State> built = new java.util.concurrent.ConcurrentHashMap<>();
    /** The images this build pulled, by reference: each is fetched once, stages wanting it meanwhile wait. */
    private final Map<String, java.util.concurrent.CompletableFuture<Image>> pulled = new java.util.concurrent.ConcurrentHashMap<>();
    /** Filled before the stages are built, read by them after. */
    private final Map<Integer, Plan> plans = new java.util.concurrent.ConcurrentHashMap<>();
    private Dockerfile df;
    private ArgScope global;
    /** The proxy variables every RUN gets from the build args (see {@link ArgScope#proxyEnvironment()}). */
    private Map<String, String> proxies;
    private DockerIgnore ignore;
    private int stepNo;
    /** What the build memo needs: the progress output as printed, the base images resolved, what was read. */
    private final RecordedOutput recorded = new RecordedOutput();
    private final Map<String, Digest> bases = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean contextRead;
    private volatile boolean memoable = true;
    /** The step each stage's failure was reported at (see {@link #buildStage}). */
    private final Map<Throwable, Integer> reportedAt = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    Build(LocalImages images, ContainerRuntime runtime, java.util.function.Supplier<RegistryClient> registry,
          dev.hoist.registry.client.ProxyEnvironment proxies, BuildCache cache, BuildRequest req) {
        this.images = images;
        this.runtime = runtime;
        this.registry = registry;
        this.cache = cache;
        this.req = req;
        this.snapshots = new Snapshots(images);
        this.files = new StageFiles(images, req.contextDir());
        PrintStream given = req.progress() != null ? req.progress() : new PrintStream(OutputStream.nullOutputStream());
        this.progress = new PrintStream(new Tee(given, recorded), false, StandardCharsets.UTF_8);
        this.remote = new RemoteSources(images.root(), proxies);
        this.defaultNetwork = req.network() != null ? req.network()
                : ContainerRuntime.privateNetworkAvailable() ? NetworkMode.PRIVATE : NetworkMode.NONE;
    }

    private synchronized LayerWriter layerWriter() {
        if (layerWriter == null) {
            layerWriter = LayerWriter.builder().compression(MediaTypes.Compression.GZIP).level(StageFiles.GZIP_LEVEL)
                    .clampMtime(req.sourceDateEpoch()).build();
        }
        return layerWriter;
    }

    /** How long a RUN step runs before the layer writer is warmed up for it: {@link #warmUpLayerWriting}. */
    private static final Duration LONG_STEP = Duration.ofMillis(300);
    // Names under a lock, not AtomicBooleans: AtomicBoolean's VarHandle is set up the first time the class is used,
    // ~0.3 ms of a cached build (CONTRIBUTING.md, "Start-up paths").
    private static final java.util.Set<String> STARTED = new java.util.HashSet<>();

    /**
     * Has the native calls that reading a RUN step's changes needs bound on a daemon thread, once per JVM, so that
     * the ~60 ms this takes passes while the first step's process runs instead of after it.
     */
    private static void preloadNativeCalls() {
        startOnce("hoist-native-calls", LayerWriter::loadNativeCalls);
    }

    /**
     * Compiles the layer writer's hot loops on another thread, once a process: a RUN step that runs this
     * long may well write a big layer, and while it runs a core is often spare. See {@link LayerWriter#warmUp}.
     */
    private static void warmUpLayerWriting(LayerWriter writer) {
        startOnce("hoist-layer-warm-up", writer::warmUp);
    }

    /**
     * Whether RUN steps can run here ({@link ContainerRuntime#supported}), asked when the first one must: a build
     * whose steps are all cached, or that has none, never asks.
     */
    private synchronized boolean runtimeSupported() {
        if (runtimeSupported == null) {
            runtimeSupported = ContainerRuntime.supported();
        }
        return runtimeSupported;
    }

    /** Runs {@code task} on a daemon thread called {@code name}, unless one of that name was started before. */
    private static void startOnce(String name, Runnable task) {
        synchronized (STARTED) {
            if (!STARTED.add(name)) {
                return;
            }
        }
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    /** The network of a RUN that names none: the request's, else private when slirp4netns is here, else none. */
    private NetworkMode defaultNetwork() {
        if (req.network() == null && defaultNetwork == NetworkMode.NONE && firstNoPrivateNetworkNote()) {
            progress.println("# note: slirp4netns is not installed, so RUN steps get no network (only loopback);"
                    + " install it (apt-get install slirp4netns) for Docker's default private network");
            progress.flush();
        }
        return defaultNetwork;
    }

    private synchronized boolean firstNoPrivateNetworkNote() {
        boolean first = !noPrivateNetworkSaid;
        noPrivateNetworkSaid = true;
        return first;
    }

    /** The image being built in one stage: config, layers, history and the cache key of the last step. */
    private static final class State {
        ContainerConfig config = ContainerConfig.EMPTY;
        final List<Descriptor> layers = new ArrayList<>();
        final List<Digest> diffIds = new ArrayList<>();
        final List<History> history = new ArrayList<>();
        String os;
        String arch;
        String variant;
        String author;
        List<String> shell = DEFAULT_SHELL;
        Digest key;
        /** The variables the stage ended with (null for an image): a stage built FROM it starts with its ARGs. */
        StageScope scope;

        State copy() {
            State s = new State();
            s.config = config;
            s.layers.addAll(layers);
            s.diffIds.addAll(diffIds);
            s.history.addAll(history);
            s.os = os;
            s.arch = arch;
            s.variant = variant;
            s.author = author;
            s.shell = shell;
            s.key = key;
            s.scope = scope;
            return s;
        }
    }

    BuildResult run() throws BuildException, IOException {
        byte[] bytes;
        String name;
        if (req.dockerfileBytes() != null) {
            bytes = req.dockerfileBytes();
            name = "Dockerfile";
        } else {
            Path p = req.dockerfilePath();
            if (!Files.isRegularFile(p)) {
                throw new BuildException("cannot read the Dockerfile " + p + ": no such file; give its path with -f");
            }
            bytes = Files.readAllBytes(p);
            name = p.getFileName().toString();
        }
        TargetPlatform.of(req.platform());
        if (!Files.isDirectory(req.contextDir())) {
            throw new BuildException("the build context " + req.contextDir() + " is not a directory");
        }
        long started = BuildMemo.nowNanos();
        Optional<Path> ignoreFile = DockerIgnore.locate(req.contextDir(), req.dockerfilePath());
        byte[] ignoreBytes = ignoreFile.isEmpty() ? null : Files.readAllBytes(ignoreFile.get());
        Digest memoKey = null;
        // not for a context read from standard input: it is unpacked afresh each time, so no memo would match
        if (!req.noCache() && !req.pull() && !files.contextIsTemporary()) {
            memoKey = memoKey(name, bytes, ignoreFile, ignoreBytes);
            Optional<BuildResult> replayed = replay(memoKey, ignoreFile, ignoreBytes);
            if (replayed.isPresent()) {
                return replayed.get();
            }
        }
        try {
            df = DockerfileParser.parse(name, bytes);
            // COPY and ADD leave out all the file lists, the Dockerfile and .dockerignore too, as Docker does (its CLI
            // sends those two, its daemon then removes them; BuildKit does not transfer them)
            ignore = ignoreFile.isEmpty() ? DockerIgnore.EMPTY : DockerIgnore.parse(ignoreFile.get().toString(), ignoreBytes);
            Platform p = Platform.current();
            String plat = p.os() + "/" + p.architecture() + (p.variant() == null || p.variant().isEmpty() ? "" : "/" + p.variant());
            global = ArgScope.global(df, req.buildArgs(), ArgScope.platformArgs(plat, plat));
            proxies = global.proxyEnvironment();
        } catch (DockerfileException e) {
            throw new BuildException(e.getMessage(), e);
        }
        Stage target;
        if (req.target().isEmpty()) {
            target = df.stages().get(df.stages().size() - 1);
        } else {
            target = df.stage(req.target()).orElseThrow(() -> new BuildException(
                    "target stage \"" + req.target() + "\" could not be found in " + df.name()));
        }
        Set<Integer> needed = new TreeSet<>();
        need(target, needed);
        try {
            Map<Integer, Set<Integer>> deps = new HashMap<>();
            for (int i : needed) {
                deps.put(i, plan(df.stages().get(i)).uses());
            }
            StageScheduler.run(needed, deps, STAGE_THREADS, new StageScheduler.StageBuild() {
                @Override
                public void build(int i) throws BuildException, IOException {
                    built.put(i, buildStage(df.stages().get(i)));
                }
            });
        } catch (java.nio.channels.ClosedByInterruptException | java.io.InterruptedIOException e) {
            Integer n = reportedAt.get(e);
            if (n == null) {
                n = nextStep();
                progress.println("#" + n + " ERROR: interrupted");
                progress.flush();
            }
            throw new BuildException("the build was interrupted (step #" + n + ")", e);
        } catch (BuildException e) {
            if (!reportedAt.containsKey(e)) {   // not from a stage: planning, or the scheduler
                progress.println("#" + nextStep() + " ERROR: " + firstLine(e));
                progress.flush();
            }
            throw e;
        } finally {
            files.close();
        }
        State fin = built.get(target.index());
        ContainerConfig cfg = fin.config;
        for (Map.Entry<String, String> l : req.labels().entrySet()) {
            cfg = cfg.withLabel(l.getKey(), l.getValue());
        }
        fin.config = cfg;
        Image image = images.commit(imageConfig(fin), fin.layers, true);
        List<String> tags = new ArrayList<>();
        for (String t : req.tags()) {
            tags.add(images.tag(image, t));
        }
        if (tags.isEmpty()) {
            images.keep(image);   // a dangling image, as docker build leaves without -t: usable by its ID
        }
        progress.println("#" + nextStep() + " writing image " + image.id() + (tags.isEmpty() ? "" : " named " + String.join(", ", tags)));
        progress.flush();
        BuildResult result = new BuildResult(image.withNames(tags), tags, steps);
        if (memoKey != null) {
            remember(memoKey, result, started);
        }
        return result;
    }

    /**
     * The build memo's key: everything a build whose steps all come from the cache reads but the context files
     * and the image store, which the memo checks itself.
     */
    private Digest memoKey(String name, byte[] bytes, Optional<Path> ignoreFile, byte[] ignoreBytes) {
        Platform host = Platform.current();
        BuildMemo.Key k = new BuildMemo.Key().add("hoist build memo 1").add(codeIdentity())
                .add(req.contextDir().toAbsolutePath().normalize().toString())
                .add(name).add(req.dockerfileBytes() != null ? null : req.dockerfilePath().toAbsolutePath().toString())
                .add(bytes)
                .add(ignoreFile.isEmpty() ? null : ignoreFile.get().toString()).add(ignoreBytes == null ? new byte[0] : ignoreBytes)
                .add(Integer.toString(req.tags().size()));
        for (String t : req.tags()) {
            k.add(t);
        }
        k.add(req.buildArgs()).add(req.target()).add(req.labels()).add(String.valueOf(defaultNetwork))
                .add(req.sourceDateEpoch().getEpochSecond() + "." + req.sourceDateEpoch().getNano()).add(req.platform())
                .add(host.os() + "/" + host.architecture() + "/" + host.variant())
                .add(String.join(",", new TreeSet<>(req.secrets().keySet())))
                .add(String.join(",", new TreeSet<>(req.sshSockets().keySet())));
        return k.digest();
    }

    /** The hoist code that builds: where its classes are, with their file's size and time (a new hoist, a new key). */
    private static String codeIdentity() {
        String id = codeIdentity;
        if (id == null) {
            try {
                Path p = Path.of(Build.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                id = p + " " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis();
            } catch (Exception e) {
                id = "unknown " + System.nanoTime();   // no memo will ever match
            }
            codeIdentity = id;
        }
        return id;
    }

    private static volatile String codeIdentity;

    /**
     * The memo of this build, when it has one and nothing it read has changed since: its progress output
     * printed again, its image tagged again when the store changed meanwhile.
     */
    private Optional<BuildResult> replay(Digest key, Optional<Path> ignoreFile, byte[] ignoreBytes) throws IOException {
        Optional<BuildMemo.Entry> found = cache.memo().lookup(key);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        BuildMemo.Entry e = found.get();
        StatCache.Stamp store = BuildMemo.stamp(images.root().imagesFile());
        boolean storeSame = store.size() >= 0 && store.sameAs(e.store(), true);
        try {
            if (!storeSame) {
                for (BuildMemo.Base b : e.bases()) {
                    if (!images.resolve(b.reference()).target().digest().equals(b.target())) {
                        return Optional.empty();
                    }
                }
            }
            if (!images.blobs().contains(e.image().digest())) {
                return Optional.empty();
            }
            if (e.context() != null) {
                DockerIgnore ign = ignoreBytes == null ? DockerIgnore.EMPTY
                        : DockerIgnore.parse(ignoreFile.get().toString(), ignoreBytes);
                if (!java.util.Arrays.equals(e.context(), BuildMemo.fingerprint(req.contextDir(), ign, Long.MAX_VALUE))) {
                    return Optional.empty();
                }
            }
            List<String> tags = new ArrayList<>();
            for (String t : req.tags()) {
                tags.add(storeSame ? LocalImages.normaliseName(t) : images.tag(e.image(), t));
            }
            if (tags.isEmpty() && !storeSame) {
                images.store().keep(e.image());
            }
            progress.write(e.progress());
            progress.flush();
            Descriptor target = e.image();
            return Optional.of(new BuildResult(target, e.id(), tags, e.steps(), new BuildResult.Loader() {
                @Override
                public Image load() throws StoreException {
                    return images.load(target, List.of());
                }
            }));
        } catch (DockerfileException | IOException | RuntimeException ex) {
            return Optional.empty();    // the long way tells what is wrong, if anything is
        }
    }

    /**
     * Writes the memo of a build whose steps all came from the cache, read nothing from the network, and whose
     * context files are all older than the build (see {@link BuildMemo}); checks that the store still holds what
     * the build left there when it records the store's status.
     */
    private void remember(Digest key, BuildResult result, long started) {
        if (!memoable || !pulled.isEmpty() || !result.fullyCached() || recorded.overflowed()) {
            return;
        }
        try {
            byte[] context = null;
            if (contextRead) {
                context = BuildMemo.fingerprint(req.contextDir(), ignore, started - StageFiles.RACY_WINDOW.toNanos());
                if (context == null) {
                    return;
                }
            }
            Path storeFile = images.root().imagesFile();
            StatCache.Stamp before = BuildMemo.stamp(storeFile);
            List<BuildMemo.Base> used = new ArrayList<>();
            for (Map.Entry<String, Digest> b : new java.util.TreeMap<>(bases).entrySet()) {
                if (!images.resolve(b.getKey()).target().digest().equals(b.getValue())) {
                    return;
                }
                used.add(new BuildMemo.Base(b.getKey(), b.getValue()));
            }
            for (String t : result.tags()) {
                Optional<dev.hoist.cache.ImageEntry> named = images.store().get(t);
                if (named.isEmpty() || !named.get().target().equals(result.target())) {
                    return;
                }
            }
            if (before.size() < 0 || !before.sameAs(BuildMemo.stamp(storeFile), true)) {
                return;
            }
            cache.memo().store(key, new BuildMemo.Entry(result.target(), result.id(), before, context, used,
                    recorded.bytes(), result.steps()));
        } catch (IOException | RuntimeException ignored) {
            // no memo: the next build takes the long way
        }
    }

    /** Copies what is written to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
        }
    }

    /** Keeps what is written up to a bound, past which it only says it overflowed. Thread-safe. */
    private static final class RecordedOutput extends OutputStream {
        private static final int LIMIT = 1 << 20;
        private final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        private boolean overflowed;

        @Override
        public synchronized void write(int c) {
            write(new byte[] {(byte) c}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (overflowed || buf.size() + len > LIMIT) {
                overflowed = true;
                buf.reset();
                return;
            }
            buf.write(b, off, len);
        }

        synchronized boolean overflowed() {
            return overflowed;
        }

        synchronized byte[] bytes() {
            return buf.toByteArray();
        }
    }

    private void need(Stage s, Set<Integer> out) throws BuildException {
        if (!out.add(s.index())) {
            return;
        }
        for (int i : plan(s).uses()) {
            need(df.stages().get(i), out);
        }
    }

    /** How many independent stages are built at the same time. */
    private static final int STAGE_THREADS = 2;

    private synchronized int nextStep() {
        return ++stepNo;
    }

    /**
     * What the build knows of a stage before building it: the stages it uses directly (its base,
     * {@code COPY --from}, {@code RUN --mount from}) and the variables it ends with (as far as they could be worked
     * out), which a stage based on it starts from.
     */
    private record Plan(Set<Integer> uses, StageScope scope) {
    }

    /**
     * The plan of {@code s}. A {@code COPY --from} is expanded as {@link #buildStage} expands it: in the stage's
     * own scope (its ARGs with their build args or defaults, its ENVs, those of the stages below it), not the
     * global one. When an ARG or ENV cannot be worked out here (it needs the base image's environment), every
     * earlier stage counts as used, so whatever the later steps name is built first.
     */
    private Plan plan(Stage s) throws BuildException {
        Plan known = plans.get(s.index());
        if (known != null) {
            return known;
        }
        Set<Integer> uses = new TreeSet<>();
        Optional<Stage> base;
        try {
            base = stageRef(global.expandFrom(s).baseName(), s.index());
        } catch (DockerfileException e) {
            throw new BuildException(e.getMessage(), e);
        }
        Map<String, String> env = new java.util.LinkedHashMap<>();
        StageScope baseScope = null;
        if (base.isPresent()) {
            uses.add(base.get().index());
            baseScope = plan(base.get()).scope();
            env.putAll(baseScope.imageEnvironment());
        }
        env.putIfAbsent("PATH", ProcessSpecs.DEFAULT_PATH);
        StageScope scope = global.enterStage(env, baseScope);
        for (Instruction in : s.instructions()) {
            if (in instanceof Instruction.Arg || in instanceof Instruction.Env) {
                try {
                    scope.expand(in);
                } catch (DockerfileException | RuntimeException e) {
                    for (int i = 0; i < s.index(); i++) {
                        uses.add(i);
                    }
                    break;
                }
            } else if (in instanceof Instruction.Copy c && !c.from().isEmpty()) {
                try {
                    stageRef(df.lexer().processWord(c.from(), fromScope(scope)), s.index()).ifPresent(r -> uses.add(r.index()));
                } catch (DockerfileException e) {
                    throw new BuildException(e.at(in.range()).getMessage(), e);
                }
            } else if (in instanceof Instruction.Run r) {
                try {
                    for (RunMount m : r.mounts(df.lexer(), scope.variables())) {
                        if (m.from() != null && !m.from().isEmpty()) {
                            stageRef(m.from(), s.index()).ifPresent(ref -> uses.add(ref.index()));
                        }
                    }
                } catch (DockerfileException e) {
                    throw new BuildException(e.getMessage(), e);
                }
            }
        }
        Plan p = new Plan(Set.copyOf(uses), scope);
        plans.put(s.index(), p);
        return p;
    }

    /**
     * Fails when {@code from}, as the step expanded it, names an earlier stage the plan of {@code stage} did not
     * foresee (its name came from the base image's environment): that stage may be unbuilt, or still building.
     */
    private void checkPlanned(Stage stage, String from, Instruction in) throws BuildException {
        Optional<Stage> ref = stageRef(from, stage.index());
        if (ref.isPresent() && !plan(stage).uses().contains(ref.get().index())) {
            throw new BuildException(where(in) + ": " + text(in) + ": \"" + from + "\" names a stage that could not be"
                    + " told before the build (the name comes from the base image's environment); name it with an ARG");
        }
    }

    private Optional<Stage> stageRef(String name, int before) {
        return df.stage(name, before);
    }

    /** The variables {@code COPY --from} is expanded with: the global ARGs, then the stage's variables. */
    private Map<String, String> fromScope(StageScope scope) {
        Map<String, String> m = new java.util.LinkedHashMap<>(global.values());
        m.putAll(scope.variables());
        return m;
    }

    private String where(Instruction in) {
        return df.name() + ":" + in.range().startLine();
    }

    private static String text(Instruction in) {
        String s = in.origin().source();
        if (s == null) {
            return in.name().toUpperCase(java.util.Locale.ROOT);
        }
        s = s.strip();
        return s.indexOf('\n') < 0 ? s : joinLines(s);
    }

    /**
     * {@code s} with each line break, with its continuation backslash and the blanks around it, made one space: what
     * {@code s.replaceAll("\\s*\\\\?\\n\\s*", " ")} does, without the regex (whose compiling and matching cost a
     * cached build ~2 ms of start-up).
     */
    static String joinLines(String s) {
        int n = s.length();
        StringBuilder out = new StringBuilder(n);
        int i = 0;
        while (i < n) {
            int k = i;
            boolean newline = false;
            while (k < n && isSpace(s.charAt(k))) {
                newline |= s.charAt(k) == '\n';
                k++;
            }
            if (k + 1 < n && s.charAt(k) == '\\' && s.charAt(k + 1) == '\n') {
                k += 2;
                while (k < n && isSpace(s.charAt(k))) {
                    k++;
                }
                out.append(' ');
                i = k;
            } else if (newline) {
                out.append(' ');
                i = k;
            } else {
                // no match starts anywhere in s[i..k]: each start there sees the same blanks and the same k
                int end = Math.min(k + 1, n);
                out.append(s, i, end);
                i = end;
            }
        }
        return out.toString();
    }

    /** Java regex's {@code \s}: space, tab, line feed, vertical tab, form feed, carriage return. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** Where a stage is: its last step's number and {@code [name k/total] }, as its progress line shows them. */
    private static final class StageStep {
        int n;
        String at = "";
    }

    /**
     * Builds {@code stage}, and reports its failure on the progress stream with its own step: stages built at the
     * same time number their steps from one counter, so the latest number may be another stage's.
     */
    private State buildStage(Stage stage) throws BuildException, IOException {
        StageStep step = new StageStep();
        try {
            return buildSteps(stage, step);
        } catch (BuildException | java.nio.channels.ClosedByInterruptException | java.io.InterruptedIOException e) {
            int n = step.n > 0 ? step.n : nextStep();
            // interrupted: the build was, or another stage failed and this one was stopped
            progress.println("#" + n + (Thread.currentThread().isInterrupted() ? " CANCELED"
                    : " ERROR: " + step.at + (e instanceof BuildException ? firstLine(e) : "interrupted")));
            progress.flush();
            reportedAt.put(e, n);
            throw e;
        }
    }

    private static String firstLine(Exception e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    private State buildSteps(Stage stage, StageStep step) throws BuildException, IOException {
        String base;
        try {
            base = global.expandFrom(stage).baseName();
            String fromPlatform = global.expandFrom(stage).platform();
            if (fromPlatform != null && !fromPlatform.isEmpty()) {
                TargetPlatform.of(fromPlatform, where(stage.from()) + ": FROM --platform=" + fromPlatform);
            }
        } catch (DockerfileException e) {
            throw new BuildException(e.getMessage(), e);
        }
        String label = !stage.name().isEmpty() ? stage.name() + " " : df.stages().size() > 1 ? "stage-" + stage.index() + " " : "";
        int total = stage.instructions().size() + 1;
        int n = nextStep();
        step.n = n;
        step.at = "[" + label + "1/" + total + "] ";
        progress.println("#" + n + " " + step.at + "FROM " + base);
        State st;
        Optional<Stage> ref = stageRef(base, stage.index());
        if (base.equalsIgnoreCase("scratch")) {
            st = new State();
            Platform p = Platform.current();
            st.os = p.os();
            st.arch = p.architecture();
            st.variant = p.variant();
            st.key = Digest.sha256("scratch");
        } else if (ref.isPresent()) {
            st = built.get(ref.get().index()).copy();
        } else {
            st = fromImage(resolveImage(base, stage.from(), n));
        }
        steps.add(new StepResult(n, stage.name(), "FROM " + base, stage.range().startLine(), false, false, null));
        List<Instruction> body = new ArrayList<>();
        if (!st.config.onBuild().isEmpty()) {
            // the base image's ONBUILD triggers run first, and are not inherited further, as in Docker
            String triggers = "FROM scratch\n" + String.join("\n", st.config.onBuild()) + "\n";
            try {
                body.addAll(DockerfileParser.parse(df.name() + " (ONBUILD of " + base + ")",
                        triggers.getBytes(StandardCharsets.UTF_8)).stages().get(0).instructions());
            } catch (DockerfileException e) {
                throw new BuildException(where(stage.from()) + ": the ONBUILD triggers of " + base + " are invalid: "
                        + e.getMessage(), e);
            }
            st.config = st.config.toBuilder().onBuild(List.of()).build();
            total += body.size();
        }
        int triggers = body.size();     // not planned: the base image's ONBUILD triggers
        body.addAll(stage.instructions());
        if (!st.config.envMap().containsKey("PATH")) {
            // Docker (classic and BuildKit) puts the default PATH in the config of a stage whose base has none
            st.config = st.config.withEnv("PATH", ProcessSpecs.DEFAULT_PATH);
        }
        // from an earlier stage, its ARGs too (st.scope), as BuildKit's dispatchState.init carries its buildArgs
        StageScope scope = global.enterStage(st.config.envMap(), st.scope);
        st.scope = scope;
        boolean cmdSet = false;
        int k = 1;
        for (Instruction raw : body) {
            k++;
            Instruction in;
            try {
                in = scope.expand(raw);
            } catch (DockerfileException e) {
                throw new BuildException(e.getMessage(), e);
            }
            n = nextStep();
            step.n = n;
            step.at = "[" + label + k + "/" + total + "] ";
            String shown = text(raw);
            progress.println("#" + n + " " + step.at + shown);
            progress.flush();
            ContainerConfig.Builder c = st.config.toBuilder();
            String history = null;
            StepOutcome outcome = null;
            if (in instanceof Instruction.Arg a) {
                StringBuilder sb = new StringBuilder("ARG");
                for (Instruction.ArgDefinition d : a.args()) {
                    sb.append(' ').append(d.key()).append(d.defaultValue() == null ? "" : "=" + d.defaultValue());
                }
                history = sb.toString();
            } else if (in instanceof Instruction.Env e) {
                ContainerConfig cc = st.config;
                StringBuilder sb = new StringBuilder("ENV");
                for (Instruction.KeyValue kv : e.pairs()) {
                    cc = cc.withEnv(kv.key(), kv.value());
                    sb.append(' ').append(kv.key()).append('=').append(kv.value());
                }
                c = cc.toBuilder();
                history = sb.toString();
            } else if (in instanceof Instruction.Label l) {
                ContainerConfig cc = st.config;
                StringBuilder sb = new StringBuilder("LABEL");
                for (Instruction.KeyValue kv : l.pairs()) {
                    cc = cc.withLabel(kv.key(), kv.value());
                    sb.append(' ').append(kv.key()).append('=').append(kv.value());
                }
                c = cc.toBuilder();
                history = sb.toString();
            } else if (in instanceof Instruction.User u) {
                c.user(u.user());
                history = "USER " + u.user();
            } else if (in instanceof Instruction.Expose x) {
                Set<String> ports = new LinkedHashSet<>(st.config.exposedPorts());
                for (String p : x.ports()) {
                    ports.addAll(exposedPorts(p));
                }
                c.exposedPorts(ports);
                history = "EXPOSE " + String.join(" ", x.ports());
            } else if (in instanceof Instruction.Volume v) {
                Set<String> vols = new LinkedHashSet<>(st.config.volumes());
                vols.addAll(v.volumes());
                c.volumes(vols);
                history = "VOLUME " + v.volumes();
            } else if (in instanceof Instruction.Cmd cmd) {
                c.cmd(cmd.shellForm() ? concat(st.shell, cmd.command()) : cmd.command());
                cmdSet = true;
                history = "CMD " + json(cmd.shellForm() ? concat(st.shell, cmd.command()) : cmd.command());
            } else if (in instanceof Instruction.Entrypoint ep) {
                List<String> v = ep.shellForm() ? concat(st.shell, ep.command()) : ep.command();
                c.entrypoint(v);
                if (!cmdSet) {
                    c.cmd(List.of());
                }
                history = "ENTRYPOINT " + json(v);
            } else if (in instanceof Instruction.StopSignal s) {
                c.stopSignal(s.signal());
                history = "STOPSIGNAL " + s.signal();
            } else if (in instanceof Instruction.Healthcheck h) {
                c.healthcheck(new Healthcheck(h.test(), nz(h.interval()), nz(h.timeout()), nz(h.startPeriod()),
                        nz(h.startInterval()), h.retries() == 0 ? null : h.retries()));
                history = "HEALTHCHECK " + json(h.test());
            } else if (in instanceof Instruction.Shell s) {
                st.shell = s.shell();
                c.shell(s.shell());
                history = "SHELL " + json(s.shell());
            } else if (in instanceof Instruction.Maintainer m) {
                st.author = m.maintainer();
                history = "MAINTAINER " + m.maintainer();
            } else if (in instanceof Instruction.Onbuild o) {
                List<String> ob = new ArrayList<>(st.config.onBuild());
                ob.add(o.expression());
                c.onBuild(ob);
                history = "ONBUILD " + o.expression();
            } else if (in instanceof Instruction.Workdir w) {
                String path = absolute(st.config.workingDir(), w.path());
                c.workingDir(path);
                st.config = c.build();
                outcome = workdir(st, path);
                history = "WORKDIR " + path;
            } else if (in instanceof Instruction.Run r) {
                outcome = run(st, scope, r, n);
                history = outcome.createdBy;
            } else if (in instanceof Instruction.Copy cp) {
                String from;
                try {
                    from = cp.from().isEmpty() ? "" : df.lexer().processWord(cp.from(), fromScope(scope));
                } catch (DockerfileException e) {
                    throw new BuildException(e.at(in.range()).getMessage(), e);
                }
                if (k - 2 >= triggers) {
                    checkPlanned(stage, from, in);
                }
                outcome = copy(st, n, cp, cp.sources(), cp.inlineSources(), cp.destination(), from, cp.chown(), cp.chmod(), "COPY",
                        new CopyOptions(List.of(), cp.excludes(), cp.parents(), cp.link()));
                history = outcome.createdBy;
            } else if (in instanceof Instruction.Add ad) {
                for (String source : ad.sources()) {
                    if (RemoteSources.isRemote(source)) {
                        memoable = false;   // Docker checks a URL again on every build
                    }
                }
                try (RemoteSources.Fetched fetched = remote.fetch(ad.sources(), ad.checksum(), ad.keepGitDir(),
                        where(in) + ": " + shown)) {
                    outcome = copy(st, n, ad, fetched.local, ad.inlineSources(), ad.destination(), "", ad.chown(), ad.chmod(),
                            "ADD", new CopyOptions(fetched.downloads, ad.excludes(), false, ad.link()));
                }
                history = outcome.createdBy;
            } else {
                throw new BuildException(where(in) + ": " + shown + ": " + in.name().toUpperCase(java.util.Locale.ROOT)
                        + " is not supported here");
            }
            if (!(in instanceof Instruction.Workdir)) {
                st.config = outcome == null ? c.build() : st.config;
            }
            if (outcome == null) {
                st.history.add(History.of(req.sourceDateEpoch(), history, HISTORY_COMMENT, true));
                steps.add(new StepResult(n, stage.name(), shown, in.range().startLine(), false, false, null));
            } else {
                BuildCache.Entry e = outcome.entry;
                if (e.layer() != null) {
                    st.layers.add(e.layer());
                    st.diffIds.add(e.diffId());
                }
                st.history.add(History.of(req.sourceDateEpoch(), history + (in instanceof Instruction.Workdir ? "" : " # buildkit"),
                        HISTORY_COMMENT, e.layer() == null));
                st.key = outcome.key;
                progress.println("#" + n + (outcome.cached ? " CACHED" : " DONE"));
                steps.add(new StepResult(n, stage.name(), shown, in.range().startLine(), true, outcome.cached, e.layer()));
            }
            progress.flush();
        }
        return st;
    }

    private record StepOutcome(Digest key, BuildCache.Entry entry, boolean cached, String createdBy) {
    }

    /** The ports {@code EXPOSE spec} adds: {@code 80/tcp}, or one per port of a range ({@code 8000-8002}), as Docker does. */
    private static List<String> exposedPorts(String spec) {
        String p = spec.contains("/") ? spec.toLowerCase(java.util.Locale.ROOT) : spec + "/tcp";
        java.util.regex.Matcher range = java.util.regex.Pattern.compile("([0-9]{1,5})-([0-9]{1,5})(/.*)").matcher(p);
        if (!range.matches() || Integer.parseInt(range.group(1)) > Integer.parseInt(range.group(2))) {
            return List.of(p);
        }
        List<String> out = new ArrayList<>();
        for (int i = Integer.parseInt(range.group(1)); i <= Integer.parseInt(range.group(2)); i++) {
            out.add(i + range.group(3));
        }
        return out;
    }

    private static Duration nz(Duration d) {
        return d == null || d.isZero() ? null : d;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static String json(List<String> v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.size(); i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(v.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return sb.append(']').toString();
    }

    private static String absolute(String cwd, String path) {
        String base = cwd == null || cwd.isEmpty() ? "/" : cwd;
        return Path.of(base).resolve(path).normalize().toString();
    }

    private static Digest key(Digest parent, String kind, List<String> parts) {
        StringBuilder sb = new StringBuilder(parent.toString()).append('\n').append(kind);
        for (String p : parts) {
            sb.append('\0').append(p);
        }
        return Digest.sha256(sb.toString());
    }

    private Optional<BuildCache.Entry> lookup(Digest key) throws IOException {
        return req.noCache() ? Optional.empty() : cache.lookup(key);
    }

    /** The image {@code base} for step {@code n}: from the store, or pulled when missing or with --pull. */
    private Image resolveImage(String base, Instruction at, int n) throws BuildException, IOException {
        Image img = resolveImageOnce(base, at, n);
        bases.put(base, img.target().digest());
        return img;
    }

    private Image resolveImageOnce(String base, Instruction at, int n) throws BuildException, IOException {
        java.util.concurrent.CompletableFuture<Image> pull = pulled.get(base);
        if (pull == null) {
            try {
                if (!req.pull() || registry == null) {  // --pull: fetch it again, once per build
                    return images.resolve(base);
                }
            } catch (ImageNotFoundException e) {
                if (registry == null) {
                    throw new BuildException(where(at) + ": " + base + ": the image is not in the local store; pull it first"
                            + " (hoist pull " + base + ")", e);
                }
            }
            java.util.concurrent.CompletableFuture<Image> mine = new java.util.concurrent.CompletableFuture<>();
            pull = pulled.putIfAbsent(base, mine);
            if (pull == null) {
                // this stage fetches it; a stage wanting it meanwhile waits for this fetch, not a second one
                try {
                    Image img = pull(base, at, n);
                    mine.complete(img);
                    return img;
                } catch (Throwable t) {
                    mine.completeExceptionally(t);
                    throw t;
                }
            }
        }
        try {
            return pull.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException(where(at) + ": " + base + ": interrupted while another stage pulls it", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable t = e.getCause();
            if (t instanceof BuildException b) {
                throw new BuildException(b.getMessage(), b);
            }
            if (t instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new BuildException(where(at) + ": " + base + ": cannot be pulled: " + t, t);
        }
    }

    private Image pull(String base, Instruction at, int n) throws BuildException, IOException {
        progress.println("#" + n + " pulling " + base);
        progress.flush();
        try {
            return registry.get().pull(Reference.parseNormalized(base), Platform.current());
        } catch (RuntimeException e) {
            throw new BuildException(where(at) + ": " + base + ": not a valid image reference: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BuildException(where(at) + ": " + base + ": the image is not in the local store and cannot be"
                    + " pulled: " + e.getMessage(), e);
        }
    }

    private static State fromImage(Image img) {
        State st = new State();
        ImageConfig ic = img.config();
        st.config = ic.config() == null ? ContainerConfig.EMPTY : ic.config();
        st.layers.addAll(img.manifest().layers());
        st.diffIds.addAll(ic.diffIds());
        st.history.addAll(ic.history());
        st.os = ic.os();
        st.arch = ic.architecture();
        st.variant = ic.variant();
        st.author = ic.author();
        if (!st.config.shell().isEmpty()) {
            st.shell = st.config.shell();
        }
        st.key = img.id();
        return st;
    }

    private ImageConfig imageConfig(State st) {
        ImageConfig.Builder b = ImageConfig.builder().created(req.sourceDateEpoch())
                .architecture(st.arch).os(st.os).config(st.config).rootfs(RootFs.layers(st.diffIds))
                .history(st.history);
        if (st.variant != null && !st.variant.isEmpty()) {
            b.variant(st.variant);
        }
        if (st.author != null && !st.author.isEmpty()) {
            b.author(st.author);
        }
        return b.build();
    }

    /** The unpacked root filesystem of the state so far (unpacked once per layer chain, read-only). */
    private Path rootfs(State st) throws IOException {
        ImageConfig cfg = imageConfig(st);
        ImageManifest.Builder mb = ImageManifest.dockerBuilder().config(Descriptor.of(MediaTypes.DOCKER_CONFIG, cfg.bytes()));
        for (Descriptor d : st.layers) {
            mb.addLayer(d);
        }
        ImageManifest m = mb.build();
        return snapshots.rootfs(new Image(m.descriptor(), m, cfg, List.of()));
    }

    /** The stage's layers so far, each unpacked once, as the lower directories of an overlay. */
    private LayerStack stack(State st) throws IOException {
        return files.stack(st.layers, st.diffIds);
    }

    private BuildCache.Entry writeLayer(LayerSource source) throws IOException, BuildException {
        try (BlobWriter w = images.blobs().writer()) {
            WrittenLayer wl = source.write(w); // commits: the blob writer's digest is the layer's
            return new BuildCache.Entry(wl.descriptor(), wl.diffId());
        } catch (LayerException e) {
            throw new BuildException("cannot write a layer: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface LayerSource {
        WrittenLayer write(BlobWriter blob) throws IOException, LayerException;
    }

    /**
     * WORKDIR: makes the directory when the image lacks it, with the parents it lacks, owned by the USER in force
     * (mode 0755), as BuildKit's {@code dispatchWorkdir} does ({@code llb.Mkdir} with parents and
     * {@code llb.WithUser}, moby/buildkit#1002). The key names the user; the ids a name has come from the image's
     * files, which the parent key covers.
     */
    private StepOutcome workdir(State st, String path) throws IOException, BuildException {
        String user = st.config.user() == null ? "" : st.config.user();
        Digest key = key(st.key, "WORKDIR", user.isEmpty() ? List.of(path) : List.of(path, "\1user=" + user));
        Optional<BuildCache.Entry> hit = lookup(key);
        if (hit.isPresent()) {
            return new StepOutcome(key, hit.get(), true, "WORKDIR " + path);
        }
        String rel = CopyTree.clean(path);
        BuildCache.Entry entry = new BuildCache.Entry(null, null);
        LayerStack stack = stack(st);
        // through the image's symbolic links (WORKDIR /bin/x with /bin -> usr/bin), as mkdir does
        String target = rel.isEmpty() ? rel : stack.resolveLinks(rel);
        if (!target.isEmpty() && stack.find(target) == null) {
            int[] ids = {0, 0};
            if (!user.isEmpty()) {
                Path accounts = images.root().createTempDirectory("build-accounts");
                try {
                    ids = Owners.ofUser(user, () -> StageFiles.accountFiles(stack, accounts));
                } finally {
                    deleteTree(accounts);
                }
            }
            Path tree = images.root().createTempDirectory("build-workdir");
            try {
                CopyTree.mkdirsOver(tree, target, stack::find, ids[0], ids[1]);
                entry = writeLayer(out -> layerWriter().writeTree(tree, out));
                files.keep(entry, tree);
            } finally {
                deleteTree(tree);
            }
        }
        cache.store(key, entry);
        return new StepOutcome(key, entry, false, "WORKDIR " + path);
    }

    private StepOutcome run(State st, StageScope scope, Instruction.Run r, int n) throws IOException, BuildException {
        String shown = text(r);
        List<String> command = r.command();
        Heredoc script = null;
        if (!r.heredocs().isEmpty()) {
            if (!r.shellForm() || command.size() != 1) {
                throw new BuildException(where(r) + ": " + shown + ": here-documents need the shell form of RUN");
            }
            if (command.get(0).strip().matches("<<-?[\"']?[A-Za-z0-9_.-]+[\"']?")) {
                Heredoc h = r.heredocs().get(0);
                if (h.content().startsWith("#!")) {
                    // BuildKit writes the document to a file, mounts it at /dev/pipes and has the shell run it,
                    // so that the kernel starts the #! interpreter (checking the content as written, before <<-)
                    script = h;
                    command = List.of(HEREDOC_SCRIPTS + "/" + h.name());
                } else {
                    command = List.of(h.effectiveContent());   // run the document's lines as the script, as BuildKit does
                }
            } else {
                StringBuilder full = new StringBuilder(command.get(0));
                for (var h : r.heredocs()) {
                    full.append('\n').append(h.content()).append(h.name());
                }
                command = List.of(full.toString());
            }
        }
        if (!r.security().isEmpty() && !r.security().equals("sandbox")) {
            throw new BuildException(where(r) + ": " + shown + ": RUN --security=" + r.security() + " is not supported");
        }
        List<String> argv = r.shellForm() ? concat(st.shell, command) : command;
        if (argv.isEmpty()) {
            throw new BuildException(where(r) + ": " + shown + ": RUN needs a command");
        }
        Map<String, String> envMap = new java.util.LinkedHashMap<>(scope.variables());
        envMap.putIfAbsent("PATH", ProcessSpecs.DEFAULT_PATH);
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : envMap.entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        // the proxy build args reach the process over the variables of the same name, but not the key: a changed
        // proxy rebuilds nothing, as in BuildKit
        Map<String, String> runEnvMap = new java.util.LinkedHashMap<>(envMap);
        runEnvMap.putAll(proxies);
        List<String> runEnv = new ArrayList<>();
        for (Map.Entry<String, String> e : runEnvMap.entrySet()) {
            runEnv.add(e.getKey() + "=" + e.getValue());
        }
        String user = st.config.user() == null ? "" : st.config.user();
        String cwd = st.config.workingDir() == null || st.config.workingDir().isEmpty() ? "/" : st.config.workingDir();
        NetworkMode net;
        try {
            net = r.network().isEmpty() || r.network().equals("default") ? defaultNetwork() : NetworkMode.parse(r.network());
        } catch (IllegalArgumentException e) {
            throw new BuildException(where(r) + ": " + shown + ": " + e.getMessage(), e);
        }
        String createdBy = "RUN " + runCommandString(scope.historyArgs(), argv);
        List<String> parts = new ArrayList<>(argv);
        parts.add("\1env");
        parts.addAll(env);
        parts.add("\1user=" + user);
        parts.add("\1cwd=" + cwd);
        parts.add("\1net=" + net);
        List<dev.hoist.runtime.Mount> mounts = new ArrayList<>();
        List<CacheRequest> caches = new ArrayList<>();
        List<CacheMounts.Lease> leases = new ArrayList<>();
        List<Path> temps = new ArrayList<>();
        RunSecrets secrets = new RunSecrets(req, images.root());
        try {
            if (script != null) {
                byte[] data = script.effectiveContent().getBytes(StandardCharsets.UTF_8);
                Path tmp = images.root().createTempDirectory("build-heredoc");
                temps.add(tmp);
                Path scripts = Files.createDirectory(tmp.resolve("pipes"));
                Files.write(scripts.resolve(script.name()), data);
                Files.setPosixFilePermissions(scripts.resolve(script.name()), PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxr-xr-x"));
                parts.add("\1heredoc=" + script.name() + ":" + Digest.sha256(data));
                mounts.add(dev.hoist.runtime.Mount.bind(scripts, HEREDOC_SCRIPTS, true));
            }
            for (RunMount m : runMounts(r, scope)) {
                String target = absolute(cwd, m.target());
                switch (m.type()) {
                    case RunMount.BIND -> {
                        Path root;
                        DockerIgnore ign;
                        boolean fromContext = m.from() == null || m.from().isEmpty();
                        if (fromContext) {
                            contextRead = true;
                            root = req.contextDir();
                            ign = ignore;
                        } else {
                            root = mountFrom(m, r, n).rootfs();
                            ign = DockerIgnore.EMPTY;
                        }
                        Path tmp = images.root().createTempDirectory("build-bind");
                        temps.add(tmp);
                        CopyTree ct = new CopyTree(root, ign);
                        String rel = CopyTree.clean(m.source() == null ? "" : m.source());
                        if (!Files.exists(ct.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                            throw new BuildException(where(r) + ": " + shown + ": the bind mount's source \"" + m.source()
                                    + "\" is not found");
                        }
                        Path copy = tmp.resolve("m");
                        ct.copy(rel, copy, -1, -1, CopyMode.KEEP);
                        parts.add("\1bind=" + target + ":" + m.readOnly() + ":" + CopyTree.checksum(tmp));
                        mounts.add(dev.hoist.runtime.Mount.bind(copy, target, m.readOnly()));
                    }
                    case RunMount.CACHE -> {
                        // taken only if the step runs (see below): a cache hit leaves the cache to others
                        String id = m.id() == null || m.id().isEmpty() ? target : m.id();
                        String source = CopyTree.clean(m.source() == null ? "" : m.source());
                        CacheMounts.Seed seed = null;
                        if (m.from() != null && !m.from().isEmpty()) {
                            if (source.isEmpty() && (m.uid() != null || m.gid() != null || m.mode() != null)) {
                                throw new BuildException(where(r) + ": " + shown + ": RUN --mount=type=cache with from="
                                        + " and uid, gid or mode needs a source= as well (hoist does not make BuildKit's"
                                        + " /cache directory in the from= content)");
                            }
                            MountSource from = mountFrom(m, r, n);
                            // content without layers is scratch, which BuildKit's cache does not tell from no from=
                            seed = from.empty() ? null : from;
                        }
                        // the from= content and the source path are inputs of the step, as in BuildKit's exec op
                        parts.add("\1cache=" + target + ":" + id + (seed == null ? "" : "\1from=" + seed.identity())
                                + (source.isEmpty() ? "" : "\1source=" + source));
                        caches.add(new CacheRequest(mounts.size(), id, seed, source, target, m));
                        mounts.add(null);
                    }
                    case RunMount.TMPFS -> {
                        parts.add("\1tmpfs=" + target);
                        mounts.add(dev.hoist.runtime.Mount.tmpfs(target, m.size() == null ? "" : "size=" + m.size()));
                    }
                    case RunMount.SECRET, RunMount.SSH -> {
                        String part = secrets.add(m, cwd, mounts, where(r) + ": " + shown);
                        if (part != null) {
                            parts.add(part);
                        }
                    }
                    default -> throw new BuildException(where(r) + ": " + shown + ": RUN --mount=type=" + m.type()
                            + " is not supported yet");
                }
            }
            Digest key = key(st.key, "RUN", parts);
            Optional<BuildCache.Entry> hit = lookup(key);
            if (hit.isPresent()) {
                return new StepOutcome(key, hit.get(), true, createdBy);
            }
            if (!runtimeSupported()) {
                throw new BuildException(where(r) + ": " + shown + ": RUN steps need Linux and root: each runs in a"
                        + " container of its own (namespaces, an overlay mount, cgroups); run hoist build as root, e.g."
                        + " with sudo. Steps without RUN build as any user");
            }
            takeCaches(caches, mounts, leases, n, where(r) + ": " + shown);
            LayerStack lower = stack(st);
            Path dir = images.root().createTempDirectory("build-run");
            try {
                Path upper = Files.createDirectory(dir.resolve("upper"));
                Path work = Files.createDirectory(dir.resolve("work"));
                ContainerSpec.Builder sb = ContainerSpec.builder().overlay(lower.directories(), upper, work).argv(argv).env(secrets.env(runEnv))
                        .cwd(cwd).user(user).network(net).volatileUpper(true);
                mounts.forEach(sb::addMount);
                ContainerSpec spec = sb.build();
                TailOutput out = new TailOutput(progress, "#" + n + " ");
                ExitStatus status;
                preloadNativeCalls();
                try (RunningContainer c = runtime.run(spec, out, out, null)) {
                    Optional<ExitStatus> quick = c.waitFor(LONG_STEP);
                    if (quick.isEmpty()) {
                        warmUpLayerWriting(layerWriter());
                    }
                    status = quick.isPresent() ? quick.get() : c.waitFor();
                } catch (ContainerException e) {
                    throw new BuildException(where(r) + ": " + shown + ": the container could not run: " + e.getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BuildException(where(r) + ": " + shown + ": interrupted", e);
                }
                out.flush();
                if (!status.success()) {
                    String why = status.timedOut() ? "timed out" : status.oomKilled() ? "was killed for lack of memory"
                            : status.signal() > 0 ? "was killed by signal " + status.signal() : "exit code " + status.code();
                    String tail = out.tail();
                    throw new BuildException(where(r) + ": " + shown + ": did not complete successfully: " + why
                            + (tail.isEmpty() ? "" : "\nlast output:\n" + tail));
                }
                for (dev.hoist.runtime.Mount m : mounts) {
                    // the mount point the runtime made is not part of the result, as in BuildKit
                    String rel = CopyTree.clean(m.destination());
                    Path stub = upper.resolve(rel);
                    if (!rel.isEmpty() && lower.find(rel) == null && isEmpty(stub)) {
                        Files.delete(stub);
                        // and the empty parents made for it, as BuildKit's mount stub cleaner does
                        for (Path p = stub.getParent(); !p.equals(upper) && isEmpty(p)
                                && lower.find(upper.relativize(p).toString()) == null;
                             p = p.getParent()) {
                            Files.delete(p);
                        }
                    }
                }
                secrets.removeStubs(upper, lower::find);
                ChangeSet cs;
                try {
                    cs = ChangeSet.fromOverlayUpper(upper);
                } catch (LayerException e) {
                    throw new BuildException(where(r) + ": " + shown + ": cannot read the changes: " + e.getMessage(), e);
                }
                BuildCache.Entry entry = cs.changed().isEmpty() && cs.deleted().isEmpty() && cs.opaqueDirectories().isEmpty()
                        ? new BuildCache.Entry(null, null)
                        : writeLayer(o -> layerWriter().writeChanges(cs, o));
                files.keep(entry, upper);
                cache.store(key, entry);
                return new StepOutcome(key, entry, false, createdBy);
            } finally {
                deleteTree(dir);
            }
        } finally {
            for (CacheMounts.Lease l : leases) {
                try {
                    l.close();
                } catch (IOException e) {
                    progress.println("#" + n + " warning: cannot release the cache mount " + l.dir() + ": " + e.getMessage());
                }
            }
            for (Path p : temps) {
                Build.deleteTree(p);
            }
            secrets.close();
        }
    }

    /**
     * What a RUN's history says it ran, as BuildKit's {@code runCommandString} writes it: {@code |N} and the N ARGs
     * in scope as {@code NAME=value} when there are any, then the command's words joined by spaces (the exec form
     * too).
     */
    static String runCommandString(List<String> args, List<String> argv) {
        StringBuilder sb = new StringBuilder();
        if (!args.isEmpty()) {
            sb.append('|').append(args.size());
            for (String a : args) {
                sb.append(' ').append(a);
            }
            sb.append(' ');
        }
        return sb.append(String.join(" ", argv)).toString();
    }

    /**
     * A {@code RUN --mount=type=cache} waiting for its directory: the slot it fills in the step's mounts, its
     * initial content ({@code from=}, or null) and the path in it to mount ({@code source=}, "" for all of it).
     */
    private record CacheRequest(int slot, String id, CacheMounts.Seed seed, String source, String target, RunMount mount) {
        String key() {
            return CacheMounts.key(id, seed);
        }
    }

    /**
     * What a mount's {@code from=} names: a stage of this Dockerfile, built already, or else an image. Its identity
     * is the digest of its layers' diff IDs; its root filesystem is unpacked when asked for.
     */
    private MountSource mountFrom(RunMount m, Instruction.Run r, int n) throws IOException, BuildException {
        Optional<Stage> ref = stageRef(m.from(), Integer.MAX_VALUE);
        if (ref.isPresent() && built.containsKey(ref.get().index())) {
            State st = built.get(ref.get().index());
            return new MountSource(st.diffIds, null, st);
        }
        Image image = resolveImage(m.from(), r, n);
        return new MountSource(image.config().diffIds(), image, null);
    }

    /** A mount's {@code from=}: an image, or a stage's state. The initial content of a cache that names it. */
    private final class MountSource implements CacheMounts.Seed {
        private final List<Digest> diffIds;
        private final Image image;
        private final State stage;

        MountSource(List<Digest> diffIds, Image image, State stage) {
            this.diffIds = List.copyOf(diffIds);
            this.image = image;
            this.stage = stage;
        }

        boolean empty() {
            return diffIds.isEmpty();
        }

        Path rootfs() throws IOException {
            return stage != null ? Build.this.rootfs(stage) : snapshots.rootfs(image);
        }

        @Override
        public String identity() {
            StringBuilder b = new StringBuilder();
            for (Digest d : diffIds) {
                b.append(d).append('\n');
            }
            return Digest.sha256(b.toString()).toString();
        }

        /** Unpacks the layers into {@code dir}, owners and modes as they are. */
        @Override
        public void writeTo(Path dir) throws IOException {
            Files.createDirectories(dir);
            List<InputStream> layers = new ArrayList<>();
            try {
                for (Descriptor d : stage != null ? stage.layers : image.manifest().layers()) {
                    layers.add(images.blobs().open(d.digest()));
                }
                LayerApplier.create().applyAll(layers, dir);
            } catch (LayerException e) {
                throw new IOException("cannot unpack " + (stage != null ? "the stage" : "the image") + " into the cache: "
                        + e.getMessage(), e);
            } finally {
                for (InputStream in : layers) {
                    in.close();
                }
            }
        }
    }

    /**
     * Takes the step's cache directories, with their sharing modes, and fills their slots in {@code mounts}; one
     * directory for mounts of the same cache, and the caches taken in one order (their ids sorted), so that two
     * builds that both wait cannot each hold what the other waits for.
     */
    private void takeCaches(List<CacheRequest> caches, List<dev.hoist.runtime.Mount> mounts,
                            List<CacheMounts.Lease> leases, int n, String where) throws IOException, BuildException {
        if (caches.isEmpty()) {
            return;
        }
        java.util.TreeMap<String, CacheRequest> byKey = new java.util.TreeMap<>();
        for (CacheRequest c : caches) {
            byKey.putIfAbsent(c.key(), c);
        }
        CacheMounts cacheMounts = new CacheMounts(images.root().path().resolve("build-cache"));
        Map<String, Path> dirs = new java.util.HashMap<>();
        for (CacheRequest c : byKey.values()) {
            RunMount m = c.mount();
            CacheMounts.Lease lease;
            try {
                lease = cacheMounts.acquire(c.id(), c.seed(), m.sharing(), m.uid() == null ? 0 : m.uid().intValue(),
                        m.gid() == null ? 0 : m.gid().intValue(), m.mode() == null ? 0755 : m.mode().intValue(),
                        new CacheMounts.WaitListener() {
                            @Override
                            public void waiting(String id) {
                                progress.println("#" + n + " waiting for the cache mount " + id
                                        + ": another build step is using it");
                                progress.flush();
                            }
                        });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BuildException(where + ": interrupted while waiting for the cache mount " + c.id(), e);
            }
            leases.add(lease);
            dirs.put(c.key(), lease.dir());
        }
        for (CacheRequest c : caches) {
            // source= is a path in the cache (symlinks followed inside it), as BuildKit mounts a cache's subpath
            Path dir = new CopyTree(dirs.get(c.key()), DockerIgnore.EMPTY).resolve(c.source());
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new BuildException(where + ": the cache mount's source \"" + c.mount().source() + "\" is not in "
                        + (c.seed() == null ? "the cache " + c.id() : c.mount().from()));
            }
            mounts.set(c.slot(), dev.hoist.runtime.Mount.bind(dir, c.target(), c.mount().readOnly()));
        }
    }

    private List<RunMount> runMounts(Instruction.Run r, StageScope scope) throws BuildException {
        try {
            return r.mounts(df.lexer(), scope.variables());
        } catch (DockerfileException e) {
            throw new BuildException(e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (var s = Files.list(p)) {
                return s.findAny().isEmpty();
            }
        }
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.size(p) == 0;
    }

    private StepOutcome copy(State st, int n, Instruction in, List<String> sources, List<Instruction.InlineSource> inline,
                             String dest, String from, String chown, String chmod, String verb, CopyOptions opts)
            throws IOException, BuildException {
        String shown = text(in);
        CopyTree src = null;
        Optional<Stage> fromStage = Optional.empty();
        Image fromImage = null;
        if (from.isEmpty()) {
            contextRead = true;
            src = new CopyTree(req.contextDir(), ignore).linkingUnchanged();
        } else {
            fromStage = stageRef(from, Integer.MAX_VALUE).filter(ref -> built.containsKey(ref.index()));
            if (fromStage.isEmpty()) {
                fromImage = resolveImage(from, in, n);
            }
        }
        DockerIgnore excludes = opts.excludeMatcher(where(in) + ": " + shown);
        CopyMode mode = chmod.isEmpty() ? CopyMode.KEEP : CopyMode.parse(chmod, where(in) + ": " + shown);
        List<String> matched = new ArrayList<>();
        Map<String, String> kept = new HashMap<>();     // --parents: the path each match keeps under the destination
        if (src != null) {
            expandSources(src.excluding(excludes), where(in) + ": " + shown, sources, matched, kept);
        }
        // the key: what the step adds is decided by the parent (st.key; with --link, not even that), the
        // instruction as expanded, and the sources: the context's files by content (through the stat cache),
        // another stage by its key, an image by its ID, a download by its content
        List<String> parts = new ArrayList<>(List.of("dest=" + dest, "cwd=" + st.config.workingDir(), "chown=" + chown,
                "chmod=" + chmod, "parents=" + opts.parents()));
        int uid = 0;
        int gid = 0;
        if (!chown.isEmpty()) {
            // resolved before the key, and part of it: a name's ids come from the image's files, which a --link
            // key leaves out
            Path accounts = images.root().createTempDirectory("build-accounts");
            int[] ids;
            try {
                ids = Owners.resolve(chown, () -> StageFiles.accountFiles(stack(st), accounts));
            } finally {
                deleteTree(accounts);
            }
            if (ids == null) {
                throw new BuildException(where(in) + ": " + shown + ": --chown=" + chown
                        + ": no such user or group in the image's /etc/passwd and /etc/group");
            }
            uid = ids[0];
            gid = ids[1];
            parts.add("ids=" + uid + ":" + gid);
        }
        sources.forEach(s -> parts.add("src=" + s));
        opts.excludes().forEach(x -> parts.add("exclude=" + x));
        inline.forEach(d -> parts.add("inline=" + d.path() + "\0" + d.data()));
        for (RemoteSources.Download d : opts.downloads()) {
            parts.add("download=" + d.url() + "\0" + d.name() + "\0" + d.lastModified() + "\0"
                    + (Files.isDirectory(d.file(), LinkOption.NOFOLLOW_LINKS) ? CopyTree.checksum(d.file()) : sha256(d.file())));
        }
        CopyKeys.Hashed hashed = null;
        if (src != null) {
            hashed = CopyKeys.digest(src, matched, files.stats());
            parts.add("context=" + hashed.digest());
        } else if (fromStage.isPresent()) {
            parts.add("stage=" + built.get(fromStage.get().index()).key);
        } else {
            parts.add("image=" + fromImage.id());
        }
        Digest key = key(opts.link() ? Digest.sha256("link") : st.key, verb + " 2", parts);
        // the steps after a --link copy still depend on the base
        Digest stateKey = opts.link() ? key(st.key, "LINK", List.of(key.toString())) : key;
        List<String> named = new ArrayList<>(sources);
        opts.downloads().forEach(d -> named.add(d.url()));
        inline.forEach(d -> named.add("<<" + d.path()));
        String createdBy = verb + " " + String.join(" ", named) + " " + dest;
        Optional<BuildCache.Entry> hit = lookup(key);
        if (hit.isPresent()) {
            return new StepOutcome(stateKey, hit.get(), true, createdBy);
        }
        Path sparse = null;
        Path tree = images.root().createTempDirectory("build-copy");
        boolean lent = false;
        try {
            if (src == null) {
                LayerStack fromStack = fromStage.isPresent() ? stack(built.get(fromStage.get().index()))
                        : files.stack(fromImage.manifest().layers(), fromImage.config().diffIds());
                sparse = images.root().createTempDirectory("build-from");    // deleted at the end, used or not
                Path linked = StageFiles.sparseSources(fromStack, sources, sparse);
                Path root = linked != null ? linked
                        : fromStage.isPresent() ? rootfs(built.get(fromStage.get().index())) : snapshots.rootfs(fromImage);
                src = new CopyTree(root, DockerIgnore.EMPTY);
                expandSources(src.excluding(excludes), where(in) + ": " + shown, sources, matched, kept);
            }
            LayerStack existing = stack(st);
            String destAbs = dest.startsWith("/") ? dest : absolute(st.config.workingDir(), dest) + (dest.endsWith("/") ? "/" : "");
            boolean destIsDir = dest.endsWith("/") || dest.endsWith("/.") || dest.equals(".") || opts.parents();
            if (matched.size() + inline.size() + opts.downloads().size() > 1 && !destIsDir) {
                throw new BuildException(where(in) + ": " + shown + ": when using " + verb + " with more than one source file, "
                        + "the destination must be a directory and end with a /");
            }
            // --link: the layer must not depend on what is below it, so the image's files are not looked at
            CopyTree.Lookup below = opts.link() ? r -> null : existing::find;
            // the destination follows symbolic links in the image (e.g. /bin -> usr/bin), as BuildKit does
            String rel = opts.link() ? CopyTree.clean(destAbs) : existing.resolveLinks(CopyTree.clean(destAbs));
            if (!destIsDir && !rel.isEmpty() && isDirectory(below.find(rel))) {
                destIsDir = true;   // a file copied onto an existing directory goes into it, as BuildKit does
            }
            for (String m : matched) {
                Path p = src.resolve(m);
                String target;
                if (verb.equals("ADD") && isArchive(p)) {
                    CopyTree.mkdirsOver(tree, rel, below);
                    try (InputStream archive = Archives.decompress(Files.newInputStream(p))) {
                        LayerApplier.create().apply(archive, rel.isEmpty() ? tree : tree.resolve(rel));
                    } catch (LayerException e) {
                        throw new BuildException(where(in) + ": " + shown + ": cannot extract " + m + ": " + e.getMessage(), e);
                    }
                    continue;
                }
                if (opts.parents()) {
                    String keep = kept.get(m);
                    target = keep.isEmpty() ? rel : rel.isEmpty() ? keep : rel + "/" + keep;
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {   // p is the source, its links followed
                    target = rel;
                    if (!rel.isEmpty() && isDirectory(below.find(rel))) {
                        CopyTree.mkdirsOver(tree, rel, below);
                    }
                } else {
                    String baseName = m.isEmpty() ? "" : m.substring(m.lastIndexOf('/') + 1);
                    target = destIsDir ? (rel.isEmpty() ? baseName : rel + "/" + baseName) : rel;
                }
                int slash = target.lastIndexOf('/');
                // parents the step creates belong to the --chown owner, as in Docker
                CopyTree.mkdirsOver(tree, slash < 0 ? "" : target.substring(0, slash), below, uid, gid);
                src.copy(m, target.isEmpty() ? tree : tree.resolve(target), uid, gid, mode);
            }
            for (Instruction.InlineSource doc : inline) {
                String target = destIsDir ? (rel.isEmpty() ? doc.path() : rel + "/" + doc.path()) : rel;
                int slash = target.lastIndexOf('/');
                CopyTree.mkdirsOver(tree, slash < 0 ? "" : target.substring(0, slash), below, uid, gid);
                Path f = tree.resolve(target);
                Files.deleteIfExists(f);    // it may be a hard link to a context file (see CopyTree.linkingUnchanged)
                Files.writeString(f, doc.data(), StandardCharsets.UTF_8);
                CopyTree.setMeta(f, uid, gid, mode.apply(0644, false));
            }
            for (RemoteSources.Download d : opts.downloads()) {
                if (Files.isDirectory(d.file(), LinkOption.NOFOLLOW_LINKS)) {  // a git repository's files
                    CopyTree.mkdirsOver(tree, rel, below);
                    new CopyTree(d.file(), DockerIgnore.EMPTY).copy("", rel.isEmpty() ? tree : tree.resolve(rel),
                            uid, gid, mode);
                    continue;
                }
                // a downloaded file is 0600 unless --chmod says otherwise, and has the server's time, as in Docker
                String target = destIsDir ? (rel.isEmpty() ? d.name() : rel + "/" + d.name()) : rel;
                int slash = target.lastIndexOf('/');
                CopyTree.mkdirsOver(tree, slash < 0 ? "" : target.substring(0, slash), below, uid, gid);
                Path f = tree.resolve(target);
                Files.copy(d.file(), f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                CopyTree.setMeta(f, uid, gid, mode.apply(0600, false));
                if (d.lastModified() != null) {
                    Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(d.lastModified()));
                }
            }
            BuildCache.Entry entry = writeLayer(out -> layerWriter().writeTree(tree, out));
            // the key was computed before the copy: a context file changed since may be in the layer, which the
            // key must then not name (a build with the old content would get the new)
            List<Path> changed = hashed == null ? List.of() : hashed.changed(src.linkedSources());
            if (src.linkedAny()) {
                files.lend(entry, tree, src.linkedSources());    // shares files with the context: this build only
                lent = true;
            } else {
                files.keep(entry, tree);
            }
            if (changed.isEmpty()) {
                cache.store(key, entry);
            } else {
                String first = req.contextDir().relativize(changed.get(0)).toString();
                progress.println("#" + n + " not cached: " + (first.isEmpty() ? "the build context" : first)
                        + (changed.size() > 1 ? " and " + (changed.size() - 1) + " more" : "")
                        + " changed while the step copied it");
            }
            return new StepOutcome(stateKey, entry, false, createdBy);
        } finally {
            if (!lent) {
                deleteTree(tree);
            }
            deleteTree(sparse);
        }
    }

    /** Expands each of {@code sources} in {@code src} into {@code matched}, with the path --parents keeps in {@code kept}. */
    private static void expandSources(CopyTree src, String at, List<String> sources, List<String> matched,
                                      Map<String, String> kept) throws BuildException, IOException {
        for (String s : sources) {
            List<String> m = src.expand(at, s);
            matched.addAll(m);
            m.forEach(x -> kept.put(x, CopyOptions.parentsPath(s, x)));
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isDirectory(Path p) {
        return p != null && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    }

    /** Whether {@code p} is a tar archive, plain or compressed (gzip, bzip2, xz, zstd), which ADD unpacks. */
    private static boolean isArchive(Path p) {
        return Archives.isArchive(p);
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    try {
                        Files.setAttribute(d, "unix:mode", 0700);
                    } catch (IOException ignored) {
                        // best effort
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // a leftover temporary directory is removed with the root's tmp directory
        }
    }

    /** Forwards a RUN's output to the progress stream, line by line with a prefix, and keeps its last lines. */
    private static final class TailOutput extends OutputStream {
        private final PrintStream sink;
        private final String prefix;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private final java.util.ArrayDeque<String> last = new java.util.ArrayDeque<>();

        TailOutput(PrintStream sink, String prefix) {
            this.sink = sink;
            this.prefix = prefix;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                emit();
            } else {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        private void emit() {
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            sink.println(prefix + s);
            last.addLast(s);
            while (last.size() > 10) {
                last.removeFirst();
            }
        }

        @Override
        public synchronized void flush() {
            if (line.size() > 0) {
                emit();
            }
            sink.flush();
        }

        synchronized String tail() {
            return String.join("\n", last);
        }
    }
}
