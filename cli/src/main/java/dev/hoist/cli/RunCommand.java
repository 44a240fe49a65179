package dev.hoist.cli;

import dev.hoist.cache.FileTrees;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.Snapshots;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.runtime.ContainerException;
import dev.hoist.runtime.ContainerInfo;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.runtime.ContainerSetupException;
import dev.hoist.runtime.ContainerSpec;
import dev.hoist.runtime.ExitStatus;
import dev.hoist.runtime.Limits;
import dev.hoist.runtime.Mount;
import dev.hoist.runtime.NetworkMode;
import dev.hoist.runtime.ProcessSpecs;
import dev.hoist.runtime.RunningContainer;
import dev.hoist.runtime.Signals;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code hoist run IMAGE [CMD...]}: runs an image as a container, as {@code docker run} does, on an overlay of the
 * image's unpacked layers with a writable layer of its own ({@code container-layers/<id>}, removed with the
 * container); in the foreground it exits with the container's status. Like Docker's, every container has a state
 * and a name, so that {@code ps}, {@code exec}, {@code stop} and {@code inspect} reach it from another shell. A failure
 * before the container's command runs exits with {@code docker run}'s codes: 125, or 127 / 126 when the command is
 * not found / cannot be executed.
 */
final class RunCommand implements Command {
    @Override
    public String name() {
        return "run";
    }

    @Override
    public String usage() {
        return "IMAGE [COMMAND] [ARG...]";
    }

    @Override
    public String summary() {
        return "Run a command in a new container";
    }

    @Override
    public boolean stopAtFirstPositional() {
        return true;
    }

    @Override
    public int[] arity() {
        return new int[] {1, -1};
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.flag("--rm", "Automatically remove the container when it exits"),
                OptionSpec.flag("-d, --detach", "Run the container in the background and print its ID (see hoist ps, logs, stop, rm)"),
                OptionSpec.value("--name", "NAME", "Assign a name to the container (default: a generated one)"),
                OptionSpec.list("-e, --env", "NAME=VALUE", "Set environment variables (NAME alone takes the value from hoist's environment)"),
                OptionSpec.list("--env-file", "FILE", "Read environment variables from a file, one NAME=VALUE a line"),
                OptionSpec.value("-w, --workdir", "DIR", "Working directory inside the container (created if missing)"),
                OptionSpec.value("-u, --user", "USER[:GROUP]", "Username or UID, and optionally group or GID"),
                OptionSpec.value("-h, --hostname", "NAME", "Container host name (default: the first 12 characters of its ID)"),
                OptionSpec.list("-v, --volume", "HOST:CONTAINER[:ro]", "Bind mount a file or directory"),
                OptionSpec.list("--tmpfs", "DIR[:OPTIONS]", "Mount a tmpfs"),
                OptionSpec.value("--network", "private|bridge|default|none|host", "Network: private (also bridge, default: its own network with outbound access through slirp4netns; the default when slirp4netns is installed, else none), none (only loopback) or host"),
                OptionSpec.value("-m, --memory", "BYTES", "Memory limit, e.g. 64m, 1g"),
                OptionSpec.value("--memory-swap", "BYTES", "Memory plus swap limit; -1 for unlimited swap"),
                OptionSpec.value("--cpus", "N", "Number of CPUs, e.g. 0.5"),
                OptionSpec.value("--cpu-shares", "N", "CPU shares (relative weight)"),
                OptionSpec.value("--pids-limit", "N", "Limit on the number of processes"),
                OptionSpec.flag("--read-only", "Mount the container's root filesystem read-only"),
                OptionSpec.flag("--init", "Run a small init as PID 1 that forwards signals and reaps zombies"),
                OptionSpec.flag("-i, --interactive", "Keep STDIN open (otherwise the container reads nothing)"),
                OptionSpec.flag("-t, --tty", "Allocate a pseudo-terminal in the container, relayed with this one (raw mode with -i)"),
                OptionSpec.value("--entrypoint", "CMD", "Overwrite the default ENTRYPOINT of the image (\"\" clears it)"),
                OptionSpec.value("--stop-signal", "SIGNAL", "Signal to stop the container (default: the image's STOPSIGNAL, else SIGTERM)"),
                OptionSpec.value("--stop-timeout", "SECONDS", "Seconds to wait after the stop signal before SIGKILL when hoist ends first (default 10)"));
    }

    @Override
    public int run(Context ctx, Args args) throws Exception {
        if (!ContainerRuntime.supported()) {
            throw new IllegalStateException("running containers needs Linux and root (namespaces, overlay mounts and cgroups)");
        }
        NetworkMode network = network(ctx, args);
        List<String> positionals = args.positionals();
        Image image = ctx.images().resolve(positionals.get(0));
        List<String> command = positionals.subList(1, positionals.size());
        ContainerConfig config = image.config().config();
        List<String> entrypoint = args.value("entrypoint") == null ? null
                : (args.value("entrypoint").isEmpty() ? List.of("") : List.of(args.value("entrypoint")));
        List<String> argv;
        try {
            argv = ProcessSpecs.command(config, entrypoint, command);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String id = ContainerSpec.randomId();
        String hostname = args.value("hostname") != null ? args.value("hostname") : ContainerSpec.defaultHostname(id, network);
        List<String> env = new ArrayList<>();
        for (String file : args.values("env-file")) {
            for (String line : Files.readAllLines(Path.of(file))) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    env.add(withHostValue(ctx, l));
                }
            }
        }
        for (String e : args.values("env")) {
            env.add(withHostValue(ctx, e));
        }
        Limits limits = Limits.NONE;
        if (args.value("memory") != null) {
            limits = limits.withMemory(Limits.parseBytes(args.value("memory")));
        }
        if (args.value("cpus") != null) {
            limits = limits.withCpus(cpus(args.value("cpus")));
        }
        if (args.value("pids-limit") != null) {
            long pids = Long.parseLong(args.value("pids-limit"));
            limits = limits.withPidsLimit(Math.max(pids, 0));   // 0 or -1: unlimited, as in Docker
        }
        if (args.value("memory-swap") != null || args.value("cpu-shares") != null) {
            long swap = args.value("memory-swap") == null ? limits.memorySwapBytes()
                    : (args.value("memory-swap").equals("-1") ? -1 : Limits.parseBytes(args.value("memory-swap")));
            int shares = args.value("cpu-shares") == null ? limits.cpuShares() : Integer.parseInt(args.value("cpu-shares"));
            limits = new Limits(limits.memoryBytes(), swap, limits.cpus(), shares, limits.pidsLimit());
        }
        boolean tty = args.flag("tty");
        boolean interactive = args.flag("interactive");
        if (tty && interactive && ctx.standardStreams && !stdinIsTerminal()) {
            // the container would wait on a terminal nobody types into
            throw new UsageException("the input device is not a TTY: drop -t, or run hoist from a terminal");
        }
        boolean detach = args.flag("detach");
        int stopTimeout = Integer.parseInt(args.value("stop-timeout", "10"));
        // The writable layer: container-layers/<id>, made once everything is parsed, removed with the container.
        Path dir = ContainerCommands.layersDirectory(ctx, id);
        ContainerSpec.Builder spec = ContainerSpec.builder()
                .id(id)
                .overlay(List.of(new Snapshots(ctx.images()).rootfs(image)), dir.resolve("upper"), dir.resolve("work"))
                .argv(argv)
                .env(ProcessSpecs.environment(config, env, hostname, tty))
                .cwd(args.value("workdir") != null ? args.value("workdir")
                        : (config.workingDir() == null || config.workingDir().isEmpty() ? "/" : config.workingDir()))
                .hostname(hostname)
                .network(network)
                .limits(limits)
                .readOnly(args.flag("read-only"))
                .init(args.flag("init"))
                .tty(tty)
                .volatileUpper(args.flag("rm"))   // as podman run --rm: what the container writes goes with it
                .stopSignal(stopSignal(args.value("stop-signal"), config.stopSignal()));
        String user = args.value("user") != null ? args.value("user") : config.user();
        if (user != null && !user.isEmpty()) {
            spec.user(user);
        }
        try {
            for (String v : args.values("volume")) {
                Mount volume = Mount.parseVolume(v);
                if (Files.notExists(volume.source(), LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(volume.source());   // as docker run -v (not --mount) does
                }
                spec.addMount(volume);
            }
            for (String t : args.values("tmpfs")) {
                spec.addMount(Mount.parseTmpfs(t));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        ContainerSpec built = spec.build();
        ContainerInfo info = new ContainerInfo(args.value("name"), positionals.get(0), image.id().toString(),
                orNull(entrypoint != null ? (entrypoint.get(0).isEmpty() ? null : entrypoint) : config.entrypoint()),
                orNull(!command.isEmpty() ? command : (entrypoint != null ? null : config.cmd())),
                config.labels(), args.flag("rm"), dir);
        ContainerRuntime runtime = new ContainerRuntime(ctx.images().root().path());
        runtime.pruneOrphans();   // containers to be removed whose remover was killed
        Files.createDirectories(built.upperDir());
        Files.createDirectories(built.workDir());
        if (detach) {
            try {
                RunningContainer container = runtime.runDetached(built, info);
                ctx.out.println(container.id());
                return Main.OK;
            } catch (ContainerException e) {
                return failed(ctx, e, dir);
            }
        }
        ExitStatus status;
        // In a process of its own, the container gets hoist's standard streams as they are (no copying through the
        // JVM); in-process (tests, embedding) its output is copied to the context's streams.
        ctx.out.flush();
        ctx.err.flush();
        // as docker run --sig-proxy: hoist's signals go to the container (in-process, the caller's are its own)
        SignalProxy signals = ctx.standardStreams ? SignalProxy.install(tty) : null;
        try (RunningContainer container = ctx.standardStreams
                ? runtime.runInherited(built, interactive, info)
                : runtime.run(built, info, ctx.out, ctx.err, interactive ? ctx.in : null)) {
            Thread stopper = new Thread(new Runnable() {   // not a lambda: CONTRIBUTING.md, "Start-up paths"
                @Override
                public void run() {
                    try {
                        container.stop(java.time.Duration.ofSeconds(stopTimeout));
                    } catch (Exception ignored) {
                        // the container is gone or going; close() cleans up
                    }
                }
            }, "hoist-run-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            if (signals != null) {
                signals.forwardTo(container);
            }
            status = container.waitFor();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                // already stopping
            }
        } catch (ContainerException e) {
            return failed(ctx, e, dir);
        }
        if (status.oomKilled()) {
            ctx.err.println("hoist run: the container was killed for running out of memory (OOMKilled)");
        }
        ctx.out.flush();
        return status.code();
    }

    /** Null for an empty list, as {@code docker inspect} shows an absent Entrypoint or Cmd. */
    private static List<String> orNull(List<String> list) {
        return list == null || list.isEmpty() ? null : list;
    }

    /**
     * Reports a container that could not be started or set up, as {@code docker run} does: its code (127 or 126 for
     * a command that cannot be run, else 125). The runtime has removed the container; the writable layer goes too,
     * for the failures before the runtime took it over.
     */
    private static int failed(Context ctx, ContainerException e, Path layer) throws java.io.IOException {
        FileTrees.delete(layer);
        ctx.out.flush();
        ctx.err.println("hoist run: " + e.getMessage());
        return e instanceof ContainerSetupException setup ? setup.exitCode() : 125;
    }

    /**
     * The {@code --network}; without one, as {@code docker run}'s bridge: private when slirp4netns is installed, else
     * none, with a note saying how to get the private network.
     */
    private static NetworkMode network(Context ctx, Args args) throws UsageException {
        String name = args.value("network");
        if (name == null) {
            if (ContainerRuntime.privateNetworkAvailable()) {
                return NetworkMode.PRIVATE;
            }
            ctx.err.println("hoist run: slirp4netns is not installed, so the container gets no network (only loopback);"
                    + " install it (apt-get install slirp4netns) for a private network, or pass --network none or host");
            return NetworkMode.NONE;
        }
        try {
            return NetworkMode.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid --network " + name + ": use private (or bridge, default), none or host");
        }
    }

    /** {@code --stop-signal}, else the image's STOPSIGNAL, else SIGTERM. */
    private static int stopSignal(String option, String image) throws UsageException {
        String signal = option != null ? option : image;
        if (signal == null || signal.isEmpty()) {
            return RunningContainer.SIGTERM;
        }
        try {
            return Signals.parse(signal);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option != null ? e.getMessage() : "the image's STOPSIGNAL: " + e.getMessage());
        }
    }

    /** {@code NAME} alone takes NAME's value from hoist's own environment, as Docker does. */
    private static String withHostValue(Context ctx, String e) {
        if (e.contains("=")) {
            return e;
        }
        String v = ctx.env.get(e);
        return v == null ? e : e + "=" + v;
    }

    /** {@code --cpus}, in Docker's range: from 0.01 to the number of processors. */
    private static double cpus(String value) throws UsageException {
        double cpus;
        try {
            cpus = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--cpus: invalid number " + value);
        }
        int available = Runtime.getRuntime().availableProcessors();
        if (cpus < 0.01 || cpus > available) {
            throw new UsageException("--cpus: range of CPUs is from 0.01 to " + available + ".00, as there are only "
                    + available + " CPUs available");
        }
        return cpus;
    }

    /** Whether standard input is a terminal (file descriptor 0 is a tty device). */
    private static boolean stdinIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return true;    // cannot tell: let the container try
        }
    }
}
