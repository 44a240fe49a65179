package dev.hoist.runtime;

/** A container could not be set up, started or cleaned up; the message says what to do. */
public class ContainerException extends Exception {
    private static final long serialVersionUID = 1L;

    public ContainerException(String message) {
        super(message);
    }

    public ContainerException(String message, Throwable cause) {
        super(message, cause);
    }
}
