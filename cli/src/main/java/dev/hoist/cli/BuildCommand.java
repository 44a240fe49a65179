package dev.hoist.cli;

import dev.hoist.builder.BuildRequest;
import dev.hoist.builder.BuildResult;
import dev.hoist.builder.Builder;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code hoist build}: an image from a Dockerfile and a context, with Docker's command line. */
final class BuildCommand implements Command {
    @Override
    public String name() {
        return "build";
    }

    @Override
    public String usage() {
        return "PATH";
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
                OptionSpec.value("--network", "none|host|default", "The network RUN steps get (default: none; host shares the host's)"),
                OptionSpec.value("--progress", "auto|plain|tty|quiet", "How to show progress (plain lines on stderr; quiet shows none)"),
                OptionSpec.value("--iidfile", "FILE", "Write the image ID to the file"),
                OptionSpec.flag("--pull", "Always pull the base images (pulls only missing ones for now; accepted for Docker compatibility)"),
                OptionSpec.flag("-q, --quiet", "Suppress the build output and print the image ID on success"));
    }

    @Override
    public int[] arity() {
        return new int[] {1, 1};
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        String contextArg = args.positionals().get(0);
        if (contextArg.equals("-")) {
            throw new UsageException("a context from stdin is not supported yet; give a directory (the Dockerfile may come from stdin with -f -)");
        }
        Path context = Path.of(contextArg);
        if (!Files.isDirectory(context)) {
            throw new UsageException("unable to prepare context: path \"" + contextArg + "\" not found or not a directory");
        }
        BuildRequest.Builder req = BuildRequest.builder(context.toAbsolutePath());
        String file = args.value("file");
        if ("-".equals(file)) {
            req.dockerfileBytes(ctx.in.readAllBytes());
        } else if (file != null) {
            req.dockerfile(Path.of(file).toAbsolutePath());
        }
        for (String t : args.values("tag")) {
            dev.hoist.cache.image.LocalImages.normaliseName(t);
            req.tag(t);
        }
        for (String a : args.values("build-arg")) {
            int eq = a.indexOf('=');
            if (eq < 0) {
                String v = ctx.env.get(a);
                if (v != null) {
                    req.buildArg(a, v);
                }
            } else {
                req.buildArg(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        for (String l : args.values("label")) {
            int eq = l.indexOf('=');
            req.label(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
        }
        if (args.value("target") != null) {
            req.target(args.value("target"));
        }
        req.noCache(args.flag("no-cache"));
        String network = args.value("network", "none");
        req.network(network.equals("default") ? NetworkMode.NONE : NetworkMode.parse(network));
        boolean quiet = args.flag("quiet") || "quiet".equals(args.value("progress"));
        req.progress(quiet ? new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8) : ctx.err);
        req.sourceDateEpoch(buildTime(ctx, context));

        ContainerRuntime runtime = ContainerRuntime.supported() ? new ContainerRuntime(ctx.images().root().path()) : null;
        BuildResult result;
        try (RegistryClient client = RegistryClientCommands.client(ctx, ProgressListener.NONE)) {
            result = Builder.builder(ctx.images(), runtime, client).build().build(req.build());
        }
        String id = result.image().id().toString();
        if (args.value("iidfile") != null) {
            Files.writeString(Path.of(args.value("iidfile")), id);
        }
        if (quiet) {
            ctx.out.println(id);
        } else {
            ctx.out.println("Successfully built " + result.image().id().shortHex());
            for (String t : result.tags()) {
                ctx.out.println("Successfully tagged " + dev.hoist.oci.Reference.parse(t).familiarString());
            }
        }
        return Main.OK;
    }

    /**
     * The build's one timestamp, as DESIGN.md fixes it: SOURCE_DATE_EPOCH, else the last commit time when the
     * context is in a git repository, else the epoch.
     */
    static Instant buildTime(Context ctx, Path context) throws UsageException {
        String s = ctx.env.get("SOURCE_DATE_EPOCH");
        if (s != null && !s.isBlank()) {
            try {
                return Instant.ofEpochSecond(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                throw new UsageException("SOURCE_DATE_EPOCH must be seconds since 1970, got \"" + s + "\"");
            }
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
}
