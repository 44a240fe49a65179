package dev.hoist.registry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.OciJson;
import dev.hoist.oci.Reference;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The built-in token server at {@value #PATH}: {@code GET} with optional basic auth and {@code scope}
 * parameters (Docker's token protocol, with {@code offline_token=true} giving a refresh token), and
 * {@code POST} of an OAuth2 form ({@code grant_type=password} or {@code refresh_token}). Grants what the
 * rules allow of what was asked, never more; asking for more than allowed is not an error (the registry
 * refuses the request later), bad credentials are. Thread-safe.
 */
final class TokenEndpoint implements HttpHandler {
    static final String PATH = "/auth/token";

    private final Htpasswd users;
    private final AccessRules rules;
    private final TokenService tokens;

    TokenEndpoint(Htpasswd users, AccessRules rules, TokenService tokens) {
        this.users = users;
        this.rules = rules;
        this.tokens = tokens;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (ex.isInIoThread()) {
            ex.dispatch(this);
            return;
        }
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        Map<String, Deque<String>> params = new HashMap<>(ex.getQueryParameters());
        String user = null;
        boolean refresh = false;
        if (ex.getRequestMethod().equals(Methods.POST)) {
            ex.startBlocking();
            InputStream in = ex.getInputStream();
            byte[] body = in.readNBytes(64 * 1024);
            params = parseForm(new String(body, StandardCharsets.UTF_8));
            String grant = first(params, "grant_type");
            if ("password".equals(grant)) {
                String u = first(params, "username");
                String p = first(params, "password");
                if (u == null || p == null || !users.check(u, p)) {
                    deny(ex);
                    return;
                }
                user = u;
            } else if ("refresh_token".equals(grant)) {
                TokenService.Claims c = tokens.verify(String.valueOf(first(params, "refresh_token")));
                // The user must still be in the htpasswd file with the password the token was issued for:
                // removing the user or changing the password ends their refresh tokens.
                if (c == null || !c.refresh() || c.subject() == null || c.credential() == null
                        || !c.credential().equals(users.fingerprint(c.subject()))) {
                    deny(ex);
                    return;
                }
                user = c.subject();
            } else {
                reply(ex, 400, "{\"error\":\"unsupported_grant_type\"}");
                return;
            }
            refresh = true;
        } else if (ex.getRequestMethod().equals(Methods.GET)) {
            String header = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
            if (header != null) {
                String[] up = Access.decodeBasic(header);
                if (up == null || !users.check(up[0], up[1])) {
                    deny(ex);
                    return;
                }
                user = up[0];
            }
            refresh = user != null && "true".equals(first(params, "offline_token"));
        } else {
            reply(ex, 405, "{\"error\":\"use GET or POST\"}");
            return;
        }
        String service = first(params, "service");
        if (service != null && !service.equals(tokens.service())) {
            reply(ex, 400, "{\"error\":\"invalid_request\",\"error_description\":\"unknown service\"}");
            return;
        }
        List<TokenService.Access> granted = new ArrayList<>();
        Deque<String> scopes = params.getOrDefault("scope", new ArrayDeque<>());
        for (String scopeParam : scopes) {
            for (String scope : scopeParam.split(" ")) {
                TokenService.Access a = grant(user, scope);
                if (a != null) {
                    granted.add(a);
                }
            }
        }
        String token = tokens.issue(user, granted);
        ObjectNode o = OciJson.mapper().createObjectNode();
        o.put("token", token);
        o.put("access_token", token);
        o.put("expires_in", tokens.expiry().getSeconds());
        o.put("issued_at", tokens.now().toString());
        if (refresh) {
            o.put("refresh_token", tokens.issueRefresh(user, users.fingerprint(user)));
        }
        reply(ex, 200, OciJson.writeString(o));
    }

    private TokenService.Access grant(String user, String scope) {
        String[] p = scope.split(":");
        if (p.length < 3) {
            return null;
        }
        String type = p[0];
        String actions = p[p.length - 1];
        String name = scope.substring(type.length() + 1, scope.length() - actions.length() - 1);
        if (type.equals("repository") && !Reference.isValidRepository(name)) {
            return null;
        }
        Set<String> wanted = new LinkedHashSet<>(List.of(actions.split(",")));
        if (type.equals("repository") && wanted.contains("*")) {
            wanted.remove("*");
            wanted.addAll(AccessRules.ALL);
        }
        Set<String> got = rules.granted(user, type, name, wanted);
        return got.isEmpty() ? null : new TokenService.Access(type, name, got);
    }

    private static void deny(HttpServerExchange ex) {
        ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Basic realm=\"hoist-registry\"");
        reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"wrong user name or password\"}]}");
    }

    private static void reply(HttpServerExchange ex, int status, String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.setResponseContentLength(b.length);
        ex.getResponseSender().send(ByteBuffer.wrap(b));
    }

    private static String first(Map<String, Deque<String>> m, String k) {
        Deque<String> d = m.get(k);
        return d == null || d.isEmpty() ? null : d.getFirst();
    }

    private static Map<String, Deque<String>> parseForm(String body) {
        Map<String, Deque<String>> m = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            m.computeIfAbsent(k, x -> new ArrayDeque<>()).add(v);
        }
        return m;
    }
}
