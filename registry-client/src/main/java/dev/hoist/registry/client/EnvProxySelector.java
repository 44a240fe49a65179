package dev.hoist.registry.client;

import dev.hoist.oci.RegistryHosts;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Proxies from {@code HTTP_PROXY}, {@code HTTPS_PROXY} and {@code NO_PROXY} (either case), as curl and Docker read
 * them. Not a {@link ProxySelector} itself ({@link #forJdkClient()} is one): initialising any subclass initialises
 * ProxySelector, whose default selector reads the JDK's net.properties, ~0.7 ms of every client's start even when no
 * proxy is set. Immutable and thread-safe.
 */
final class EnvProxySelector {
    private final ProxyUrl httpProxy;
    private final ProxyUrl httpsProxy;
    private final List<String> noProxy;

    private EnvProxySelector(ProxyUrl httpProxy, ProxyUrl httpsProxy, List<String> noProxy) {
        this.httpProxy = httpProxy;
        this.httpsProxy = httpsProxy;
        this.noProxy = noProxy;
    }

    /** The selector for {@code env}, or null when no proxy is set. */
    static EnvProxySelector fromEnv(Map<String, String> env) {
        ProxyUrl http = proxy(env, "HTTP_PROXY");
        ProxyUrl https = proxy(env, "HTTPS_PROXY");
        if (http == null && https == null) {
            return null;
        }
        List<String> no = new ArrayList<>();
        String list = get(env, "NO_PROXY");
        if (list != null) {
            for (String s : list.split(",")) {
                String t = s.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) {
                    no.add(t);
                }
            }
        }
        return new EnvProxySelector(http, https, no);
    }

    private static String get(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v != null && !v.isEmpty()) {
            return v;
        }
        v = env.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v;
    }

    /** The proxy the variable {@code name} (or its lower-case twin) names, or null. */
    private static ProxyUrl proxy(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isEmpty()) {
            name = name.toLowerCase(Locale.ROOT);
            v = env.get(name);
        }
        return v == null || v.isEmpty() ? null : ProxyUrl.parse(name, v);
    }

    boolean bypass(String host, int port) {
        String h = host.toLowerCase(Locale.ROOT);
        if (RegistryHosts.isLoopback(h)) {
            return true;
        }
        for (String n : noProxy) {
            if (n.equals("*")) {
                return true;
            }
            String name = n;
            int colon = n.lastIndexOf(':');
            if (colon > 0 && !n.contains("]") && n.indexOf(':') == colon) {
                if (!n.substring(colon + 1).equals(String.valueOf(port))) {
                    continue;
                }
                name = n.substring(0, colon);
            }
            if (name.startsWith("*.")) {
                name = name.substring(1);
            }
            if (name.startsWith(".") ? h.endsWith(name) || h.equals(name.substring(1)) : h.equals(name) || h.endsWith("." + name)) {
                return true;
            }
        }
        return false;
    }

    /** The proxy {@code uri} is reached through, or null when it is reached directly. */
    ProxyUrl proxyFor(URI uri) {
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        ProxyUrl p = https ? httpsProxy : httpProxy;
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        if (p == null || uri.getHost() == null || bypass(uri.getHost(), port)) {
            return null;
        }
        return p;
    }

    /** The proxy for {@code uri}: {@link Proxy#NO_PROXY} when it is to be reached directly. */
    List<Proxy> select(URI uri) {
        ProxyUrl p = proxyFor(uri);
        if (p == null) {
            return List.of(Proxy.NO_PROXY);
        }
        return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(p.host(), p.port())));
    }

    /** This selection as the JDK's HttpClient takes it. */
    ProxySelector forJdkClient() {
        return new ForJdkClient(this);
    }

    private static final class ForJdkClient extends ProxySelector {
        private final EnvProxySelector selector;

        ForJdkClient(EnvProxySelector selector) {
            this.selector = selector;
        }

        @Override
        public List<Proxy> select(URI uri) {
            return selector.select(uri);
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            // the request fails and is retried by the caller
        }
    }
}
