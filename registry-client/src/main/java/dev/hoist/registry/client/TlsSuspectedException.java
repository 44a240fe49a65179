package dev.hoist.registry.client;

import java.io.IOException;

/**
 * A server spoken to in plain HTTP did not answer in HTTP, in a way that says it wants TLS: <em>certain</em> when it
 * answered with a TLS record (an alert) or said so in words (Go's {@code Client sent an HTTP request to an HTTPS
 * server}), not certain when it closed or reset a new connection after the request without a word, as TLS servers
 * that do not answer plaintext do, but also a server going down. {@link RegistrySchemes} decides what to do about it.
 */
final class TlsSuspectedException extends IOException {
    private final boolean certain;

    TlsSuspectedException(String message, boolean certain, Throwable cause) {
        super(message, cause);
        this.certain = certain;
    }

    /** Whether the server showed it speaks TLS, rather than only hung up. */
    boolean certain() {
        return certain;
    }
}
