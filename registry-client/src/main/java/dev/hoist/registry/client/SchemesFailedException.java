package dev.hoist.registry.client;

import java.io.IOException;

/**
 * A request failed in both schemes {@link RegistrySchemes} allows for its registry: the first one, then the one it
 * switched to. The message names both and why each failed; the cause is the second failure.
 */
final class SchemesFailedException extends IOException {
    private final boolean plainFirst;

    SchemesFailedException(String first, IOException firstFailure, String second, IOException secondFailure) {
        super("tried " + first + " (" + why(firstFailure) + "), then " + second + " (" + why(secondFailure) + ")",
                secondFailure);
        this.plainFirst = first.startsWith("plain");
        addSuppressed(firstFailure);
    }

    private static String why(IOException e) {
        String m = e.getMessage();
        return e instanceof TlsSuspectedException || e instanceof RegistryException
                ? m : e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** What to do about it, for {@code registry}. */
    String advice(String registry) {
        return "check that " + registry + " is up and serves the registry API at that address"
                + (plainFirst ? ", in plain HTTP or HTTPS"
                : "; without a port, HTTPS goes to port 443 and plain HTTP to port 80");
    }
}
