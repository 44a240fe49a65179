package dev.hoist.oci;

import java.util.Locale;

/**
 * Docker's rules for registry host names: Docker Hub's names ({@code docker.io} in references,
 * {@code index.docker.io} as its legacy alias, {@code registry-1.docker.io} as the host that serves the API,
 * {@code https://index.docker.io/v1/} as its key in Docker's credential store) and which hosts are loopback
 * (where Docker allows plain HTTP without configuration). Stateless; no name is ever resolved.
 */
public final class RegistryHosts {
    /** The registry name of Docker Hub in normalised references. */
    public static final String DOCKER_HUB = "docker.io";
    /** Docker Hub's legacy name, normalised to {@link #DOCKER_HUB} in references. */
    public static final String DOCKER_HUB_LEGACY = "index.docker.io";
    /** The host that serves Docker Hub's registry API. */
    public static final String DOCKER_HUB_API = "registry-1.docker.io";
    /** The key under which Docker's config.json and credential helpers store Docker Hub credentials. */
    public static final String DOCKER_HUB_CREDENTIALS_KEY = "https://index.docker.io/v1/";

    private RegistryHosts() {
    }

    /** {@code index.docker.io} becomes {@code docker.io}; every other name is returned as given. */
    public static String normalize(String domain) {
        return DOCKER_HUB_LEGACY.equals(domain) ? DOCKER_HUB : domain;
    }

    /** Whether {@code domain} names Docker Hub ({@code docker.io} or {@code index.docker.io}). */
    public static boolean isDockerHub(String domain) {
        return DOCKER_HUB.equals(domain) || DOCKER_HUB_LEGACY.equals(domain);
    }

    /** The host[:port] to send registry API requests to: {@code registry-1.docker.io} for Docker Hub, else {@code domain}. */
    public static String apiHost(String domain) {
        return isDockerHub(domain) ? DOCKER_HUB_API : domain;
    }

    /** The key Docker's credential store uses for {@code domain}: {@value #DOCKER_HUB_CREDENTIALS_KEY} for Docker Hub, else {@code domain}. */
    public static String credentialsKey(String domain) {
        return isDockerHub(domain) ? DOCKER_HUB_CREDENTIALS_KEY : domain;
    }

    /**
     * Whether {@code domain} (host with an optional port) is a loopback host: {@code localhost}, an IPv4
     * address in 127.0.0.0/8, or the IPv6 loopback {@code [::1]} in any spelling. Names are not resolved.
     */
    public static boolean isLoopback(String domain) {
        if (domain == null || domain.isEmpty()) {
            return false;
        }
        String host = host(domain);
        if (host.toLowerCase(Locale.ROOT).equals("localhost")) {
            return true;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            return isIpv6Loopback(host.substring(1, host.length() - 1));
        }
        return isIpv4Loopback(host);
    }

    /** {@code domain} without its port. */
    public static String host(String domain) {
        if (domain.startsWith("[")) {
            int end = domain.indexOf(']');
            return end < 0 ? domain : domain.substring(0, end + 1);
        }
        int colon = domain.indexOf(':');
        return colon < 0 ? domain : domain.substring(0, colon);
    }

    private static boolean isIpv4Loopback(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !allMatch(p, 10) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return Integer.parseInt(parts[0]) == 127;
    }

    /**
     * Whether every character of {@code s} is a digit in {@code radix} ({@link Character#digit}; for 10, as
     * {@link Character#isDigit}). A loop, not {@code chars().allMatch}: every registry command asks whether its
     * registry is loopback, and the stream and its lambda cost ~1 ms of a cold start.
     */
    private static boolean allMatch(String s, int radix) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (radix == 10 ? !Character.isDigit(c) : Character.digit(c, radix) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6Loopback(String address) {
        int[] groups = new int[8];
        int dc = address.indexOf("::");
        if (dc >= 0 && address.indexOf("::", dc + 1) >= 0) {
            return false;
        }
        String head = dc >= 0 ? address.substring(0, dc) : address;
        String tail = dc >= 0 ? address.substring(dc + 2) : "";
        String[] h = head.isEmpty() ? new String[0] : head.split(":", -1);
        String[] t = tail.isEmpty() ? new String[0] : tail.split(":", -1);
        if ((dc < 0 && h.length != 8) || h.length + t.length > (dc >= 0 ? 7 : 8)) {
            return false;
        }
        try {
            for (int i = 0; i < h.length; i++) {
                groups[i] = group(h[i]);
            }
            for (int i = 0; i < t.length; i++) {
                groups[8 - t.length + i] = group(t[i]);
            }
        } catch (NumberFormatException e) {
            return false;
        }
        for (int i = 0; i < 7; i++) {
            if (groups[i] != 0) {
                return false;
            }
        }
        return groups[7] == 1;
    }

    private static int group(String g) {
        if (g.isEmpty() || g.length() > 4 || !allMatch(g, 16)) {
            throw new NumberFormatException(g);
        }
        return Integer.parseInt(g, 16);
    }
}
