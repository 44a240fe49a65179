package dev.hoist.oci;

/**
 * A string that is not a valid image reference. The message names the bad part, e.g.
 * {@code invalid reference "Busybox": repository name must be lowercase}. Unchecked, like
 * {@link InvalidDigestException}: callers validate user input at the edge.
 */
public final class InvalidReferenceException extends IllegalArgumentException {
    private final String input;
    private final Reason reason;

    InvalidReferenceException(String input, Reason reason, String problem) {
        super("invalid reference \"" + shown(input) + "\": " + problem);
        this.input = input;
        this.reason = reason;
    }

    /** Very long input is shortened in the message (but not in {@link #input()}). */
    private static String shown(String input) {
        return input.length() <= 1024 ? input : input.substring(0, 64) + "…(" + input.length() + " characters)";
    }

    /** The text that failed to parse. */
    public String input() {
        return input;
    }

    /** Which rule failed; these follow the errors of Docker's reference package. */
    public Reason reason() {
        return reason;
    }

    /** The rules of Docker's reference grammar, one per error of github.com/distribution/reference. */
    public enum Reason {
        /** Nothing to parse ({@code ErrNameEmpty}). */
        EMPTY,
        /** The text does not fit the grammar ({@code ErrReferenceInvalidFormat}). */
        INVALID_FORMAT,
        /** The repository name has uppercase letters ({@code ErrNameContainsUppercase}). */
        UPPERCASE,
        /** The repository path is longer than 255 characters ({@code ErrNameTooLong}). */
        NAME_TOO_LONG,
        /** A tag given on its own is not valid ({@code ErrTagInvalidFormat}). */
        INVALID_TAG,
        /** The digest is malformed or of an unsupported algorithm (go-digest's errors). */
        INVALID_DIGEST,
        /** A 64-character hex string, which is an image ID, was given as a repository name. */
        HEX_IDENTIFIER
    }
}
