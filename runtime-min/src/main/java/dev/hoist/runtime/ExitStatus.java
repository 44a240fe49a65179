package dev.hoist.runtime;

/**
 * How a container ended, as Docker reports it.
 *
 * @param code      the exit code; 128+signal when the container's process was killed by a signal
 * @param oomKilled whether the kernel's OOM killer killed a process of the container (its memory limit was hit)
 * @param timedOut  whether the container ran past its timeout and was killed
 */
public record ExitStatus(int code, boolean oomKilled, boolean timedOut) {

    /** The signal that ended the process, or 0 when it exited normally (codes above 128 are taken as signals). */
    public int signal() {
        return code > 128 && code < 128 + 65 ? code - 128 : 0;
    }

    /** Whether the process exited with code 0. */
    public boolean success() {
        return code == 0;
    }
}
