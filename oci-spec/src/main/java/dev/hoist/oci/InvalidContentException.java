package dev.hoist.oci;

/**
 * Bytes that are not a valid manifest, index or image config: not JSON, the wrong shape, an unsupported
 * schema (Docker schema 1), or a field of the wrong type. Checked: such bytes come from outside (a registry,
 * a file, an archive) and callers must decide what to tell the user.
 */
public final class InvalidContentException extends Exception {
    private final String what;
    private final boolean unsupported;

    InvalidContentException(String what, String problem, boolean unsupported, Throwable cause) {
        super("invalid " + what + ": " + problem, cause);
        this.what = what;
        this.unsupported = unsupported;
    }

    static InvalidContentException malformed(String what, String problem) {
        return new InvalidContentException(what, problem, false, null);
    }

    static InvalidContentException malformed(String what, String problem, Throwable cause) {
        return new InvalidContentException(what, problem, false, cause);
    }

    static InvalidContentException unsupported(String what, String problem) {
        return new InvalidContentException(what, problem, true, null);
    }

    /** What was being read, e.g. "image manifest", "image config". */
    public String what() {
        return what;
    }

    /**
     * Whether the content is well-formed but of a kind hoist does not support (Docker schema 1, an unknown
     * manifest media type, a schemaVersion other than 2), as opposed to malformed.
     */
    public boolean unsupported() {
        return unsupported;
    }
}
