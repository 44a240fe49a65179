package dev.hoist.oci.distribution;

/**
 * The error codes of the OCI Distribution Spec v1.1 (and the Docker Registry v2 codes clients still expect),
 * each with the HTTP status a registry answers it with by default and the spec's message. Shared by the
 * registry client (to explain a failure) and the server (to report one).
 */
public enum ErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN(400, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    TOOMANYREQUESTS(429, "too many requests"),
    /** Docker Registry v2: a Range or Content-Range the registry cannot satisfy. */
    RANGE_INVALID(416, "invalid content range"),
    /** Docker Registry v2: a tag that is not valid. */
    TAG_INVALID(400, "manifest tag did not match URI"),
    /** Docker Registry v2: a pagination parameter that is not valid. */
    PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
    /** Docker Registry v2: the registry is unavailable for now (read-only, shutting down). */
    UNAVAILABLE(503, "service unavailable");

    private final int status;
    private final String message;

    ErrorCode(int status, String message) {
        this.status = status;
        this.message = message;
    }

    /** The code as it appears in the JSON error body, e.g. {@code BLOB_UNKNOWN}. */
    public String code() {
        return name();
    }

    /** The HTTP status a registry answers this code with when nothing more specific applies. */
    public int status() {
        return status;
    }

    /** The spec's message for this code. */
    public String message() {
        return message;
    }

    /** The code named {@code code}, or null for a code hoist does not know. */
    public static ErrorCode fromCode(String code) {
        if (code == null) {
            return null;
        }
        for (ErrorCode c : values()) {
            if (c.name().equals(code)) {
                return c;
            }
        }
        return null;
    }
}
