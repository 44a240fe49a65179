package dev.hoist.oci;

/**
 * Docker's reference grammar (github.com/distribution/reference, regexp.go) as hand-written matchers that
 * accept exactly what Docker's anchored regular expressions accept and split the input the same way (a test
 * checks this against the regular expressions themselves). Hand-written because java.util.regex recurses once
 * per repetition of a group and overflows the stack on long input. Stateless.
 *
 * <pre>
 * reference        := name [ ":" tag ] [ "@" digest ]
 * name             := [domain '/'] remote-name
 * domain           := host [':' port-number]
 * host             := domain-name | '[' IPv6 hex and colons ']'
 * domain-name      := domain-component ['.' domain-component]*
 * domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 * port-number      := /[0-9]+/
 * remote-name      := path-component ['/' path-component]*
 * path-component   := alpha-numeric [separator alpha-numeric]*
 * alpha-numeric    := /[a-z0-9]+/
 * separator        := /[_.]|__|[-]+/
 * tag              := /[\w][\w.-]{0,127}/
 * digest           := algorithm-component [/[+.-_]/ algorithm-component]* ':' /[0-9a-fA-F]{32,}/
 * algorithm-component := /[A-Za-z][A-Za-z0-9]*&#47;
 * identifier       := /[a-f0-9]{64}/
 * </pre>
 */
final class ReferenceGrammar {
    private ReferenceGrammar() {
    }

    /** Docker's special domain: always a domain when it is the first of several components. */
    static final String LOCALHOST = "localhost";

    /** The longest repository path Docker accepts (RepositoryNameTotalLengthMax). */
    static final int PATH_MAX = 255;

    /** A reference split into its parts; {@code domain}, {@code tag} and {@code digest} may be null. */
    record Parts(String domain, String path, String tag, String digest) {
    }

    /**
     * Splits {@code s} as Docker's ReferenceRegexp and anchored name regexp would, or returns null when it
     * does not match. A digest follows the first '@' (neither names nor tags contain '@'); a tag follows the
     * first ':' after the last '/' (or the first ':' when there is no '/', as a name without a domain has no
     * ':'); a name's first component is its domain when it fits the domain grammar and the rest is a path.
     */
    static Parts matchReference(String s) {
        String rest = s;
        String digest = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            digest = s.substring(at + 1);
            rest = s.substring(0, at);
            if (!isDigest(digest)) {
                return null;
            }
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.indexOf(':', slash + 1);
        if (colon >= 0) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!isTag(tag)) {
                return null;
            }
        }
        String[] name = matchName(rest);
        return name == null ? null : new Parts(name[0], name[1], tag, digest);
    }

    /** {@code [domain, path]} (domain may be null) as Docker's anchored name regexp splits {@code name}, or null. */
    static String[] matchName(String name) {
        int slash = name.indexOf('/');
        if (slash >= 0 && isDomain(name.substring(0, slash)) && isRemoteName(name.substring(slash + 1))) {
            return new String[] {name.substring(0, slash), name.substring(slash + 1)};
        }
        return isRemoteName(name) ? new String[] {null, name} : null;
    }

    static boolean isRemoteName(String path) {
        int start = 0;
        while (true) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? path.length() : slash;
            if (!isPathComponent(path, start, end)) {
                return false;
            }
            if (slash < 0) {
                return true;
            }
            start = slash + 1;
        }
    }

    static boolean isPathComponent(String s) {
        return isPathComponent(s, 0, s.length());
    }

    /** alpha-numeric [separator alpha-numeric]*, where a separator is '.', '_', '__' or one or more '-'. */
    private static boolean isPathComponent(String s, int from, int to) {
        int i = from;
        while (true) {
            int runStart = i;
            while (i < to && isLowerAlnum(s.charAt(i))) {
                i++;
            }
            if (i == runStart) {
                return false;
            }
            if (i == to) {
                return true;
            }
            char c = s.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '_') {
                i++;
                if (i < to && s.charAt(i) == '_') {
                    i++;
                }
            } else if (c == '-') {
                while (i < to && s.charAt(i) == '-') {
                    i++;
                }
            } else {
                return false;
            }
        }
    }

    /** host [':' port]: a domain name or a bracketed IPv6 address (hex and colons only). */
    static boolean isDomain(String d) {
        int portColon;
        if (d.startsWith("[")) {
            int close = d.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (int i = 1; i < close; i++) {
                char c = d.charAt(i);
                if (!(isHex(c) || c == ':')) {
                    return false;
                }
            }
            if (close == d.length() - 1) {
                return true;
            }
            portColon = close + 1;
            if (d.charAt(portColon) != ':') {
                return false;
            }
        } else {
            int colon = d.indexOf(':');
            String host = colon < 0 ? d : d.substring(0, colon);
            if (!isDomainName(host)) {
                return false;
            }
            if (colon < 0) {
                return true;
            }
            portColon = colon;
        }
        if (portColon == d.length() - 1) {
            return false;
        }
        for (int i = portColon + 1; i < d.length(); i++) {
            if (!isDigit(d.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDomainName(String host) {
        int start = 0;
        while (true) {
            int dot = host.indexOf('.', start);
            int end = dot < 0 ? host.length() : dot;
            if (end == start || host.charAt(start) == '-' || host.charAt(end - 1) == '-') {
                return false;
            }
            for (int i = start; i < end; i++) {
                char c = host.charAt(i);
                if (!(isAlnum(c) || c == '-')) {
                    return false;
                }
            }
            if (dot < 0) {
                return true;
            }
            start = dot + 1;
        }
    }

    /** [\w][\w.-]{0,127} */
    static boolean isTag(String t) {
        if (t.isEmpty() || t.length() > 128 || !isWord(t.charAt(0))) {
            return false;
        }
        for (int i = 1; i < t.length(); i++) {
            char c = t.charAt(i);
            if (!(isWord(c) || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** The syntax of a digest in a reference: algorithm components joined by [+.-_], ':', 32 or more hex digits. */
    static boolean isDigest(String d) {
        int colon = d.indexOf(':');
        if (colon <= 0 || d.length() - colon - 1 < 32) {
            return false;
        }
        boolean componentStart = true;
        for (int i = 0; i < colon; i++) {
            char c = d.charAt(i);
            if (componentStart) {
                if (!isAsciiLetter(c)) {
                    return false;
                }
                componentStart = false;
            } else if (c == '+' || c == '.' || c == '-' || c == '_') {
                componentStart = true;
            } else if (!isAlnum(c)) {
                return false;
            }
        }
        if (componentStart) {
            return false;
        }
        for (int i = colon + 1; i < d.length(); i++) {
            if (!isHex(d.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** [a-f0-9]{64}: an image ID without its algorithm. */
    static boolean isIdentifier(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!(isDigit(c) || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLowerAlnum(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'z');
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isAlnum(char c) {
        return isDigit(c) || isAsciiLetter(c);
    }

    private static boolean isWord(char c) {
        return isAlnum(c) || c == '_';
    }

    private static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
