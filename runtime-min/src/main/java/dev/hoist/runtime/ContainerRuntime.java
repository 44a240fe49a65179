package dev.hoist.runtime;

import dev.hoist.oci.TempPaths;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Runs containers as child processes: a small single-threaded helper ({@code hoist-init}, shipped in this jar and
 * extracted under the hoist root) joins the cgroups, enters fresh namespaces, pivots into the root filesystem and
 * execs the target; the JVM never changes its own namespaces. Thread-safe: one runtime serves many containers.
 *
 * <p>Layout under the hoist root: {@code runtime/hoist-init-<hash>}, {@code runtime/init-layer/} (the mount points
 * every overlay root gets), {@code containers/<id>/} (the container's hosts, hostname and resolv.conf files, the
 * helper's config, and for a user's container its state; removed when the container has exited, or for a user's
 * container without {@code --rm}, when it is removed) and {@code container-names/<name>}, a link to the id of the
 * container holding the name (stale once that container's directory is gone).
 */
public final class ContainerRuntime {

    private static final String HELPER_RESOURCE = "/dev/hoist/runtime/hoist-init";

    private final Path root;
    private final java.util.function.Supplier<java.util.Optional<Path>> slirp4netns;
    private volatile Path helper;

    // Not a method reference: every build and run makes a runtime, and linking one costs start-up time
    // (CONTRIBUTING.md, "Start-up paths").
    private static final java.util.function.Supplier<java.util.Optional<Path>> FIND_SLIRP4NETNS =
            new java.util.function.Supplier<>() {
                @Override
                public java.util.Optional<Path> get() {
                    return Slirp4netns.find();
                }
            };

    /** A runtime keeping its files under {@code hoistRoot}. */
    public ContainerRuntime(Path hoistRoot) {
        this(hoistRoot, FIND_SLIRP4NETNS);
    }

    /** As {@link #ContainerRuntime(Path)}, finding slirp4netns (for {@link NetworkMode#PRIVATE}) with {@code slirp4netns}. */
    ContainerRuntime(Path hoistRoot, java.util.function.Supplier<java.util.Optional<Path>> slirp4netns) {
        this.root = hoistRoot.toAbsolutePath().normalize();
        this.slirp4netns = slirp4netns;
    }

    /** Whether {@link NetworkMode#PRIVATE} can be used here: slirp4netns is installed. */
    public static boolean privateNetworkAvailable() {
        return Slirp4netns.find().isPresent();
    }

    /** Whether containers can run here: Linux, as root. */
    public static boolean supported() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return false;
        }
        try {   // the effective uid, without loading native code: "Uid:\treal\teffective\t..."
            String status = new String(Files.readAllBytes(Path.of("/proc/self/status")), StandardCharsets.ISO_8859_1);
            int at = ("\n" + status).indexOf("\nUid:");   // where the line starts in status
            if (at < 0) {
                return false;
            }
            int end = status.indexOf('\n', at);
            String[] ids = status.substring(at + "Uid:".length(), end < 0 ? status.length() : end).strip().split("\t");
            return ids.length > 1 && ids[1].equals("0");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The directory holding the state of container {@code id}. */
    public Path containerDirectory(String id) {
        return root.resolve("containers").resolve(id);
    }

    /**
     * Starts a container with its output streamed to {@code stdout} and {@code stderr} (null discards) and its input
     * read from {@code stdin} (null: /dev/null). Returns once the helper process is started; setup errors surface
     * in {@link RunningContainer#waitFor()}.
     *
     * @throws ContainerException when the id is in use, the cgroups cannot be made or the helper cannot start
     */
    public RunningContainer run(ContainerSpec spec, OutputStream stdout, OutputStream stderr, InputStream stdin)
            throws ContainerException {
        return start(spec, HelperIo.pipes(stdout, stderr, stdin), false, null);
    }

    /**
     * As {@link #run(ContainerSpec, OutputStream, OutputStream, InputStream)}, for a user's container: it has a
     * state, a name and is listed while it runs, and after it has exited unless {@link ContainerInfo#autoRemove()}.
     *
     * @throws ContainerException when its name is in use, or as the other {@code run}
     */
    public RunningContainer run(ContainerSpec spec, ContainerInfo info, OutputStream stdout, OutputStream stderr,
                                InputStream stdin) throws ContainerException {
        return start(spec, HelperIo.pipes(stdout, stderr, stdin), false, java.util.Objects.requireNonNull(info));
    }

    /**
     * Starts a detached container ({@code docker run -d}): its stdout and stderr go to {@link #logFile}; it keeps
     * running when this JVM exits, and is removed by hoist-init when it exits with {@link ContainerInfo#autoRemove()},
     * else by {@link #remove}. Returns once its command runs, as {@code docker run -d} does (with a terminal: once
     * it is set up).
     *
     * @throws ContainerSetupException when it failed before its command's exec (it has been removed)
     * @throws ContainerException      when its name is in use, the cgroups cannot be made or the helper cannot start
     */
    public RunningContainer runDetached(ContainerSpec spec, ContainerInfo info) throws ContainerException {
        RunningContainer c = start(spec, HelperIo.log(logFile(spec.id()).toFile()), true, java.util.Objects.requireNonNull(info));
        c.awaitStarted();
        return c;
    }

    /** Where a detached container's output goes. */
    public Path logFile(String id) {
        return containerDirectory(id).resolve(StateFiles.LOG);
    }

    /** The users' containers under this root (those started with a {@link ContainerInfo}), running and exited, oldest first. */
    public List<ContainerState> list() {
        List<ContainerState> out = new ArrayList<>();
        for (Path d : containerDirectories()) {
            state(d).ifPresent(out::add);
        }
        out.sort(java.util.Comparator.comparing(ContainerState::created));
        return List.copyOf(out);
    }

    /** The directories under {@code containers/}; no lambdas: {@link #pruneOrphans} runs at every {@code hoist run}. */
    private List<Path> containerDirectories() {
        List<Path> out = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> dirs = Files.newDirectoryStream(root.resolve("containers"))) {
            for (Path d : dirs) {
                out.add(d);
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            // none yet, or unreadable: as many as were read
        }
        return out;
    }

    /** The state of the container with this id, unique id prefix or name. */
    public java.util.Optional<ContainerState> inspect(String idOrName) throws ContainerException {
        List<ContainerState> all = list();
        for (ContainerState s : all) {
            if (s.id().equals(idOrName) || s.name().equals(idOrName)) {
                return java.util.Optional.of(s);
            }
        }
        List<ContainerState> prefixed = all.stream().filter(s -> s.id().startsWith(idOrName)).toList();
        if (prefixed.size() > 1) {
            throw new ContainerException("the id prefix " + idOrName + " matches " + prefixed.size() + " containers; give more of the id");
        }
        return prefixed.stream().findFirst();
    }

    private java.util.Optional<ContainerState> state(Path dir) {
        return StateFiles.readSaved(dir).map(saved -> {
            java.util.Optional<int[]> status = StatusFile.read(dir);
            java.time.Instant created = java.time.Instant.parse(saved.created());
            List<String> command = saved.command() == null ? List.of() : saved.command();
            if (status.isPresent()) {
                return new ContainerState(saved.id(), saved.info(), command, created, saved.helperPid(), 0,
                        ContainerState.Status.EXITED, status.get()[0], status.get()[1] != 0,
                        StateFiles.modified(dir.resolve(StatusFile.NAME)), saved.settings());
            }
            if (StateFiles.helperAlive(saved.helperPid(), dir)) {
                long pid = containerPid(saved.id()).orElse(0);   // published once the command has been exec'd
                return new ContainerState(saved.id(), saved.info(), command, created, saved.helperPid(), pid,
                        pid == 0 ? ContainerState.Status.CREATED : ContainerState.Status.RUNNING, 0, false, null,
                        saved.settings());
            }
            // its helper died without a status (killed with its JVM, or the machine went down)
            return new ContainerState(saved.id(), saved.info(), command, created, saved.helperPid(), 0,
                    ContainerState.Status.EXITED, 255, false, null, saved.settings());
        });
    }

    /**
     * Sends a signal to a user's container (SIGKILL ends the whole container).
     *
     * @throws ContainerException when there is no such container or it is not running
     */
    public void signal(String idOrName, int signal) throws ContainerException {
        ContainerState s = inspect(idOrName).orElseThrow(() -> noSuch(idOrName));
        if (s.status() == ContainerState.Status.EXITED) {
            throw new ContainerException("container " + idOrName + " is not running");
        }
        java.util.OptionalLong pid = containerPid(s.id());
        // To PID 1, as runc does: SIGSTOP would stop the helper, not the container, and for SIGKILL PID 1's death ends
        // the namespace while the helper, still alive, records the status and removes the cgroups. Before PID 1
        // exists, to the helper, which forwards it (SIGKILL ends it, and the container with it).
        LibC.signal(pid.isPresent() ? pid.getAsLong() : s.helperPid(), signal);
    }

    /**
     * Removes the containers that should have been removed when they exited but whose remover died first: those of
     * a JVM that was killed (the container died with it) and those of {@code run -d --rm} whose helper was killed;
     * with their cgroups, writable layers and names. Safe while other processes run containers under the same root,
     * and cheap (a few file reads a container), so that every {@code hoist run} can call it.
     *
     * @return how many were removed
     */
    public int pruneOrphans() {
        int removed = 0;
        for (Path d : containerDirectories()) {
            if (orphan(d)) {
                java.util.Optional<StateFiles.Saved> saved = StateFiles.readSaved(d);
                String id = d.getFileName().toString();
                Cgroups.removeAll(id);
                if (saved.isPresent()) {
                    releaseName(saved.get().info().name(), id);
                }
                RunningContainer.deleteTree(d);
                if (saved.isPresent() && saved.get().info().writableLayer() != null) {
                    RunningContainer.deleteTree(saved.get().info().writableLayer());
                }
                removed++;
            }
        }
        return removed;
    }

    /**
     * Whether the container in {@code dir} is to be removed when it exits (it has {@link StateFiles#HELPER}), has
     * exited, and neither its helper nor the JVM that would remove it lives; or is a directory that never got so far
     * (no helper, no state) and is older than a minute, left by a start that died midway.
     */
    private static boolean orphan(Path dir) {
        Path helperFile = dir.resolve(StateFiles.HELPER);
        if (!Files.exists(helperFile)) {
            if (Files.exists(dir.resolve(StateFiles.STATE))) {
                return false;   // kept until hoist rm
            }
            java.time.Instant modified = StateFiles.modified(dir);
            return modified != null && modified.isBefore(java.time.Instant.now().minusSeconds(60));
        }
        long helperPid = StateFiles.readPid(helperFile);
        long owner = StateFiles.readPid(dir.resolve(StateFiles.OWNER));
        return helperPid != 0 && !StateFiles.helperAlive(helperPid, dir)
                && (owner == 0 || !Files.isDirectory(Path.of("/proc", Long.toString(owner))));
    }

    /**
     * Stops a container as {@code docker stop}: its stop signal (the image's STOPSIGNAL, SIGTERM by default), then
     * SIGKILL when it still runs after {@code grace}. Returns its state afterwards, empty when it was removed as it
     * exited ({@code --rm}); an exited container is left as it is.
     */
    public java.util.Optional<ContainerState> stop(String idOrName, java.time.Duration grace)
            throws ContainerException, InterruptedException {
        ContainerState s = inspect(idOrName).orElseThrow(() -> noSuch(idOrName));
        Path dir = containerDirectory(s.id());
        if (s.status() != ContainerState.Status.EXITED) {
            try {
                signal(s.id(), stopSignal(dir));
            } catch (ContainerException exited) {
                // it ended meanwhile
            }
            long deadline = System.nanoTime() + grace.toNanos();
            while (StateFiles.helperAlive(s.helperPid(), dir) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            if (StateFiles.helperAlive(s.helperPid(), dir)) {
                signal(s.id(), RunningContainer.SIGKILL);
                for (int i = 0; i < 2000 && StateFiles.helperAlive(s.helperPid(), dir); i++) {
                    Thread.sleep(5);
                }
            }
            if (Files.isDirectory(dir) && StatusFile.read(dir).isEmpty() && !StateFiles.helperAlive(s.helperPid(), dir)) {
                StatusFile.write(dir, 137, false);   // the helper was killed before it could record it
            }
        }
        return inspect(s.id());
    }

    /**
     * Removes a container's directory, cgroups, writable layer and name; with {@code force} a running one is killed first.
     *
     * @throws ContainerException when there is no such container, or it runs and force is false
     */
    public void remove(String idOrName, boolean force) throws ContainerException {
        ContainerState s = inspect(idOrName).orElseThrow(() -> noSuch(idOrName));
        Path dir = containerDirectory(s.id());
        if (s.status() != ContainerState.Status.EXITED) {
            if (!force) {
                throw new ContainerException("container " + idOrName + " is running: stop it first (hoist stop "
                        + idOrName + ") or remove it with -f");
            }
            signal(s.id(), RunningContainer.SIGKILL);
            for (int i = 0; i < 2000 && StateFiles.helperAlive(s.helperPid(), dir); i++) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ContainerException("interrupted while removing container " + idOrName);
                }
            }
        }
        Cgroups.removeAll(s.id());
        releaseName(s.name(), s.id());
        RunningContainer.deleteTree(dir);
        if (s.info().writableLayer() != null) {
            RunningContainer.deleteTree(s.info().writableLayer());
        }
    }

    private Path nameLink(String name) {
        return root.resolve("container-names").resolve(name);
    }

    /** The id {@code name}'s link points to, or null when there is none. */
    private String nameHolder(String name) {
        try {
            return Files.readSymbolicLink(nameLink(name)).toString();
        } catch (IOException e) {
            return null;
        }
    }

    private void releaseName(String name, String id) {
        if (!name.isEmpty() && id.equals(nameHolder(name))) {
            RunningContainer.deleteTree(nameLink(name));
        }
    }

    /**
     * Takes {@code info}'s name for container {@code id}, or a generated one when it has none, as a link in
     * {@code container-names/}: made atomically, so that of two runs asking for one name, one gets it. A link whose
     * container is gone is taken over.
     *
     * @return the name
     * @throws ContainerSetupException (125, as Docker's "Conflict") when a container holds the name
     */
    private String reserveName(ContainerInfo info, String id) throws ContainerException {
        boolean generated = info.name().isEmpty();
        if (!generated && !ContainerSpec.isName(info.name(), Integer.MAX_VALUE, true, "_.-")) {
            throw new ContainerSetupException("invalid container name '" + info.name()
                    + "': use letters, digits, '_', '.' and '-'", 125);
        }
        try {
            Files.createDirectories(root.resolve("container-names"));
            for (int attempt = 0; attempt < 100; attempt++) {
                String name = generated ? ContainerNames.generate(id, attempt) : info.name();
                try {
                    Files.createSymbolicLink(nameLink(name), Path.of(id));
                    return name;
                } catch (FileAlreadyExistsException e) {
                    String holder = nameHolder(name);
                    if (holder != null && Files.isDirectory(containerDirectory(holder))) {
                        if (generated) {
                            continue;
                        }
                        throw new ContainerSetupException("Conflict. The container name \"" + name
                                + "\" is already in use by container \"" + holder + "\". Remove that container (hoist rm "
                                + name + ") or choose another name.", 125);
                    }
                    // stale: its container is gone. Between two runs taking it over at once, the later unlink
                    // can remove the earlier one's new link; the name is then held twice until one is removed.
                    Files.deleteIfExists(nameLink(name));
                }
            }
        } catch (IOException e) {
            throw new ContainerException("cannot record the container's name under " + root.resolve("container-names") + ": " + e, e);
        }
        throw new ContainerException("cannot find a free name for container " + id + "; give one with --name");
    }

    /**
     * Runs another process in a running container ({@code hoist exec}): in its namespaces and cgroups, with its
     * environment plus {@code env}, as {@code user} (empty: the container's) in {@code cwd} (empty: the container's).
     * Works for users' containers (by id, id prefix or name) and for internal ones of this root (by full id).
     *
     * @throws ContainerException when there is no such container or it is not running
     */
    public ExecProcess exec(String idOrName, List<String> argv, List<String> env, String user, String cwd,
                            OutputStream stdout, OutputStream stderr, InputStream stdin) throws ContainerException {
        return startExec(idOrName, argv, env, user, cwd, false, HelperIo.pipes(stdout, stderr, stdin));
    }

    /**
     * As {@link #exec}, attached to this process's own stdout and stderr, and its stdin when {@code interactive}
     * ({@code hoist exec -i}); with {@code tty} the process gets a pseudo-terminal in the container, relayed as
     * {@link #runInherited(ContainerSpec, boolean)} relays a container's ({@code hoist exec -t}).
     */
    public ExecProcess execInherited(String idOrName, List<String> argv, List<String> env, String user, String cwd,
                                     boolean tty, boolean interactive) throws ContainerException {
        return startExec(idOrName, argv, env, user, cwd, tty, HelperIo.inherited(interactive));
    }

    /** As {@link #execInherited}, with {@code device} (a terminal, in tests) as the helper's stdin, stdout and stderr. */
    ExecProcess execOnDevice(String idOrName, List<String> argv, boolean tty, java.io.File device, boolean interactive)
            throws ContainerException {
        return startExec(idOrName, argv, List.of(), "", "", tty, HelperIo.device(device, interactive));
    }

    private ExecProcess startExec(String idOrName, List<String> argv, List<String> env, String user, String cwd,
                                  boolean tty, HelperIo io) throws ContainerException {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("exec needs a command");
        }
        String id = inspect(idOrName).map(ContainerState::id).orElse(idOrName);
        Path dir = containerDirectory(id);
        java.util.OptionalLong pid = containerPid(id);
        if (pid.isEmpty() || Files.exists(dir.resolve(StatusFile.NAME))) {
            throw new ContainerException(Files.isDirectory(dir) ? "container " + idOrName + " is not running" : noSuch(idOrName).getMessage());
        }
        java.util.Map<String, List<String>> container = readConfig(dir.resolve(StateFiles.CONFIG));
        java.util.Map<String, String> environment = new java.util.LinkedHashMap<>();
        for (String e : container.getOrDefault("env", List.of())) {
            environment.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        }
        if (tty) {
            environment.putIfAbsent("TERM", "xterm");   // as Docker
        }
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("invalid environment entry '" + e + "': use NAME=value");
            }
            environment.put(e.substring(0, eq), e.substring(eq + 1));
        }
        String suffix = ContainerSpec.randomId().substring(0, 12);
        Path config = dir.resolve("exec-" + suffix + ".conf");
        Path error = dir.resolve("exec-" + suffix + ".err");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        record(out, "exec-target", Long.toString(pid.getAsLong()));
        for (String a : argv) {
            record(out, "arg", a);
        }
        for (java.util.Map.Entry<String, String> e : environment.entrySet()) {
            record(out, "env", e.getKey() + "=" + e.getValue());
        }
        record(out, "user", user == null || user.isEmpty() ? first(container, "user", "") : user);
        record(out, "cwd", cwd == null || cwd.isEmpty() ? first(container, "cwd", "/") : cwd);
        record(out, "errfile", error.toString());
        record(out, "tty", tty ? "1" : "0");
        record(out, "stdin", io.input() ? "1" : "0");
        for (String cg : container.getOrDefault("cgroup", List.of())) {
            record(out, "cgroup", cg);
        }
        try {
            Files.write(config, out.toByteArray());
            ProcessBuilder pb = new ProcessBuilder(helper().toString(), config.toString());
            pb.environment().clear();
            io.applyTo(pb);
            return new ExecProcess(pb.start(), config, error, io.stdout(), io.stderr(), io.stdin());
        } catch (IOException e) {
            throw new ContainerException("cannot exec in container " + idOrName + ": " + e, e);
        }
    }

    private static String first(java.util.Map<String, List<String>> config, String key, String fallback) {
        List<String> values = config.get(key);
        return values == null || values.isEmpty() ? fallback : values.get(0);
    }

    private static java.util.Map<String, List<String>> readConfig(Path file) throws ContainerException {
        java.util.Map<String, List<String>> out = new java.util.HashMap<>();
        try {
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            for (String rec : text.split("\0")) {
                int eq = rec.indexOf('=');
                if (eq > 0) {
                    out.computeIfAbsent(rec.substring(0, eq), k -> new ArrayList<>()).add(rec.substring(eq + 1));
                }
            }
            return out;
        } catch (IOException e) {
            throw new ContainerException("cannot read the container's configuration " + file + ": " + e, e);
        }
    }

    /** The signal a container was started to be stopped with; SIGTERM for one started before it was recorded. */
    private static int stopSignal(Path dir) throws ContainerException {
        List<String> recorded = readConfig(dir.resolve(StateFiles.CONFIG)).getOrDefault("stop-signal", List.of());
        return recorded.isEmpty() ? RunningContainer.SIGTERM : Integer.parseInt(recorded.get(0));
    }

    private java.util.OptionalLong containerPid(String id) {
        try {
            return java.util.OptionalLong.of(Long.parseLong(Files.readString(containerDirectory(id).resolve("pid")).trim()));
        } catch (IOException | NumberFormatException e) {
            return java.util.OptionalLong.empty();
        }
    }

    private static ContainerException noSuch(String idOrName) {
        return new ContainerException("no such container: " + idOrName + " (hoist ps -a lists them)");
    }

    /** Starts a container attached to this process's own stdin, stdout and stderr (a terminal, say). */
    public RunningContainer runInherited(ContainerSpec spec) throws ContainerException {
        return runInherited(spec, true);
    }

    /**
     * Starts a container attached to this process's own stdout and stderr, and its stdin when {@code interactive}
     * ({@code docker run -i}; otherwise the container reads /dev/null, or nothing from its terminal). With
     * {@link ContainerSpec#tty()} and a terminal on stdin, that terminal is in raw mode while the container runs, so
     * that keys (^C too) go to the container's terminal; its window size follows this one.
     */
    public RunningContainer runInherited(ContainerSpec spec, boolean interactive) throws ContainerException {
        return start(spec, HelperIo.inherited(interactive), false, null);
    }

    /** As {@link #runInherited(ContainerSpec, boolean)}, for a user's container (see {@link #run(ContainerSpec, ContainerInfo, OutputStream, OutputStream, InputStream)}). */
    public RunningContainer runInherited(ContainerSpec spec, boolean interactive, ContainerInfo info) throws ContainerException {
        return start(spec, HelperIo.inherited(interactive), false, java.util.Objects.requireNonNull(info));
    }

    /** Starts a container whose helper has {@code device} (a terminal, in tests) as stdin, stdout and stderr. */
    RunningContainer runOnDevice(ContainerSpec spec, java.io.File device, boolean interactive) throws ContainerException {
        return start(spec, HelperIo.device(device, interactive), false, null);
    }

    /**
     * Starts a container; with {@code info} (a user's container) it gets a name and a state, and is removed on exit
     * (by this JVM, or by hoist-init when detached) only with {@link ContainerInfo#autoRemove()}; without, it is
     * an internal one (a build step's), removed on exit. A container removed on exit records the pids of its helper
     * and of this JVM, so that {@link #pruneOrphans} can tell when both died before removing it.
     */
    private RunningContainer start(ContainerSpec spec, HelperIo io, boolean detached, ContainerInfo info)
            throws ContainerException {
        Path slirp = null;
        if (spec.network() == NetworkMode.PRIVATE) {
            java.util.Optional<Path> found = slirp4netns.get();
            if (found.isEmpty()) {
                throw new ContainerException(Slirp4netns.INSTALL_HINT);
            }
            slirp = found.get();
        }
        Path helperPath = helper();
        Path dir = containerDirectory(spec.id());
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new ContainerException("a container with id " + spec.id() + " exists already at " + dir
                    + "; remove it or choose another id");
        } catch (IOException e) {
            throw new ContainerException("cannot create the container directory " + dir + ": " + e, e);
        }
        List<Path> owned = new ArrayList<>();
        owned.add(dir);
        if (info != null && info.writableLayer() != null) {
            owned.add(info.writableLayer());
        }
        boolean autoRemove = info == null || info.autoRemove();
        Cgroups cgroups = Cgroups.none();
        try {
            if (info != null) {
                String name = reserveName(info, spec.id());
                owned.add(0, nameLink(name));   // first: hoist-init removes in order, and the name is free before the rest
                info = new ContainerInfo(name, info.image(), info.imageId(), info.entrypoint(), info.cmd(),
                        info.labels(), info.autoRemove(), info.writableLayer());
            }
            cgroups = Cgroups.create(spec.id(), spec.limits());
            Path config = writeFiles(spec, dir, cgroups, detached, io.input(), slirp,
                    detached && autoRemove ? owned : List.of());
            ProcessBuilder pb = new ProcessBuilder(helperPath.toString(), config.toString());
            pb.environment().clear();
            pb.directory(dir.toFile());
            io.applyTo(pb);
            Process process = pb.start();
            try {
                if (autoRemove) {
                    Files.writeString(dir.resolve(StateFiles.HELPER), Long.toString(process.pid()));
                    Files.writeString(dir.resolve(StateFiles.OWNER), Long.toString(ProcessHandle.current().pid()));
                }
                if (info != null) {
                    StateFiles.writeSaved(dir, new StateFiles.Saved(spec.id(), info, spec.argv(),
                            StateFiles.iso(java.time.Instant.now()), process.pid(),
                            ContainerState.Settings.of(spec, io.input(), detached)));
                }
            } catch (IOException e) {
                process.destroyForcibly();
                throw e;
            }
            return new RunningContainer(spec, dir, process, cgroups, io.stdout(), io.stderr(), io.stdin(),
                    autoRemove && !detached, owned);
        } catch (IOException | RuntimeException e) {
            cgroups.remove();
            deleteAll(owned);
            throw new ContainerException("cannot start container " + spec.id() + ": " + e, e);
        } catch (ContainerException e) {
            cgroups.remove();
            deleteAll(owned);
            throw e;
        }
    }

    private static void deleteAll(List<Path> paths) {
        for (Path p : paths) {
            RunningContainer.deleteTree(p);
        }
    }

    private Path writeFiles(ContainerSpec spec, Path dir, Cgroups cgroups, boolean detached, boolean input, Path slirp,
                            List<Path> removeOnExit) throws IOException {
        Path hosts = dir.resolve("hosts");
        Path hostnameFile = dir.resolve("hostname");
        Path resolv = dir.resolve("resolv.conf");
        if (spec.network() == NetworkMode.HOST && Files.isReadable(Path.of("/etc/hosts"))) {
            Files.copy(Path.of("/etc/hosts"), hosts);
        } else {
            Files.writeString(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                    + "127.0.1.1\t" + spec.hostname() + "\n");
        }
        Files.writeString(hostnameFile, spec.hostname() + "\n");
        String resolvConf = Files.isReadable(Path.of("/etc/resolv.conf"))
                ? Files.readString(Path.of("/etc/resolv.conf")) : "";
        Files.writeString(resolv, spec.network() == NetworkMode.PRIVATE ? privateResolvConf(resolvConf) : resolvConf);
        Path rootMount = dir.resolve("rootfs");
        Files.createDirectory(rootMount);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (spec.rootfs() != null) {
            record(out, "rootfs", spec.rootfs().toAbsolutePath().normalize().toString());
        } else {
            record(out, "rootfs", rootMount.toString());
            List<Path> layers = new ArrayList<>(spec.layers());
            layers.add(initLayer());
            for (int i = layers.size() - 1; i >= 0; i--) {   // overlayfs lists the top-most lower first
                record(out, "lower", layers.get(i).toAbsolutePath().normalize().toString());
            }
            record(out, "upper", spec.upperDir().toAbsolutePath().normalize().toString());
            if (spec.volatileUpper()) {
                record(out, "volatile", "1");
            }
            record(out, "work", spec.workDir().toAbsolutePath().normalize().toString());
        }
        for (String a : spec.argv()) {
            record(out, "arg", a);
        }
        for (String e : spec.env()) {
            record(out, "env", e);
        }
        record(out, "cwd", spec.cwd());
        record(out, "user", spec.user());
        record(out, "hostname", spec.hostname());
        record(out, "network", spec.network().id());
        if (slirp != null) {
            record(out, "slirp4netns", slirp.toString());
            record(out, "slirp4netns-log", dir.resolve("slirp4netns.log").toString());
        }
        record(out, "readonly", spec.readOnly() ? "1" : "0");
        record(out, "init", spec.init() ? "1" : "0");
        record(out, "tty", spec.tty() ? "1" : "0");
        record(out, "stdin", input ? "1" : "0");
        record(out, "errfile", dir.resolve("error").toString());
        record(out, "pidfile", dir.resolve("pid").toString());
        record(out, "statusfile", dir.resolve(StatusFile.NAME).toString());
        record(out, "setsid", detached ? "1" : "0");
        for (Path p : removeOnExit) {
            record(out, "remove", p.toString());
        }
        record(out, "stop-signal", Integer.toString(spec.stopSignal()));   // for stop(); the helper ignores it
        for (Path cg : cgroups.dirs()) {
            record(out, "cgroup", cg.toString());
        }
        List<Mount> mounts = new ArrayList<>();
        mounts.add(Mount.bind(resolv, "/etc/resolv.conf", false));
        mounts.add(Mount.bind(hostnameFile, "/etc/hostname", false));
        mounts.add(Mount.bind(hosts, "/etc/hosts", false));
        mounts.addAll(spec.mounts());
        for (Mount m : mounts) {
            String kind = m.type() == Mount.Type.BIND ? "b" : "t";
            record(out, "mount", kind + (m.readOnly() ? "1" : "0") + "\t"
                    + (m.source() == null ? "" : m.source().toString()) + "\t" + m.destination() + "\t" + m.options());
        }
        Path config = dir.resolve(StateFiles.CONFIG);
        Files.write(config, out.toByteArray());
        return config;
    }

    /**
     * The resolv.conf of a private-network container: slirp4netns's DNS forwarder (which asks the host's resolvers),
     * with the host's search domains and options, as Podman writes it.
     */
    static String privateResolvConf(String host) {
        StringBuilder out = new StringBuilder();
        for (String line : host.split("\n")) {
            String l = line.strip();
            if (l.startsWith("search") || l.startsWith("domain") || l.startsWith("options")) {
                out.append(l).append('\n');
            }
        }
        return out.append("nameserver 10.0.2.3\n").toString();
    }

    /**
     * Docker's "init layer": the mount points the runtime needs (/etc/hosts, /etc/hostname, /etc/resolv.conf, /proc,
     * /sys, /dev), as the top-most lower layer, so that making them never writes to the upper directory and a
     * build step's diff holds only what its command changed. Its content is the same for every container and a
     * lower layer is never written, so one copy under {@code runtime/} serves all; it is made once, atomically.
     */
    private Path initLayer() throws IOException {
        Path init = root.resolve("runtime").resolve("init-layer");
        if (Files.isDirectory(init)) {
            return init;
        }
        Files.createDirectories(init.getParent());
        Path tmp = TempPaths.createDirectory(init.getParent(), ".init-layer");
        try {
            Files.createDirectories(tmp.resolve("etc"));
            for (String f : List.of("etc/hosts", "etc/hostname", "etc/resolv.conf")) {
                Files.createFile(tmp.resolve(f));
            }
            for (String d : List.of("proc", "sys", "dev")) {
                Files.createDirectory(tmp.resolve(d));
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(tmp, init, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(init)) {
                    throw e;
                }
                // another thread or process made it first (rename(2) says ENOTEMPTY or EEXIST)
            }
        } finally {
            RunningContainer.deleteTree(tmp);
        }
        return init;
    }

    private static void record(ByteArrayOutputStream out, String key, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(key + " cannot contain a NUL character");
        }
        out.writeBytes((key + "=" + value).getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    /**
     * Extracts hoist-init from the jar once, under a name that carries its hash. The hash is computed at build time
     * ({@link HelperBinary}), so a run that finds the extracted copy neither opens the jar nor hashes the binary; a
     * copy is only written (and checked against the hash) when it is missing.
     */
    private Path helper() throws ContainerException {
        Path h = helper;
        if (h != null) {
            return h;
        }
        synchronized (this) {
            if (helper != null) {
                return helper;
            }
            String expected = HelperBinary.SHA256;
            Path target = root.resolve("runtime").resolve("hoist-init-" + expected.substring(0, 16));
            if (!Files.isExecutable(target)) {
                install(target, expected);
            }
            helper = target;
            return target;
        }
    }

    private static void install(Path target, String expected) throws ContainerException {
        byte[] bytes;
        try (InputStream in = ContainerRuntime.class.getResourceAsStream(HELPER_RESOURCE)) {
            if (in == null) {
                throw new ContainerException("hoist-init is missing from the runtime-min jar; rebuild it with gcc installed");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ContainerException("cannot read hoist-init from the runtime-min jar: " + e, e);
        }
        String actual;
        try {
            actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!actual.equals(expected)) {
            throw new ContainerException("hoist-init in the runtime-min jar has SHA-256 " + actual + " but the jar says "
                    + expected + "; the jar is corrupt, rebuild it");
        }
        try {
            Files.createDirectories(target.getParent());
            Path tmp = TempPaths.createFile(target.getParent(), ".hoist-init", ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new ContainerException("cannot install hoist-init at " + target + ": " + e, e);
        }
    }
}
