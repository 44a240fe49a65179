package dev.hoist.cli;

import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.runtime.ContainerSetupException;
import dev.hoist.runtime.ContainerState;
import dev.hoist.runtime.ExecProcess;
import dev.hoist.runtime.Signals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The commands for containers: ps, logs, stop, kill, rm, exec. */
final class ContainerCommands {
    private ContainerCommands() {
    }

    static List<Command> commands() {
        return List.of(new Ps(), new Logs(), new Stop(), new Kill(), new Rm(), new Exec());
    }

    static ContainerRuntime runtime(Context ctx) {
        if (!ContainerRuntime.supported()) {
            throw new IllegalStateException("containers need Linux and root (namespaces, overlay mounts and cgroups)");
        }
        return new ContainerRuntime(ctx.images().root().path());
    }

    /** Where a container's writable layer lives until it is removed. */
    static Path layersDirectory(Context ctx, String id) {
        return ctx.images().root().path().resolve("container-layers").resolve(id);
    }

    static ContainerState find(Context ctx, ContainerRuntime runtime, String idOrName) throws Exception {
        return runtime.inspect(idOrName).orElseThrow(() -> new java.io.IOException("No such container: " + idOrName));
    }

    /** What stop, kill and rm do to one container. */
    interface Action {
        void apply(ContainerRuntime runtime, ContainerState container) throws Exception;
    }

    /**
     * Applies {@code action} to each named container as Docker does: the name is echoed when it worked, an error
     * is printed when it did not, and the others are still done; exit status 1 if any failed.
     */
    static int forEach(Context ctx, List<String> names, Action action) {
        ContainerRuntime runtime = runtime(ctx);
        int status = Main.OK;
        for (String c : names) {
            try {
                action.apply(runtime, find(ctx, runtime, c));
                ctx.out.println(c);
            } catch (Exception e) {
                ctx.err.println("Error response: " + e.getMessage());
                status = Main.FAILED;
            }
        }
        return status;
    }

    static final class Ps implements Command {
        @Override
        public String name() {
            return "ps";
        }

        @Override
        public String usage() {
            return "";
        }

        @Override
        public String summary() {
            return "List containers";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.flag("-a, --all", "Show all containers (default shows just running)"),
                    OptionSpec.flag("-q, --quiet", "Only display container IDs"),
                    OptionSpec.flag("--no-trunc", "Don't truncate output"));
        }

        @Override
        public int[] arity() {
            return new int[] {0, 0};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            ContainerRuntime runtime = runtime(ctx);
            runtime.pruneOrphans();   // --rm containers whose remover was killed: Docker would not list them
            List<ContainerState> states = new ArrayList<>(runtime.list());
            states.sort(Comparator.comparing(ContainerState::created).reversed());
            boolean noTrunc = args.flag("no-trunc");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES"});
            for (ContainerState s : states) {
                if (s.status() != ContainerState.Status.RUNNING && !args.flag("all")) {
                    continue;
                }
                String id = noTrunc ? s.id() : s.id().substring(0, 12);
                if (args.flag("quiet")) {
                    ctx.out.println(id);
                    continue;
                }
                String command = "\"" + String.join(" ", s.command()) + "\"";
                String status = switch (s.status()) {
                    case RUNNING -> "Up " + Humans.duration(Duration.between(s.created(), ctx.now()));
                    case CREATED -> "Created";
                    case EXITED -> "Exited (" + s.exitCode() + ") " + (s.finished() == null ? "" : Humans.ago(s.finished(), ctx.now()));
                };
                rows.add(new String[] {id, s.image(), noTrunc ? command : Humans.truncate(command, 20),
                        Humans.ago(s.created(), ctx.now()), status.strip(), s.name()});
            }
            if (!args.flag("quiet")) {
                ctx.out.print(Humans.table(rows));
            }
            return Main.OK;
        }
    }

    static final class Logs implements Command {
        @Override
        public String name() {
            return "logs";
        }

        @Override
        public String usage() {
            return "CONTAINER";
        }

        @Override
        public String summary() {
            return "Fetch the output of a detached container";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.flag("-f, --follow", "Follow log output until the container exits"));
        }

        @Override
        public int[] arity() {
            return new int[] {1, 1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            ContainerRuntime runtime = runtime(ctx);
            ContainerState state = find(ctx, runtime, args.positionals().get(0));
            Path log = runtime.logFile(state.id());
            if (!Files.exists(log)) {
                return Main.OK;
            }
            try (InputStream in = Files.newInputStream(log)) {
                byte[] buf = new byte[64 * 1024];
                while (true) {
                    int n = in.read(buf);
                    if (n > 0) {
                        ctx.out.write(buf, 0, n);
                        continue;
                    }
                    ctx.out.flush();
                    if (!args.flag("follow") || runtime.inspect(state.id()).map(s -> s.status() == ContainerState.Status.EXITED).orElse(true)) {
                        // one last read: output written just before the exit
                        while ((n = in.read(buf)) > 0) {
                            ctx.out.write(buf, 0, n);
                        }
                        break;
                    }
                    Thread.sleep(100);
                }
            }
            ctx.out.flush();
            return Main.OK;
        }
    }

    static final class Stop implements Command {
        @Override
        public String name() {
            return "stop";
        }

        @Override
        public String usage() {
            return "CONTAINER [CONTAINER...]";
        }

        @Override
        public String summary() {
            return "Stop running containers: their stop signal (SIGTERM unless the image says), then SIGKILL after the timeout";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.value("-t, --time", "SECONDS", "Seconds to wait before killing it (default 10)"));
        }

        @Override
        public int[] arity() {
            return new int[] {1, -1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            Duration grace = Duration.ofSeconds(Long.parseLong(args.value("time", "10")));
            return forEach(ctx, args.positionals(), (runtime, c) -> runtime.stop(c.id(), grace));
        }
    }

    static final class Kill implements Command {
        @Override
        public String name() {
            return "kill";
        }

        @Override
        public String usage() {
            return "CONTAINER [CONTAINER...]";
        }

        @Override
        public String summary() {
            return "Send a signal to running containers (default SIGKILL)";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.value("-s, --signal", "SIGNAL", "Signal to send: a number or a name such as TERM or SIGHUP"));
        }

        @Override
        public int[] arity() {
            return new int[] {1, -1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            int signal = signalNumber(args.value("signal", "KILL"));
            return forEach(ctx, args.positionals(), (runtime, c) -> runtime.signal(c.id(), signal));
        }

        static int signalNumber(String s) throws UsageException {
            try {
                return Signals.parse(s);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
    }

    static final class Rm implements Command {
        @Override
        public String name() {
            return "rm";
        }

        @Override
        public String usage() {
            return "CONTAINER [CONTAINER...]";
        }

        @Override
        public String summary() {
            return "Remove containers (and their writable layers)";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.flag("-f, --force", "Force the removal of a running container (uses SIGKILL)"));
        }

        @Override
        public int[] arity() {
            return new int[] {1, -1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            boolean force = args.flag("force");
            return forEach(ctx, args.positionals(), (runtime, c) -> runtime.remove(c.id(), force));
        }
    }

    static final class Exec implements Command {
        @Override
        public String name() {
            return "exec";
        }

        @Override
        public String usage() {
            return "CONTAINER COMMAND [ARG...]";
        }

        @Override
        public String summary() {
            return "Run a command in a running container";
        }

        @Override
        public boolean stopAtFirstPositional() {
            return true;
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.flag("-i, --interactive", "Keep STDIN open (otherwise the process reads nothing)"),
                    OptionSpec.flag("-t, --tty", "Allocate a pseudo-terminal in the container, relayed with this one (raw mode with -i)"),
                    OptionSpec.list("-e, --env", "NAME=VALUE", "Set environment variables"),
                    OptionSpec.value("-u, --user", "USER[:GROUP]", "Username or UID"),
                    OptionSpec.value("-w, --workdir", "DIR", "Working directory inside the container"));
        }

        @Override
        public int[] arity() {
            return new int[] {2, -1};
        }

        @Override
        public int run(Context ctx, Args args) throws Exception {
            ContainerRuntime runtime = runtime(ctx);
            List<String> p = args.positionals();
            ContainerState state = find(ctx, runtime, p.get(0));
            ctx.out.flush();
            ctx.err.flush();
            ExecProcess proc = ctx.standardStreams
                    ? runtime.execInherited(state.id(), p.subList(1, p.size()), args.values("env"), args.value("user"),
                            args.value("workdir"), args.flag("tty"), args.flag("interactive"))
                    : runtime.exec(state.id(), p.subList(1, p.size()), args.values("env"), args.value("user"),
                            args.value("workdir"), ctx.out, ctx.err, args.flag("interactive") ? ctx.in : null);
            try {
                int code = proc.waitFor();
                ctx.out.flush();
                return code;
            } catch (ContainerSetupException e) {
                ctx.out.flush();
                ctx.err.println("hoist exec: " + e.getMessage());
                return e.exitCode();
            }
        }
    }
}
