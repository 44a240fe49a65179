package dev.hoist.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A started container: wait for it, signal it, stop it. A watcher thread enforces the timeout, delivers the output
 * and removes the container's cgroups and files once it has exited. Thread-safe.
 */
public final class RunningContainer implements AutoCloseable {

    /** SIGKILL. */
    public static final int SIGKILL = 9;
    /** SIGTERM. */
    public static final int SIGTERM = 15;

    private final ContainerSpec spec;
    private final Path dir;
    private final Process process;
    private final Cgroups cgroups;
    private final List<Thread> pumps = new ArrayList<>();
    private final CompletableFuture<ExitStatus> result = new CompletableFuture<>();
    private final boolean autoRemove;
    private final List<Path> owned;

    /**
     * @param autoRemove whether this process removes the container once it has exited
     * @param owned      what removing it deletes: its directory, and the caller's writable layer and its name, if any;
     *                   deleted too when it fails to set up
     */
    RunningContainer(ContainerSpec spec, Path dir, Process process, Cgroups cgroups, OutputStream stdout,
                     OutputStream stderr, InputStream stdin, boolean autoRemove, List<Path> owned) {
        this.autoRemove = autoRemove;
        this.owned = List.copyOf(owned);
        this.spec = spec;
        this.dir = dir;
        this.process = process;
        this.cgroups = cgroups;
        String name = "hoist-" + spec.id().substring(0, Math.min(12, spec.id().length()));
        if (stdout != null) {
            pumps.add(pump(process.getInputStream(), stdout, name + "-stdout", false));
        }
        if (stderr != null) {
            pumps.add(pump(process.getErrorStream(), stderr, name + "-stderr", false));
        }
        if (stdin != null) {
            pump(stdin, process.getOutputStream(), name + "-stdin", true);
        }
        // Runnables as anonymous classes, not lambdas: every `hoist run` and RUN step starts these, and linking a
        // lambda's call site costs start-up time (CONTRIBUTING.md, "Start-up paths").
        Thread watcher = new Thread(new Runnable() {
            @Override
            public void run() {
                watch();
            }
        }, name + "-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    static Thread pump(InputStream in, OutputStream out, String name, boolean closeOut) {
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                byte[] buf = new byte[8192];
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // the container or the caller went away
                } finally {
                    if (closeOut) {
                        try {
                            out.close();
                        } catch (IOException ignored) {
                            // nothing to do
                        }
                    }
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void watch() {
        boolean timedOut = false;
        try {
            if (spec.timeout() != null) {
                if (!process.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    timedOut = true;
                    killAll();
                }
            }
            int code = process.waitFor();
            for (Thread t : pumps) {
                t.join();
            }
            String error = readError();
            boolean failed = error != null && !error.isBlank();
            Optional<int[]> recorded = StatusFile.read(dir);
            boolean oom = recorded.isPresent() ? recorded.get()[1] != 0 : cgroups.oomKilled();
            if (recorded.isPresent()) {
                code = recorded.get()[0];
            } else if (!autoRemove && !failed && Files.isDirectory(dir)) {
                StatusFile.write(dir, code, oom);   // the helper was killed before it could
            }
            cgroups.remove();
            if (autoRemove || failed) {
                for (Path p : owned) {
                    deleteTree(p);
                }
            }
            if (failed) {
                // hoist-init exits with 127 or 126 when the command cannot be executed, 125 for other setup errors
                result.completeExceptionally(new ContainerSetupException(error.strip(), code == 126 || code == 127 ? code : 125));
            } else {
                result.complete(new ExitStatus(code, oom, timedOut));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.completeExceptionally(new ContainerException("interrupted while waiting for container " + spec.id()));
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    private String readError() {
        try {
            Path f = dir.resolve("error");
            return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The container's id. */
    public String id() {
        return spec.id();
    }

    /** The spec it was started with. */
    public ContainerSpec spec() {
        return spec;
    }

    /** The host pid of the helper process that holds the container (its exit status is the container's). */
    public long helperPid() {
        return process.pid();
    }

    /** The host pid of the container's PID 1, once it has been forked. */
    public OptionalLong pid() {
        try {
            Path f = dir.resolve("pid");
            if (Files.exists(f)) {
                return OptionalLong.of(Long.parseLong(Files.readString(f).trim()));
            }
        } catch (IOException | NumberFormatException ignored) {
            // not written yet, or gone
        }
        return OptionalLong.empty();
    }

    /**
     * Waits until the container's command runs: hoist-init publishes PID 1's pid once the command's exec has
     * succeeded (with a terminal, once the container is set up), and never for a container that failed before it.
     *
     * @throws ContainerSetupException when the container failed to set up (it has been removed)
     */
    void awaitStarted() throws ContainerException {
        awaitPid1();
        try {
            if (pid().isEmpty()) {
                // ended without a pid, or its directory (where the pid is kept) is gone already: the outcome says
                // which. A setup failure was recorded, and waitFor throws it, whether or not the container's
                // directory has been cleaned up by now.
                ExitStatus status = waitFor();
                if (Files.isDirectory(dir)) {
                    throw new ContainerSetupException("container " + spec.id() + " ended before its command started (exit code "
                            + status.code() + ")", 125);
                }
            }
            // else it runs, or it ran and was removed already (--rm: hoist-init removes only a container that started)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted while starting container " + spec.id());
        }
    }

    /** Waits until PID 1 runs its target (its pid is published) or the container has ended. */
    private void awaitPid1() throws ContainerException {
        try {
            while (pid().isEmpty() && process.isAlive()) {
                Thread.sleep(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted while starting container " + spec.id());
        }
    }

    /** Whether the container is still running (or its files are still being cleaned up). */
    public boolean isAlive() {
        return !result.isDone();
    }

    /**
     * Waits for the container to exit and its resources to be released.
     *
     * @throws ContainerException when the container could not be set up (the message says why)
     */
    public ExitStatus waitFor() throws ContainerException, InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /** Waits at most {@code timeout}; empty when the container is still running. */
    public Optional<ExitStatus> waitFor(Duration timeout) throws ContainerException, InterruptedException {
        try {
            return Optional.of(result.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /** The exit status as a future, completed once resources are released. */
    public CompletableFuture<ExitStatus> onExit() {
        return result.copy();
    }

    private static ContainerException unwrap(ExecutionException e) {
        if (e.getCause() instanceof ContainerException ce) {
            return ce;
        }
        return new ContainerException("container failed: " + e.getCause(), e.getCause());
    }

    /**
     * Sends {@code signal} to the container's PID 1, as runc does, once PID 1 runs its target (until then it would
     * reach the container's set-up, which ignores it); a container that ended before gets nothing. As in Docker,
     * PID 1 ignores signals it has no handler for, except SIGKILL, which ends the whole container, and SIGSTOP.
     */
    public void kill(int signal) {
        if (signal == SIGKILL) {
            killAll();
            return;
        }
        try {
            awaitPid1();
        } catch (ContainerException interrupted) {
            return;   // the interrupt is set again
        }
        OptionalLong pid = pid();
        if (pid.isPresent() && process.isAlive()) {
            LibC.signal(pid.getAsLong(), signal);
        }
    }

    /**
     * The spec's stop signal (SIGTERM unless the image's STOPSIGNAL says otherwise), then SIGKILL when the container
     * has not exited after {@code grace}; returns its exit status.
     */
    public ExitStatus stop(Duration grace) throws ContainerException, InterruptedException {
        kill(spec.stopSignal());
        Optional<ExitStatus> status = waitFor(grace);
        if (status.isPresent()) {
            return status.get();
        }
        killAll();
        return waitFor();
    }

    private void killAll() {
        OptionalLong pid = pid();
        if (process.isAlive()) {
            if (pid.isPresent()) {
                // PID 1's death ends the namespace; the helper records the status and removes the cgroups
                LibC.signal(pid.getAsLong(), SIGKILL);
            } else {
                process.destroyForcibly();   // before the fork, or PID 1 dies of PR_SET_PDEATHSIG with it
            }
        }
    }

    /** Kills the container if it still runs and waits until its resources are released. */
    @Override
    public void close() throws ContainerException {
        killAll();
        try {
            result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted while removing container " + spec.id());
        } catch (ExecutionException ignored) {
            // a setup error; the resources are released all the same
        }
    }

    /** Deletes a file, a directory tree or a link (not what it points to), best effort. */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort; a leftover directory is reported by the next run with the same id
        }
    }
}
