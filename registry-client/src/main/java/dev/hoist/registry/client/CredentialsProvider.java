package dev.hoist.registry.client;

import java.io.IOException;
import java.util.Optional;

/** Finds the credentials for a registry. Implementations must be thread-safe. */
@FunctionalInterface
public interface CredentialsProvider {

    /** No credentials for any registry: anonymous access only. */
    CredentialsProvider ANONYMOUS = registry -> Optional.empty();

    /**
     * The credentials for {@code registry} (a reference's domain, e.g. {@code docker.io} or
     * {@code localhost:5000}), or empty for anonymous access.
     */
    Optional<Credentials> credentials(String registry) throws IOException;
}
