package dev.hoist.oci;

/** A string that is not a valid digest. Unchecked: callers validate input at the edge. */
public final class InvalidDigestException extends IllegalArgumentException {
    private final String input;

    public InvalidDigestException(String input, String problem) {
        super("invalid digest \"" + input + "\": " + problem);
        this.input = input;
    }

    public String input() {
        return input;
    }
}
