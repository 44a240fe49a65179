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
    private final URI httpProxy;
    private final URI httpsProxy;
    private final List<String> noProxy;

    private EnvProxySelector(URI httpProxy, URI httpsProxy, List<String> noProxy) {
        this.httpProxy = httpProxy;
        this.httpsProxy = httpsProxy;
        this.noProxy = noProxy;
    }

    /** The selector for {@code env}, or null when no proxy is set. */
    static EnvProxySelector fromEnv(Map<String, String> env) {
        URI http = proxy(env, "HTTP_PROXY");
        URI https = proxy(env, "HTTPS_PROXY");
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
        if (v == null || v.isEmpty()) {
            v = env.get(name.toLowerCase(Locale.ROOT));
        }
        return v == null || v.isEmpty() ? null : v;
    }

    private static URI proxy(Map<String, String> env, String name) {
        String v = get(env, name);
        if (v == null) {
            return null;
        }
        if (!v.contains("://")) {
            v = "http://" + v;
        }
        URI u = URI.create(v);
        if (u.getHost() == null) {
            throw new IllegalArgumentException(name + "=" + v + " names no proxy host; fix the variable");
        }
        return u;
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

    /** The proxy for {@code uri}: {@link Proxy#NO_PROXY} when it is to be reached directly. */
    List<Proxy> select(URI uri) {
        URI p = "https".equalsIgnoreCase(uri.getScheme()) ? httpsProxy : httpProxy;
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        if (p == null || uri.getHost() == null || bypass(uri.getHost(), port)) {
            return List.of(Proxy.NO_PROXY);
        }
        int pport = p.getPort() > 0 ? p.getPort() : "https".equalsIgnoreCase(p.getScheme()) ? 443 : 80;
        return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(p.getHost(), pport)));
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
