package dev.hoist.cli;

import dev.hoist.builder.BuildRequest;
import dev.hoist.builder.BuildResult;
import dev.hoist.builder.BuildOutputs;
import dev.hoist.builder.BuildSecret;
import dev.hoist.builder.Builder;
import dev.hoist.builder.ContextSources;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Reference;
import dev.hoist.registry.client.ProgressListener;
import dev.hoist.registry.client.RegistryClient;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.runtime.NetworkMode;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code hoist build}: an image from a Dockerfile and a context, with Docker's command line. */
final class BuildCommand implements Command {
    @Override
    public String name() {
        return "build";
    }

    @Override
    public String usage() {
        return "PATH | -";
    }

    @Override
    public String summary() {
        return "Build an image from a Dockerfile (every RUN in a short-lived container; every step cached by content)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.list("-t, --tag", "NAME[:TAG]", "Name and optionally a tag for the image"),
                OptionSpec.value("-f, --file", "FILE", "Name of the Dockerfile (default PATH/Dockerfile; - reads it from stdin)"),
                OptionSpec.list("--build-arg", "NAME[=VALUE]", "Set a build-time variable (NAME alone takes the value from the environment)"),
                OptionSpec.value("--target", "STAGE", "Build up to this stage"),
                OptionSpec.flag("--no-cache", "Do not use the build cache"),
                OptionSpec.list("--label", "KEY=VALUE", "Set metadata for the image"),
                OptionSpec.value("--network", "default|none|host", "The network RUN steps get: default is a private network with outbound access (slirp4netns; none when it is not installed), none only loopback, host the host's"),
                OptionSpec.value("--progress", "auto|plain|tty|quiet", "How to show progress on stderr: tty redraws each step with its output's tail, plain prints lines (auto: tty on a terminal)"),
                OptionSpec.value("--iidfile", "FILE", "Write the image ID to the file"),
                OptionSpec.value("--metadata-file", "FILE", "Write the build's result (image digest and names) to the file, as JSON"),
                OptionSpec.flag("--pull", "Always pull the base images, even those in the local store"),
                OptionSpec.list("--secret", "id=ID[,src=FILE|env=VAR]", "A secret for RUN --mount=type=secret (never stored in the image or the cache)"),
                OptionSpec.list("--ssh", "default|ID[=SOCKET]", "An SSH agent socket for RUN --mount=type=ssh (default: $SSH_AUTH_SOCK)"),
                OptionSpec.list("-o, --output", "type=TYPE[,dest=PATH][,KEY=VALUE]", "Also write the image: type=oci|docker (a tar: dest=FILE, or - for standard output; type=oci,tar=false: dest=DIR), type=local,dest=DIR (the root filesystem), type=image|registry (name=NAME tags, and pushes, the image besides -t); name=NAME names the image in a tar"),
                OptionSpec.flag("--push", "Push the image to its registry under each -t name"),
                OptionSpec.value("--platform", "OS/ARCH", "The platform to build for (only this machine's platform is supported)"),
                OptionSpec.flag("-q, --quiet", "Suppress the build output and print the image ID on success"));
    }

    @Override
    public int[] arity() {
        return new int[] {1, 1};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        String contextArg = args.positionals().get(0);
        String file = args.value("file");
        boolean contextFromStdin = contextArg.equals("-");
        if (contextFromStdin && "-".equals(file)) {
            throw new UsageException("invalid argument: can't use stdin for both build context and dockerfile");
        }
        Path context = contextFromStdin ? null : Path.of(contextArg);
        if (context != null && !Files.isDirectory(context)) {
            throw new UsageException("unable to prepare context: path \"" + contextArg + "\" not found or not a directory");
        }
        String progressMode = args.value("progress", "auto");
        if (!List.of("auto", "plain", "tty", "quiet", "rawjson").contains(progressMode)) {
            throw new UsageException("invalid --progress " + progressMode + ": use auto, plain, tty or quiet");
        }
        List<BuildOutputs.Output> outputs = new ArrayList<>();
        boolean toStandardOutput = false;
        for (String o : args.values("output")) {
            BuildOutputs.Output output;
            try {
                output = BuildOutputs.Output.parse(o);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            if (output.toStandardOutput()) {
                if (toStandardOutput) {
                    throw new UsageException("--output: more than one output writes to standard output");
                }
                if (ctx.terminal) {
                    throw new UsageException("--output " + o + " writes a tar to standard output, which is a terminal:"
                            + " give dest=FILE or redirect");
                }
                toStandardOutput = true;
            }
            outputs.add(output);
        }
        boolean push = args.flag("push");
        // the image's names: -t, and name= of type=image|registry outputs, as buildx takes them
        List<String> tags = new ArrayList<>(args.values("tag"));
        for (BuildOutputs.Output o : outputs) {
            push |= o.push();
            if (o.type() == BuildOutputs.Type.IMAGE || o.type() == BuildOutputs.Type.REGISTRY) {
                o.names().stream().filter(n -> !tags.contains(n)).forEach(tags::add);
            }
        }
        if (push && tags.isEmpty()) {
            throw new UsageException("--push needs a name to push to: give it with -t REGISTRY/REPOSITORY:TAG"
                    + " (or name= in --output type=image|registry)");
        }
        for (String t : tags) {
            dev.hoist.cache.image.LocalImages.normaliseName(t);
        }
        try (ContextSources.StreamContext stdin = contextFromStdin
                ? ContextSources.fromStream(ctx.in, ctx.images().root()) : null) {
            Path dir = stdin != null ? stdin.dir() : context.toAbsolutePath();
            BuildRequest.Builder req = BuildRequest.builder(dir);
            if (stdin != null && stdin.dockerfile() != null) {
                req.dockerfileBytes(stdin.dockerfile());     // docker build - < Dockerfile: no context
            } else if ("-".equals(file)) {
                req.dockerfileBytes(ctx.in.readAllBytes());
            } else if (file != null) {
                // in a context from stdin, -f names a file inside it
                req.dockerfile(stdin != null ? dir.resolve(file).normalize() : Path.of(file).toAbsolutePath());
            }
            Map<String, String> buildArgs = buildArgs(ctx, args);
            for (Map.Entry<String, String> a : buildArgs.entrySet()) {
                req.buildArg(a.getKey(), a.getValue());
            }
            String epoch = ctx.env.get("SOURCE_DATE_EPOCH");
            if (epoch != null && !epoch.isEmpty() && !buildArgs.containsKey("SOURCE_DATE_EPOCH")) {
                req.buildArg("SOURCE_DATE_EPOCH", epoch);   // as docker buildx passes it on (its toSolveOpt)
            }
            configure(ctx, args, tags, req, progressMode);
            req.sourceDateEpoch(buildTime(ctx, buildArgs, dir));
            return build(ctx, args, req, outputs, push);
        }
    }

    private void configure(Context ctx, Args args, List<String> tags, BuildRequest.Builder req, String progressMode)
            throws UsageException {
        for (String t : tags) {
            req.tag(t);
        }
        for (String l : args.values("label")) {
            int eq = l.indexOf('=');
            req.label(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
        }
        if (args.value("target") != null) {
            req.target(args.value("target"));
        }
        req.noCache(args.flag("no-cache"));
        req.pull(args.flag("pull"));
        String network = args.value("network", "default");
        switch (network) {
            case "default" -> req.network(null);   // private when slirp4netns is installed, else none
            case "none", "host" -> req.network(NetworkMode.parse(network));
            default -> throw new UsageException("invalid --network " + network + ": use default, none or host");
        }
        if (args.value("platform") != null) {
            req.platform(args.value("platform"));
        }
        for (String s : args.values("secret")) {
            req.secret(secret(ctx, s));
        }
        for (String s : args.values("ssh")) {
            int eq = s.indexOf('=');
            String id = eq < 0 ? s : s.substring(0, eq);
            String socket = eq < 0 ? ctx.env.get("SSH_AUTH_SOCK") : s.substring(eq + 1);
            if (socket == null || socket.isEmpty()) {
                throw new UsageException("--ssh " + s + ": SSH_AUTH_SOCK is not set; start ssh-agent, or give the socket"
                        + " with --ssh " + id + "=PATH");
            }
            if (socket.contains(",") || !Files.exists(Path.of(socket)) || Files.isRegularFile(Path.of(socket))) {
                throw new UsageException("--ssh " + s + ": " + socket + " is not an agent socket; hoist forwards an"
                        + " ssh-agent socket only (add keys to the agent with ssh-add)");
            }
            req.sshSocket(id, Path.of(socket));
        }
        boolean quiet = args.flag("quiet") || "quiet".equals(progressMode);
        if (quiet) {
            req.progress(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        } else if (progressMode.equals("tty") || (progressMode.equals("auto") && ctx.terminal)) {
            int columns = 80;
            try {
                columns = Integer.parseInt(ctx.env.getOrDefault("COLUMNS", "80").trim());
            } catch (NumberFormatException e) {
                // the default width
            }
            req.progress(new PrintStream(new TtyProgress(ctx.err, columns, System::nanoTime, true), true, StandardCharsets.UTF_8));
        } else {
            req.progress(ctx.err);
        }
    }

    /** {@code id=ID[,src=FILE|,env=VAR]} as buildx reads it: neither src nor env means env ID if set, else file ID. */
    static BuildSecret secret(Context ctx, String spec) throws UsageException {
        String id = null;
        String src = null;
        String env = null;
        for (String field : spec.split(",")) {
            int eq = field.indexOf('=');
            String key = eq < 0 ? field : field.substring(0, eq);
            String value = eq < 0 ? "" : field.substring(eq + 1);
            switch (key) {
                case "id" -> id = value;
                case "src", "source" -> src = value;
                case "env" -> env = value;
                case "type" -> {
                    if (!value.equals("file") && !value.equals("env")) {
                        throw new UsageException("--secret " + spec + ": type must be file or env");
                    }
                }
                default -> throw new UsageException("--secret " + spec + ": unexpected key \"" + key
                        + "\"; use id=ID,src=FILE or id=ID,env=VARIABLE");
            }
        }
        if (id == null || id.isEmpty()) {
            id = src != null ? Path.of(src).getFileName().toString() : env;
        }
        if (id == null || id.isEmpty()) {
            throw new UsageException("--secret " + spec + ": give the secret an id (id=ID)");
        }
        if (src == null && env == null) {
            if (ctx.env.containsKey(id)) {
                env = id;
            } else {
                src = id;
            }
        }
        if (env != null) {
            String v = ctx.env.get(env);
            if (v == null) {
                throw new UsageException("--secret " + spec + ": the environment variable " + env + " is not set");
            }
            return BuildSecret.ofValue(id, v.getBytes(StandardCharsets.UTF_8));
        }
        Path p = Path.of(src);
        if (!Files.isReadable(p) || Files.isDirectory(p)) {
            throw new UsageException("--secret " + spec + ": cannot read the file " + src);
        }
        return BuildSecret.ofFile(id, p.toAbsolutePath());
    }

    /** The proxies the environment names, for ADD's downloads; a malformed variable is a usage error. */
    static dev.hoist.registry.client.ProxyEnvironment proxies(Context ctx) throws UsageException {
        try {
            return dev.hoist.registry.client.ProxyEnvironment.of(ctx.env);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** How long a signalled build may take to stop its step and clean up before the JVM halts anyway. */
    private static final int STOP_WAIT_SECONDS = 20;

    private int build(Context ctx, Args args, BuildRequest.Builder req, List<BuildOutputs.Output> outputs, boolean push)
            throws Exception {
        boolean quiet = args.flag("quiet") || "quiet".equals(args.value("progress"));
        // whether it can run containers here is asked only when a RUN step must run (a non-root user can build
        // images without RUN, and a cached build never asks)
        ContainerRuntime runtime = new ContainerRuntime(ctx.images().root().path());
        BuildResult result;
        // On SIGTERM or SIGINT the JVM runs its shutdown hooks and then halts, finally blocks or not: this one
        // interrupts the build, as a cancelled build is (the running step's container is killed, its temporary
        // directories removed, the error said), and holds the exit until the build has let go.
        Thread building = Thread.currentThread();
        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Thread stopper = new Thread(new Runnable() {   // not a lambda: CONTRIBUTING.md, "Start-up paths"
            @Override
            public void run() {
                stopping.set(true);
                building.interrupt();
                try {
                    finished.await(STOP_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    // exit now
                }
            }
        }, "hoist-build-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try (OnDemand client = new OnDemand(ctx)) {
            result = Builder.builder(ctx.images(), runtime, null).registryOnDemand(client).proxies(proxies(ctx)).build()
                    .build(req.build());
            BuildOutputs writer = new BuildOutputs(ctx.images());
            for (BuildOutputs.Output o : outputs) {
                writer.write(o, result.image(), result.tags(), ctx.out);
            }
            if (push) {
                try (RegistryClient pusher = RegistryClientCommands.client(ctx,
                        quiet ? ProgressListener.NONE : new ProgressPrinter(ctx.err, "Pushed"))) {
                    for (String t : result.tags()) {
                        Descriptor d = pusher.push(result.image(), Reference.parse(t));
                        if (!quiet) {
                            ctx.err.println("pushed " + Reference.parse(t).familiarString() + "@" + d.digest());
                        }
                    }
                }
            }
        } catch (Exception e) {
            if (!stopping.get()) {
                throw e;
            }
            // the JVM halts once the latch below is counted down: say why now, as Main would have
            ctx.err.println(Main.errorLine("build", e));
            ctx.err.flush();
            return Main.FAILED;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that the build has let go
            }
        }
        String id = result.id().toString();
        if (args.value("iidfile") != null) {
            Files.writeString(Path.of(args.value("iidfile")), id);
        }
        if (args.value("metadata-file") != null) {
            Files.writeString(Path.of(args.value("metadata-file")), metadata(result));
        }
        // when standard output carries a tar, the summary goes to standard error
        PrintStream summary = ctx.out;
        for (BuildOutputs.Output o : outputs) {
            if (o.toStandardOutput()) {
                summary = ctx.err;
            }
        }
        if (quiet) {
            summary.println(id);
        } else {
            summary.println("Successfully built " + result.id().shortHex());
            for (String t : result.tags()) {
                summary.println("Successfully tagged " + Reference.parse(t).familiarString());
            }
        }
        return Main.OK;
    }

    /** The registry client for base images, made on first use (a build from local images needs none); thread-safe. */
    private static final class OnDemand implements java.util.function.Supplier<RegistryClient>, AutoCloseable {
        private final Context ctx;
        private RegistryClient client;

        OnDemand(Context ctx) {
            this.ctx = ctx;
        }

        @Override
        public synchronized RegistryClient get() {
            if (client == null) {
                client = RegistryClientCommands.client(ctx, ProgressListener.NONE);
            }
            return client;
        }

        @Override
        public synchronized void close() {
            if (client != null) {
                client.close();
            }
        }
    }

    /** The metadata file, with BuildKit's keys for what hoist knows. */
    static String metadata(BuildResult result) {
        Descriptor target = result.target();
        return "{\n"
                + "  \"containerimage.config.digest\": \"" + result.id() + "\",\n"
                + "  \"containerimage.descriptor\": {\"mediaType\": \"" + target.mediaType() + "\", \"digest\": \""
                + target.digest() + "\", \"size\": " + target.size() + "},\n"
                + "  \"containerimage.digest\": \"" + target.digest() + "\",\n"
                + "  \"image.name\": \"" + String.join(",", result.tags()).replace("\"", "") + "\"\n"
                + "}\n";
    }

    /** The {@code --build-arg}s: {@code NAME=value}, or {@code NAME} for the environment's value when it has one. */
    private static Map<String, String> buildArgs(Context ctx, Args args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String a : args.values("build-arg")) {
            int eq = a.indexOf('=');
            if (eq < 0) {
                String v = ctx.env.get(a);
                if (v != null) {
                    out.put(a, v);
                }
            } else {
                out.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        return out;
    }

    /**
     * The build's one timestamp, as DESIGN.md fixes it: SOURCE_DATE_EPOCH, else the last commit time when the
     * context is in a git repository, else the epoch. SOURCE_DATE_EPOCH is the build arg when given (BuildKit's
     * reproducibility setting; empty, it sets none), else the environment variable, as docker buildx passes the
     * variable on only when no build arg names it.
     */
    static Instant buildTime(Context ctx, Map<String, String> buildArgs, Path context) throws UsageException {
        boolean fromArg = buildArgs.containsKey("SOURCE_DATE_EPOCH");
        String s = fromArg ? buildArgs.get("SOURCE_DATE_EPOCH") : ctx.env.get("SOURCE_DATE_EPOCH");
        if (s != null && !s.isBlank()) {
            try {
                return Instant.ofEpochSecond(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                throw new UsageException((fromArg ? "--build-arg " : "") + "SOURCE_DATE_EPOCH must be seconds since 1970,"
                        + " got \"" + s + "\"");
            }
        }
        if (!inGitWorkTree(context)) {
            return Instant.EPOCH;   // no git process to start (it costs a warm build ~15 ms)
        }
        try {
            Process git = new ProcessBuilder("git", "-C", context.toString(), "log", "-1", "--format=%ct")
                    .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (git.waitFor(5, TimeUnit.SECONDS) && git.exitValue() == 0 && !out.isEmpty()) {
                return Instant.ofEpochSecond(Long.parseLong(out));
            }
        } catch (Exception e) {
            // no git, or not a repository: the fixed epoch
        }
        return Instant.EPOCH;
    }

    /** Whether {@code dir} or a directory above it has a {@code .git} (a directory, or a file for a worktree). */
    private static boolean inGitWorkTree(Path dir) {
        for (Path d = dir.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
            if (java.nio.file.Files.exists(d.resolve(".git"))) {
                return true;
            }
        }
        return false;
    }
}
