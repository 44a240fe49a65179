package dev.hoist.registry.client;

import java.io.IOException;

/**
 * A registry operation that failed: carries the distribution spec's error code (e.g. {@code UNAUTHORIZED},
 * {@code MANIFEST_UNKNOWN}; null when the registry gave none), the HTTP status (0 when no response came)
 * and advice on what to do, which is also part of the message.
 */
public class RegistryException extends IOException {
    private final String code;
    private final int status;
    private final String advice;

    public RegistryException(String message, String code, int status, String advice, Throwable cause) {
        super(compose(message, code, status, advice), cause);
        this.code = code;
        this.status = status;
        this.advice = advice;
    }

    public RegistryException(String message, Throwable cause) {
        this(message, null, 0, null, cause);
    }

    public RegistryException(String message) {
        this(message, null, 0, null, null);
    }

    private static String compose(String message, String code, int status, String advice) {
        StringBuilder sb = new StringBuilder(message);
        if (status > 0 || code != null) {
            sb.append(" (");
            if (status > 0) {
                sb.append("HTTP ").append(status);
            }
            if (code != null) {
                sb.append(status > 0 ? ", " : "").append(code);
            }
            sb.append(')');
        }
        if (advice != null && !advice.isEmpty()) {
            sb.append(": ").append(advice);
        }
        return sb.toString();
    }

    /** The registry's error code, or null. */
    public String code() {
        return code;
    }

    /** The HTTP status, or 0 when there was no response. */
    public int status() {
        return status;
    }

    /** What the user can do about it, or null. */
    public String advice() {
        return advice;
    }
}
