package dev.hoist.runtime;

/**
 * A container, or a process exec'd in one, failed before its command's exec (an unknown user, a mount that fails, a
 * command that is not found); a container that failed so has been removed. Carries the exit code {@code docker run}
 * gives for it.
 */
public final class ContainerSetupException extends ContainerException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    ContainerSetupException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    /** 127 when the command was not found, 126 when it could not be executed, else 125. */
    public int exitCode() {
        return exitCode;
    }
}
