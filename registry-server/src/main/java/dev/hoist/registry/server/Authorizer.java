package dev.hoist.registry.server;

import io.undertow.server.HttpServerExchange;

import java.util.Set;

/**
 * Decides whether a request may do what it asks: authenticates it from its headers and checks the rules.
 * Implementations are thread-safe.
 */
interface Authorizer {

    /** What a request asks: a resource type and name ({@code repository}/{@code team/app}) and actions. */
    record Scope(String type, String name, Set<String> actions) {
        static Scope repository(String name, String... actions) {
            return new Scope("repository", name, Set.of(actions));
        }

        static final Scope CATALOG = new Scope("registry", "catalog", Set.of("*"));

        /** Running a garbage collection by hand ({@link GcHandler}). */
        static final Scope GC = new Scope("registry", "gc", Set.of("*"));

        /** {@code repository:team/app:pull,push}. */
        String format() {
            return type + ":" + name + ":" + String.join(",", new java.util.TreeSet<>(actions));
        }
    }

    /**
     * Returns the user name (null when anonymous) when allowed.
     *
     * @param scope what the request asks, or null for the version check, which only needs a valid login
     * @throws RegistryException {@code UNAUTHORIZED} (having set {@code WWW-Authenticate}) when the request
     *                           must log in, {@code DENIED} when the user may not
     */
    String authorize(HttpServerExchange exchange, Scope scope) throws RegistryException;

    /** Whether the request may do it, without challenging it. */
    default boolean allowed(HttpServerExchange exchange, Scope scope) {
        try {
            authorize(exchange, scope);
            return true;
        } catch (RegistryException e) {
            exchange.getResponseHeaders().remove(io.undertow.util.Headers.WWW_AUTHENTICATE);
            return false;
        }
    }

    /**
     * Whether the request may pull from every repository, as a cross-repository mount that names no source
     * needs: it may take the blob from any of them.
     */
    boolean mayPullEverywhere(HttpServerExchange exchange);

    /** Everyone may do everything. */
    Authorizer ANONYMOUS = new Authorizer() {
        @Override
        public String authorize(HttpServerExchange exchange, Scope scope) {
            return null;
        }

        @Override
        public boolean mayPullEverywhere(HttpServerExchange exchange) {
            return true;
        }
    };
}
