package dev.hoist.registry.client;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One proxy as an environment variable names it, {@code [scheme://][user[:password]@]host[:port][/]}, the way curl and
 * Docker read it: user and password percent-encoded. The password is only ever sent, as the proxy's
 * {@code Proxy-Authorization}; {@link #toString()} and every message show the proxy without it. Immutable.
 */
final class ProxyUrl {
    private final String variable;
    private final String scheme;
    private final String host;
    private final int port;
    private final String user;
    private final String authorization;

    private ProxyUrl(String variable, String scheme, String host, int port, String user, String authorization) {
        this.variable = variable;
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.user = user;
        this.authorization = authorization;
    }

    /**
     * Parses {@code value}, the value of the variable {@code variable}. Fails with a message that names the variable
     * and shows the value without its credentials.
     */
    static ProxyUrl parse(String variable, String value) {
        String v = value.contains("://") ? value : "http://" + value;
        int start = v.indexOf("://") + 3;
        int end = start;
        while (end < v.length() && v.charAt(end) != '/' && v.charAt(end) != '?' && v.charAt(end) != '#') {
            end++;
        }
        // the last '@': an unencoded '@' in the password is a common mistake, and must not end up in a message
        int at = v.lastIndexOf('@', end - 1);
        String scheme = v.substring(0, start - 3);
        String shown = at >= start ? scheme + "://***@" + v.substring(at + 1) : v;
        String user = null;
        String authorization = null;
        if (at >= start) {
            String userInfo = v.substring(start, at);
            int colon = userInfo.indexOf(':');
            user = decode(variable, shown, colon < 0 ? userInfo : userInfo.substring(0, colon));
            String password = colon < 0 ? "" : decode(variable, shown, userInfo.substring(colon + 1));
            if (userInfo.indexOf('@') >= 0) {
                throw new IllegalArgumentException(variable + "=" + shown + " has an unencoded '@' in its user or "
                        + "password; write it as %40");
            }
            authorization = "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }
        URI u;
        try {
            u = URI.create(scheme + "://" + v.substring(at >= start ? at + 1 : start, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(variable + "=" + shown + " is not a proxy URL; fix the variable");
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException(variable + "=" + shown + " names no proxy host; fix the variable");
        }
        int port = u.getPort() > 0 ? u.getPort() : "https".equalsIgnoreCase(scheme) ? 443 : 80;
        return new ProxyUrl(variable, scheme, u.getHost(), port, user, authorization);
    }

    /** Percent-decodes {@code s} as UTF-8; a '+' stays a '+' (this is a URL's userinfo, not a form). */
    private static String decode(String variable, String shown, String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                continue;
            }
            int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (lo < 0) {
                throw new IllegalArgumentException(variable + "=" + shown + " has a '%' that starts no %XX escape in "
                        + "its user or password; write a '%' as %25");
            }
            out.write(hi << 4 | lo);
            i += 2;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The variable this came from, e.g. {@code HTTPS_PROXY} or {@code https_proxy}. */
    String variable() {
        return variable;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    /** The user, percent-decoded, or null when the URL has no credentials. */
    String user() {
        return user;
    }

    /** The {@code Proxy-Authorization} value for the credentials (Basic), or null when the URL has none. */
    String authorization() {
        return authorization;
    }

    /** The proxy as messages show it: {@code http://user:***@host:port}, or without userinfo when it has none. */
    @Override
    public String toString() {
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return scheme + "://" + (user == null ? "" : user + ":***@") + h + ":" + port;
    }
}
