package dev.hoist.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.oci.distribution.ErrorCode;

/**
 * A request the registry refuses, with the distribution spec's error code, the HTTP status to answer and a
 * message for the user. Thrown by storage and the registry's domain logic; turned into an HTTP error body in
 * exactly one place, the HTTP edge.
 */
public final class RegistryException extends Exception {
    private final ErrorCode code;
    private final int status;
    private final transient JsonNode detail;

    public RegistryException(ErrorCode code, String message) {
        this(code, code.status(), message, null);
    }

    public RegistryException(ErrorCode code, int status, String message) {
        this(code, status, message, null);
    }

    public RegistryException(ErrorCode code, int status, String message, JsonNode detail) {
        super(message == null ? code.message() : message);
        this.code = code;
        this.status = status;
        this.detail = detail;
    }

    /** The spec's error code. */
    public ErrorCode code() {
        return code;
    }

    /** The HTTP status to answer with. */
    public int status() {
        return status;
    }

    /** Extra detail for the error body, or null. */
    public JsonNode detail() {
        return detail;
    }
}
