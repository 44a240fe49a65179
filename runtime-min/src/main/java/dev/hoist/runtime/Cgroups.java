package dev.hoist.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cgroup directories of one container (v1: one per controller under {@code <controller>/hoist/<id>}; v2: one
 * {@code hoist/<id>}) and the limits written to them, with Docker's conversions (memory-swap, cpus, cpu-shares to
 * v2 weight). The hierarchy's root is a parameter so that the file writes can be checked against a directory that
 * stands in for one. Not thread-safe.
 */
final class Cgroups {

    static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final long CFS_PERIOD = 100_000;

    private final List<Path> dirs;
    private final Path memoryDir;
    private final boolean v2;

    private Cgroups(List<Path> dirs, Path memoryDir, boolean v2) {
        this.dirs = List.copyOf(dirs);
        this.memoryDir = memoryDir;
        this.v2 = v2;
    }

    static Cgroups none() {
        return new Cgroups(List.of(), null, false);
    }

    static boolean isV2() {
        return isV2(ROOT);
    }

    /** Whether the hierarchy at {@code root} is the unified (v2) one. */
    static boolean isV2(Path root) {
        return Files.exists(root.resolve("cgroup.controllers"));
    }

    /** Creates the directories for {@code id} and writes the limits; none when no limit is set. */
    static Cgroups create(String id, Limits limits) throws ContainerException {
        return create(ROOT, id, limits);
    }

    /** As {@link #create(String, Limits)} in the hierarchy mounted at {@code root}. */
    static Cgroups create(Path root, String id, Limits limits) throws ContainerException {
        if (!limits.any()) {
            return none();
        }
        List<Path> made = new ArrayList<>();
        try {
            if (isV2(root)) {
                Path parent = root.resolve("hoist");
                Files.createDirectories(parent);
                tryWrite(root.resolve("cgroup.subtree_control"), "+memory +cpu +pids");
                tryWrite(parent.resolve("cgroup.subtree_control"), "+memory +cpu +pids");
                Path dir = parent.resolve(id);
                Files.createDirectory(dir);
                made.add(dir);
                if (limits.memoryBytes() > 0) {
                    write(dir.resolve("memory.max"), Long.toString(limits.memoryBytes()));
                    // v2 limits swap alone: Docker writes memory-swap minus memory (unset: as much swap as memory)
                    long swap = limits.memorySwapBytes() == -1 ? -1
                            : limits.memorySwapBytes() == 0 ? limits.memoryBytes() : limits.memorySwapBytes() - limits.memoryBytes();
                    tryWrite(dir.resolve("memory.swap.max"), swap < 0 ? "max" : Long.toString(swap));
                }
                if (limits.cpus() > 0) {
                    write(dir.resolve("cpu.max"), Math.round(limits.cpus() * CFS_PERIOD) + " " + CFS_PERIOD);
                }
                if (limits.cpuShares() > 0) {
                    long weight = 1 + ((Math.max(2, limits.cpuShares()) - 2L) * 9999) / 262142;
                    write(dir.resolve("cpu.weight"), Long.toString(weight));
                }
                if (limits.pidsLimit() > 0) {
                    write(dir.resolve("pids.max"), Long.toString(limits.pidsLimit()));
                }
                return new Cgroups(made, limits.memoryBytes() > 0 ? dir : null, true);
            }
            Path memoryDir = null;
            if (limits.memoryBytes() > 0) {
                Path dir = v1Dir(root, "memory", id, made);
                write(dir.resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes()));
                // memory plus swap, only where the kernel accounts swap (its controller root has the file)
                if (Files.exists(root.resolve("memory").resolve("memory.memsw.limit_in_bytes"))) {
                    long value = limits.memorySwapBytes() == 0 ? 2 * limits.memoryBytes() : limits.memorySwapBytes();
                    write(dir.resolve("memory.memsw.limit_in_bytes"), Long.toString(value));
                }
                memoryDir = dir;
            }
            if (limits.cpus() > 0 || limits.cpuShares() > 0) {
                String controller = Files.isDirectory(root.resolve("cpu")) ? "cpu" : "cpu,cpuacct";
                Path dir = v1Dir(root, controller, id, made);
                if (limits.cpus() > 0) {
                    write(dir.resolve("cpu.cfs_period_us"), Long.toString(CFS_PERIOD));
                    write(dir.resolve("cpu.cfs_quota_us"), Long.toString(Math.round(limits.cpus() * CFS_PERIOD)));
                }
                if (limits.cpuShares() > 0) {
                    write(dir.resolve("cpu.shares"), Integer.toString(limits.cpuShares()));
                }
            }
            if (limits.pidsLimit() > 0) {
                Path dir = v1Dir(root, "pids", id, made);
                write(dir.resolve("pids.max"), Long.toString(limits.pidsLimit()));
            }
            return new Cgroups(made, memoryDir, false);
        } catch (IOException e) {
            new Cgroups(made, null, false).remove();
            throw new ContainerException("cannot set up the cgroups for the container's limits under " + root + ": " + e
                    + " (run as root, with the memory, cpu and pids controllers mounted)", e);
        }
    }

    private static Path v1Dir(Path root, String controller, String id, List<Path> made) throws IOException {
        Path controllerRoot = root.resolve(controller);
        if (!Files.isDirectory(controllerRoot)) {
            throw new IOException("the cgroup v1 controller " + controller + " is not mounted at " + controllerRoot);
        }
        Path dir = controllerRoot.resolve("hoist").resolve(id);
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir);
        made.add(dir);
        return dir;
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value, StandardCharsets.US_ASCII);
    }

    private static void tryWrite(Path file, String value) {
        try {
            write(file, value);
        } catch (IOException ignored) {
            // best effort: the controllers may be enabled already or not available
        }
    }

    /** Removes whatever cgroup directories container {@code id} may have left (its helper was killed). */
    static void removeAll(String id) {
        removeAll(ROOT, id);
    }

    static void removeAll(Path root, String id) {
        List<Path> dirs = new ArrayList<>();
        if (isV2(root)) {
            dirs.add(root.resolve("hoist").resolve(id));
        } else {
            for (String c : List.of("memory", "cpu", "cpu,cpuacct", "pids")) {
                dirs.add(root.resolve(c).resolve("hoist").resolve(id));
            }
        }
        new Cgroups(dirs.stream().filter(Files::isDirectory).toList(), null, false).remove();
    }

    List<Path> dirs() {
        return dirs;
    }

    /** Whether the OOM killer killed a process in this cgroup. */
    boolean oomKilled() {
        if (memoryDir == null) {
            return false;
        }
        Path file = memoryDir.resolve(v2 ? "memory.events" : "memory.oom_control");
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring(9).trim()) > 0;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // no counter: not reported
        }
        return false;
    }

    /** Removes the directories; retries while the kernel still counts exiting processes in them. */
    void remove() {
        for (Path dir : dirs) {
            for (int attempt = 0; attempt < 200; attempt++) {
                try {
                    Files.deleteIfExists(dir);
                    break;
                } catch (NoSuchFileException | java.nio.file.DirectoryNotEmptyException e) {
                    break;   // gone, or not a cgroup (whose control files never keep rmdir from working)
                } catch (IOException e) {   // EBUSY: the kernel still counts exiting processes
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }
}
