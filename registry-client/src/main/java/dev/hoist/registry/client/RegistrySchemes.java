package dev.hoist.registry.client;

import dev.hoist.oci.RegistryHosts;

import java.io.IOException;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which scheme each registry's API host is spoken to in, and whether its certificate is checked.
 * <ul>
 * <li>Most registries: HTTPS, verified (the system CAs and Docker's {@code certs.d}); never anything else.</li>
 * <li>Loopback registries and those named insecure: plain HTTP first, with no probe, as that is the common case and
 * the fast path of a push to a local registry; HTTPS without verification once the plain attempt shows the server
 * speaks TLS ({@link TlsSuspectedException}). Docker reaches such registries with either.</li>
 * <li>Registries whose verification is off (skopeo's {@code --tls-verify=false}): HTTPS without verification
 * first, plain HTTP once that fails, as skopeo does. HTTPS first because such a registry is usually remote and
 * on 443, where a plain attempt would go to port 80.</li>
 * </ul>
 * A host's scheme is settled by its first answered exchange, or by certain evidence of TLS, and never changes after
 * that. A switch on weaker evidence (a connection closed without an answer, as when a local registry is still
 * starting) is undone when the other scheme fails as well, so that a retry starts over. Thread-safe.
 */
final class RegistrySchemes {
    private final Set<String> insecure;
    private final Set<String> unverified;
    /** By API host ({@code host[:port]}, as in the URIs of {@link #base}). */
    private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();

    /** How one API host is reached. The fields change only under the route's lock. */
    private static final class Route {
        /** Plain HTTP is the first scheme tried, else HTTPS. */
        final boolean plainFirst;
        /** The scheme may change, and HTTPS goes unverified. */
        final boolean lenient;
        volatile boolean https;
        volatile boolean settled;

        Route(boolean plainFirst, boolean lenient) {
            this.plainFirst = plainFirst;
            this.lenient = lenient;
            this.https = !plainFirst;
            this.settled = !lenient;
        }
    }

    /**
     * @param insecure   registries ({@code host} or {@code host:port}) to speak plain HTTP to first, as loopback ones
     * @param unverified registries to speak HTTPS to without verification first, then plain HTTP
     */
    RegistrySchemes(Set<String> insecure, Set<String> unverified) {
        this.insecure = Set.copyOf(insecure);
        this.unverified = Set.copyOf(unverified);
    }

    /** The scheme and host to reach {@code registry}'s API at, now. */
    URI base(String registry) {
        String authority = RegistryHosts.apiHost(registry);
        Route r = routes.get(authority);
        if (r == null) {
            // get, then putIfAbsent, not computeIfAbsent: its lambda is a first-time link of every registry command
            boolean plainFirst = RegistryHosts.isLoopback(registry) || named(insecure, registry);
            Route fresh = new Route(plainFirst, plainFirst || named(unverified, registry));
            Route held = routes.putIfAbsent(authority, fresh);
            r = held != null ? held : fresh;
        }
        return URI.create((r.https ? "https://" : "http://") + authority);
    }

    private static boolean named(Set<String> names, String registry) {
        return names.contains(registry) || names.contains(RegistryHosts.host(registry));
    }

    /** {@code uri} in the scheme its host is spoken to in now: a request made before a switch goes after it. */
    URI current(URI uri) {
        Route r = routes.get(uri.getRawAuthority());
        if (r == null || !r.lenient || https(uri) == r.https) {
            return uri;
        }
        return withScheme(uri, r.https);
    }

    /** Whether HTTPS to {@code uri}'s host skips the certificate and host name checks. */
    boolean unverified(URI uri) {
        Route r = routes.get(uri.getRawAuthority());
        return r != null && r.lenient;
    }

    /** An exchange with {@code uri} was answered: its host's scheme is settled. */
    void answered(URI uri) {
        Route r = routes.get(uri.getRawAuthority());
        if (r == null || r.settled) {
            return;
        }
        synchronized (r) {
            if (r.https == https(uri)) {
                r.settled = true;
            }
        }
    }

    /**
     * After the exchange with {@code uri} failed with {@code failure}: the URI to try instead, its host switched to
     * that scheme; or null when the failure stands (the host's scheme is settled, {@code uri} is not in the first
     * scheme, or the failure is no sign of the other one). When another request switched the host meanwhile, the
     * URI in the new scheme.
     */
    URI fallback(URI uri, IOException failure) {
        Route r = routes.get(uri.getRawAuthority());
        if (r == null || !r.lenient || failure instanceof RegistryException) {
            return null;
        }
        boolean https = https(uri);
        synchronized (r) {
            if (r.https != https) {
                return withScheme(uri, r.https);
            }
            if (r.settled || https == r.plainFirst) {
                return null;
            }
            if (r.plainFirst) {
                if (!(failure instanceof TlsSuspectedException t)) {
                    return null;
                }
                r.settled = t.certain();
            }
            r.https = !https;
            return withScheme(uri, !https);
        }
    }

    /** The exchange with {@code uri}, tried after a switch, failed too: a switch not yet settled is undone. */
    void fallbackFailed(URI uri) {
        Route r = routes.get(uri.getRawAuthority());
        if (r == null) {
            return;
        }
        synchronized (r) {
            if (!r.settled && r.https == https(uri)) {
                r.https = !r.plainFirst;
            }
        }
    }

    /** What to call {@code uri}'s scheme in messages. */
    String describe(URI uri) {
        return https(uri) ? (unverified(uri) ? "HTTPS without certificate verification" : "HTTPS") : "plain HTTP";
    }

    private static boolean https(URI uri) {
        return "https".equalsIgnoreCase(uri.getScheme());
    }

    private static URI withScheme(URI uri, boolean https) {
        // the rest of the URI as it is: the multi-argument constructors would re-quote its path and query
        return URI.create((https ? "https" : "http") + uri.toString().substring(uri.getScheme().length()));
    }
}
