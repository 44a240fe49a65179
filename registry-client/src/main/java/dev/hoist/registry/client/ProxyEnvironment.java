package dev.hoist.registry.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.Map;

/**
 * {@code HTTP_PROXY}, {@code HTTPS_PROXY} and {@code NO_PROXY}, credentials in the proxy URL included, for the JDK
 * HTTP clients hoist makes besides the registry client's: the downloads of {@code ADD URL} and
 * {@code hoist import URL}. The same rules as the registry client's (see {@link EnvProxySelector}); the credentials
 * go to the proxy only, as {@code Proxy-Authorization}. Immutable and thread-safe.
 */
public final class ProxyEnvironment {
    static final String TUNNEL_DISABLED_SCHEMES = "jdk.http.auth.tunneling.disabledSchemes";
    /** No proxy: requests go straight to their hosts. */
    public static final ProxyEnvironment NONE = new ProxyEnvironment(null);

    static {
        allowBasicOnTunnels();
    }

    private final EnvProxySelector selector;

    private ProxyEnvironment(EnvProxySelector selector) {
        this.selector = selector;
    }

    /**
     * The proxies {@code env} names.
     *
     * @throws IllegalArgumentException when a proxy variable is malformed (the message names it, without its password)
     */
    public static ProxyEnvironment of(Map<String, String> env) {
        EnvProxySelector s = EnvProxySelector.fromEnv(env);
        return s == null ? NONE : new ProxyEnvironment(s);
    }

    /** Has {@code b}'s client reach hosts through the proxies (a no-op without any). */
    public HttpClient.Builder configure(HttpClient.Builder b) {
        if (selector != null) {
            b.proxy(selector.forJdkClient());
        }
        return b;
    }

    /**
     * Gives {@code request}, bound for {@code uri}, the proxy's credentials when it goes through a proxy whose URL
     * holds them. The JDK client puts them on the CONNECT of a tunnel, or on a plain request to the proxy, and never
     * sends them on to the host.
     */
    public HttpRequest.Builder authorize(HttpRequest.Builder request, URI uri) {
        return authorize(request, through(uri));
    }

    /** Gives {@code request} the credentials of {@code through}, the proxy it goes through (null: none). */
    static HttpRequest.Builder authorize(HttpRequest.Builder request, ProxyUrl through) {
        if (through != null && through.authorization() != null) {
            request.setHeader("Proxy-Authorization", through.authorization());
        }
        return request;
    }

    /** The proxy {@code uri} is reached through, or null when it is reached directly. */
    ProxyUrl through(URI uri) {
        return selector == null ? null : selector.proxyFor(uri);
    }

    /**
     * Lets the JDK client send Basic proxy credentials on the CONNECT of a tunnel: it drops them by default (the
     * {@value #TUNNEL_DISABLED_SCHEMES} property is "Basic"). The property is read once, when the JDK's HTTP classes
     * initialise, so this runs before any client that may need it is made, and not only once a proxy with
     * credentials turns up. Safe for every client: hoist gives the JDK no Authenticator, so the only credentials it
     * sends are the {@code Proxy-Authorization} headers hoist puts on requests through such a proxy. An explicit
     * setting wins.
     */
    static void allowBasicOnTunnels() {
        if (System.getProperty(TUNNEL_DISABLED_SCHEMES) == null) {
            System.setProperty(TUNNEL_DISABLED_SCHEMES, "");
        }
    }
}
