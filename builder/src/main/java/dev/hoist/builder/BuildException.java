package dev.hoist.builder;

/**
 * A build that failed: the message names the Dockerfile and line, the instruction, what went wrong and, for a
 * RUN, the last lines of its output.
 */
public class BuildException extends Exception {

    public BuildException(String message) {
        super(message);
    }

    public BuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
