package dev.hoist.runtime;

import java.time.Instant;
import java.util.List;

/**
 * What {@code hoist ps} and {@code inspect} show of a detached container, read from its directory under the hoist
 * root, so that it is the same in every invocation.
 *
 * @param id        the container id
 * @param name      the name given with {@code --name}, or empty
 * @param image     the image the caller ran, as it named it
 * @param command   the argv
 * @param created   when it was started
 * @param helperPid the host pid of the process holding the container
 * @param status    running or exited
 * @param exitCode  the exit code once exited (128+signal when killed; 255 when it vanished without a status)
 * @param oomKilled whether the OOM killer killed a process of it
 * @param finished  when it exited, if known
 */
public record ContainerState(String id, String name, String image, List<String> command, Instant created,
                             long helperPid, Status status, int exitCode, boolean oomKilled, Instant finished) {

    /** Running or exited. */
    public enum Status { RUNNING, EXITED }

    public ContainerState {
        command = List.copyOf(command);
        name = name == null ? "" : name;
        image = image == null ? "" : image;
    }
}
