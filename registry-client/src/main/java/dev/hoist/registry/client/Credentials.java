package dev.hoist.registry.client;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A user's credentials for one registry: a user name and password, or an OAuth2 identity (refresh) token
 * as {@code docker login} stores it ({@code identityToken} non-null, then {@code password} is unused).
 */
public record Credentials(String username, String password, String identityToken) {

    public Credentials {
        username = username == null ? "" : username;
        password = password == null ? "" : password;
    }

    public static Credentials basic(String username, String password) {
        return new Credentials(username, password, null);
    }

    public static Credentials identityToken(String username, String token) {
        return new Credentials(username, "", token);
    }

    /** Whether this holds an identity token. */
    public boolean hasIdentityToken() {
        return identityToken != null && !identityToken.isEmpty();
    }

    /** The value of an {@code Authorization: Basic} header. */
    public String basicHeader() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", password=" + (password.isEmpty() ? "" : "***")
                + ", identityToken=" + (hasIdentityToken() ? "***" : "none") + "]";
    }
}
