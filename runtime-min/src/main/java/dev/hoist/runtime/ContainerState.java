package dev.hoist.runtime;

import java.time.Instant;
import java.util.List;

/**
 * What {@code hoist ps} and {@code inspect} show of a container, read from its directory under the hoist root, so
 * that it is the same in every invocation.
 *
 * @param id        the container id
 * @param info      its name, image and how it was made
 * @param command   the argv
 * @param created   when it was started
 * @param helperPid the host pid of the process holding the container
 * @param pid       the host pid of its PID 1 while it runs, else 0
 * @param status    created, running or exited
 * @param exitCode  the exit code once exited (128+signal when killed; 255 when it vanished without a status)
 * @param oomKilled whether the OOM killer killed a process of it
 * @param finished  when it exited, if known
 * @param settings  what it runs with
 */
public record ContainerState(String id, ContainerInfo info, List<String> command, Instant created, long helperPid,
                             long pid, Status status, int exitCode, boolean oomKilled, Instant finished,
                             Settings settings) {

    /**
     * Created (its helper sets it up; its command has not been exec'd yet), running, or exited. As Docker's
     * "created", a container in setup is not running: exec cannot enter it yet.
     */
    public enum Status { CREATED, RUNNING, EXITED }

    public ContainerState {
        command = List.copyOf(command);
    }

    /** The container's name. */
    public String name() {
        return info.name();
    }

    /** The image as the user named it. */
    public String image() {
        return info.image();
    }

    /**
     * The parts of the {@link ContainerSpec} a container was started with that {@code inspect} shows.
     *
     * @param interactive whether its stdin was kept open ({@code -i})
     * @param detached    whether it was started with {@code -d}
     */
    public record Settings(List<String> env, String cwd, String user, String hostname, NetworkMode network,
                           Limits limits, boolean readOnly, boolean init, boolean tty, boolean interactive,
                           List<Mount> mounts, boolean detached) {

        public Settings {
            env = List.copyOf(env);
            mounts = List.copyOf(mounts);
        }

        static Settings of(ContainerSpec spec, boolean interactive, boolean detached) {
            return new Settings(spec.env(), spec.cwd(), spec.user(), spec.hostname(), spec.network(), spec.limits(),
                    spec.readOnly(), spec.init(), spec.tty(), interactive, spec.mounts(), detached);
        }
    }
}
