package dev.hoist.registry.server;

import dev.hoist.oci.distribution.ErrorCode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Set;

/**
 * The registry's {@link Authorizer}: anonymous from loopback when no users are configured; HTTP basic auth
 * against an htpasswd file; or Docker token auth with the built-in {@link TokenEndpoint}. Rules come from
 * {@link AccessRules}. Thread-safe.
 */
final class Access implements Authorizer {
    private enum Mode { NONE, BASIC, TOKEN }

    private final Mode mode;
    private final boolean anonymousRemote;
    private final Htpasswd users;
    private final AccessRules rules;
    private final TokenService tokens;
    private final TokenEndpoint endpoint;
    private final String realm;

    private Access(Mode mode, boolean anonymousRemote, Htpasswd users, AccessRules rules, TokenService tokens, String realm) {
        this.mode = mode;
        this.anonymousRemote = anonymousRemote;
        this.users = users;
        this.rules = rules;
        this.tokens = tokens;
        this.realm = realm;
        this.endpoint = tokens == null ? null : new TokenEndpoint(users, rules, tokens);
    }

    static Access create(RegistryConfig config, RegistryStorage storage) throws IOException {
        RegistryConfig.Auth a = config.auth();
        AccessRules rules;
        try {
            rules = new AccessRules(a);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (a.htpasswd() == null) {
            if (a.token() != null) {
                throw new IOException("token auth needs users: set auth.htpasswd to an htpasswd file (htpasswd -Bc FILE USER)");
            }
            return new Access(Mode.NONE, a.anonymousRemote(), null, rules, null, null);
        }
        Htpasswd users = new Htpasswd(a.htpasswd());
        if (a.token() == null) {
            return new Access(Mode.BASIC, false, users, rules, null, null);
        }
        RegistryConfig.Token t = a.token();
        TokenService ts = new TokenService(TokenService.loadOrCreateKey(t.key(), config.storage().resolve("auth").resolve("token-key.pem")),
                t.issuer(), t.service(), t.expiry().value(), Clock.systemUTC());
        return new Access(Mode.TOKEN, false, users, rules, ts, t.realm());
    }

    TokenEndpoint tokenEndpoint() {
        return endpoint;
    }

    @Override
    public String authorize(HttpServerExchange ex, Scope scope) throws RegistryException {
        return switch (mode) {
            case NONE -> anonymous(ex);
            case BASIC -> basic(ex, scope);
            case TOKEN -> bearer(ex, scope);
        };
    }

    @Override
    public boolean mayPullEverywhere(HttpServerExchange ex) {
        return switch (mode) {
            case NONE -> anonymousRemote || isLoopback(ex.getSourceAddress());
            case BASIC -> rules.pullsEverywhere(basicUser(ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION)));
            case TOKEN -> {
                TokenService.Claims claims = bearerClaims(ex);
                yield claims != null && rules.pullsEverywhere(claims.subject());
            }
        };
    }

    private String anonymous(HttpServerExchange ex) throws RegistryException {
        if (anonymousRemote || isLoopback(ex.getSourceAddress())) {
            return null;
        }
        throw new RegistryException(ErrorCode.DENIED, 403, "this registry takes anonymous requests from loopback only;"
                + " its operator can add users (auth.htpasswd) or allow remote anonymous access (auth.anonymousRemote)");
    }

    static boolean isLoopback(InetSocketAddress a) {
        if (a == null) {
            return false;
        }
        InetAddress addr = a.getAddress();
        return addr != null && addr.isLoopbackAddress();
    }

    private String basic(HttpServerExchange ex, Scope scope) throws RegistryException {
        String user = basicUser(ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION));
        if (user == null) {
            if (scope != null && rules.granted(null, scope.type(), scope.name(), scope.actions()).containsAll(scope.actions())) {
                return null; // anonymous pull
            }
            ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Basic realm=\"hoist-registry\", charset=\"UTF-8\"");
            throw new RegistryException(ErrorCode.UNAUTHORIZED, 401, "log in first (docker login), with a user of this registry");
        }
        if (scope == null) {
            return user;
        }
        Set<String> granted = rules.granted(user, scope.type(), scope.name(), scope.actions());
        if (!granted.containsAll(scope.actions())) {
            throw new RegistryException(ErrorCode.DENIED, 403, "user " + user + " may not " + String.join(",", scope.actions())
                    + " " + scope.name());
        }
        return user;
    }

    /** The user of a valid basic Authorization header, or null. */
    String basicUser(String header) {
        String[] up = decodeBasic(header);
        return up != null && users.check(up[0], up[1]) ? up[0] : null;
    }

    static String[] decodeBasic(String header) {
        if (header == null || header.length() < 6 || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : new String[]{decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    /** The claims of the request's valid access token, or null. */
    private TokenService.Claims bearerClaims(HttpServerExchange ex) {
        String header = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        TokenService.Claims claims = tokens.verify(header.substring(7).trim());
        return claims != null && claims.refresh() ? null : claims;
    }

    private String bearer(HttpServerExchange ex, Scope scope) throws RegistryException {
        TokenService.Claims claims = bearerClaims(ex);
        if (claims != null) {
            if (scope == null) {
                return claims.subject();
            }
            if (claims.actions(scope.type(), scope.name()).containsAll(scope.actions())
                    || claims.actions(scope.type(), scope.name()).contains("*")) {
                return claims.subject();
            }
        }
        StringBuilder challenge = new StringBuilder("Bearer realm=\"").append(realm(ex)).append("\",service=\"")
                .append(tokens.service()).append('"');
        if (scope != null) {
            challenge.append(",scope=\"").append(scope.format()).append('"');
        }
        if (claims != null) {
            challenge.append(",error=\"insufficient_scope\"");
        }
        ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, challenge.toString());
        if (claims != null && scope != null) {
            // 401 with insufficient_scope, as the CNCF registry answers: Docker clients then ask for a new token.
            throw new RegistryException(ErrorCode.UNAUTHORIZED, 401, "the token does not allow " + scope.format()
                    + (claims.subject() == null ? " to anonymous users; log in" : " to user " + claims.subject()));
        }
        throw new RegistryException(ErrorCode.UNAUTHORIZED, 401, "authentication required: get a token from " + realm(ex));
    }

    private String realm(HttpServerExchange ex) {
        if (realm != null) {
            return realm;
        }
        return ex.getRequestScheme() + "://" + ex.getHostAndPort() + TokenEndpoint.PATH;
    }
}
