package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import java.util.Objects;

import static dev.hoist.oci.ReferenceGrammar.PATH_MAX;
import static dev.hoist.oci.ReferenceGrammar.isDigest;
import static dev.hoist.oci.ReferenceGrammar.isDomain;
import static dev.hoist.oci.ReferenceGrammar.isIdentifier;
import static dev.hoist.oci.ReferenceGrammar.isPathComponent;
import static dev.hoist.oci.ReferenceGrammar.isRemoteName;
import static dev.hoist.oci.ReferenceGrammar.isTag;

/**
 * An image reference, {@code [domain/]path[:tag][@digest]}, parsed and normalised exactly as Docker does
 * (github.com/distribution/reference): {@code busybox} is {@code docker.io/library/busybox:latest},
 * {@code index.docker.io} becomes {@code docker.io}, a first component is a registry only if it contains
 * {@code .} or {@code :}, is {@code localhost}, or has uppercase letters. A reference may also be a digest
 * alone (from {@link #parseAny}). Immutable and thread-safe.
 *
 * @param domain the registry, {@code host[:port]}; null only for a digest alone or an unnormalised name
 *               without one ({@link #parseExact})
 * @param path   the repository path, e.g. {@code library/busybox}; null for a digest alone
 * @param tag    the tag, or null
 * @param digest the digest, or null
 */
public record Reference(String domain, String path, String tag, Digest digest) {

    /** The tag Docker adds when a reference names neither a tag nor a digest. */
    public static final String DEFAULT_TAG = "latest";

    /**
     * Checks each part against Docker's grammar.
     *
     * @throws InvalidReferenceException if a part is not valid
     */
    public Reference {
        if (path == null) {
            if (domain != null || tag != null || digest == null) {
                throw new IllegalArgumentException("a reference without a repository path can only be a digest");
            }
        } else {
            String shown = text(domain, path, tag, digest);
            if (!isRemoteName(path)) {
                boolean upper = !path.equals(path.toLowerCase(Locale.ROOT))
                        && isRemoteName(path.toLowerCase(Locale.ROOT));
                throw new InvalidReferenceException(shown, upper ? InvalidReferenceException.Reason.UPPERCASE : InvalidReferenceException.Reason.INVALID_FORMAT,
                        upper ? "repository name must be lowercase" : pathProblem(path));
            }
            if (path.length() > PATH_MAX) {
                throw new InvalidReferenceException(shown, InvalidReferenceException.Reason.NAME_TOO_LONG, nameTooLong(path));
            }
            if (domain != null && !isDomain(domain)) {
                throw new InvalidReferenceException(shown, InvalidReferenceException.Reason.INVALID_FORMAT, domainProblem(domain));
            }
            if (tag != null && !isTag(tag)) {
                throw new InvalidReferenceException(shown, InvalidReferenceException.Reason.INVALID_TAG, tagProblem(tag));
            }
        }
    }

    /**
     * Parses a reference as the Docker CLI does for pull, run, push and tag: {@link #parseNormalized}, then the
     * tag {@code latest} if neither a tag nor a digest was given. {@code busybox} →
     * {@code docker.io/library/busybox:latest}; {@code busybox@sha256:…} keeps no tag.
     *
     * @throws InvalidReferenceException naming the bad part
     */
    public static Reference parse(String text) {
        Reference r = parseNormalized(text);
        return r.tag == null && r.digest == null ? r.withTag(DEFAULT_TAG) : r;
    }

    /**
     * Parses a familiar or full name into a fully qualified reference, like Docker's
     * {@code ParseNormalizedNamed}: the registry defaults to {@code docker.io}, single-component names on
     * Docker Hub get {@code library/}, {@code index.docker.io} becomes {@code docker.io}. No tag is added.
     * A 64-character hex string is refused (it is an image ID).
     *
     * @throws InvalidReferenceException naming the bad part
     */
    public static Reference parseNormalized(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new InvalidReferenceException(text, InvalidReferenceException.Reason.INVALID_FORMAT, "an image reference cannot be empty");
        }
        if (isIdentifier(text)) {
            throw new InvalidReferenceException(text, InvalidReferenceException.Reason.HEX_IDENTIFIER,
                    "a 64-character hexadecimal string is an image ID, not a repository name");
        }
        String domain;
        String remainder;
        int slash = text.indexOf('/');
        if (slash < 0) {
            domain = RegistryHosts.DOCKER_HUB;
            remainder = "library/" + text;
        } else {
            String maybeDomain = text.substring(0, slash);
            String maybeRemainder = text.substring(slash + 1);
            if (maybeDomain.equals(ReferenceGrammar.LOCALHOST)) {
                domain = maybeDomain;
                remainder = maybeRemainder;
            } else if (maybeDomain.equals(RegistryHosts.DOCKER_HUB_LEGACY)) {
                domain = RegistryHosts.DOCKER_HUB;
                remainder = maybeRemainder;
            } else if (maybeDomain.indexOf('.') >= 0 || maybeDomain.indexOf(':') >= 0
                    || !maybeDomain.equals(maybeDomain.toLowerCase(Locale.ROOT))) {
                domain = maybeDomain;
                remainder = maybeRemainder;
            } else {
                domain = RegistryHosts.DOCKER_HUB;
                remainder = text;
            }
            if (domain.equals(RegistryHosts.DOCKER_HUB) && remainder.indexOf('/') < 0) {
                remainder = "library/" + remainder;
            }
        }
        int colon = remainder.indexOf(':');
        String remote = colon < 0 ? remainder : remainder.substring(0, colon);
        if (!remote.equals(remote.toLowerCase(Locale.ROOT))) {
            throw new InvalidReferenceException(text, InvalidReferenceException.Reason.UPPERCASE, "repository name must be lowercase");
        }
        return parse(domain + "/" + remainder, text);
    }

    /**
     * Parses a reference or a digest alone, like Docker's {@code ParseAnyReference}: a 64-character hex string
     * is {@code sha256:<hex>}, a valid digest is a digest reference, anything else goes to
     * {@link #parseNormalized}.
     *
     * @throws InvalidReferenceException naming the bad part
     */
    public static Reference parseAny(String text) {
        Objects.requireNonNull(text, "text");
        if (isIdentifier(text)) {
            return ofDigest(Digest.parse("sha256:" + text));
        }
        if (Digest.isDigest(text)) {
            return ofDigest(Digest.parse(text));
        }
        return parseNormalized(text);
    }

    /**
     * Parses a reference without normalising it, like Docker's {@code Parse}: {@code busybox} has no domain
     * and path {@code busybox}; the first component is the domain whenever it fits the domain grammar
     * ({@code foo/bar} has domain {@code foo}). For registry-side names and exact round trips.
     *
     * @throws InvalidReferenceException naming the bad part
     */
    public static Reference parseExact(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new InvalidReferenceException(text, InvalidReferenceException.Reason.EMPTY, "an image reference cannot be empty");
        }
        return parse(text, text);
    }

    /** A reference that is only a digest. */
    public static Reference ofDigest(Digest digest) {
        return new Reference(null, null, null, Objects.requireNonNull(digest, "digest"));
    }

    /** Whether {@code tag} is a valid tag: {@code [\w][\w.-]{0,127}}. */
    public static boolean isValidTag(String tag) {
        return tag != null && isTag(tag);
    }

    /**
     * Whether {@code path} is a valid repository path as a registry sees it in {@code /v2/<name>/...}:
     * lowercase components separated by {@code /}, at most 255 characters.
     */
    public static boolean isValidRepository(String path) {
        return path != null && path.length() <= PATH_MAX && isRemoteName(path);
    }

    private static Reference parse(String s, String shown) {
        ReferenceGrammar.Parts m = ReferenceGrammar.matchReference(s);
        if (m == null) {
            String lower = s.toLowerCase(Locale.ROOT);
            if (!lower.equals(s) && ReferenceGrammar.matchReference(lower) != null) {
                throw new InvalidReferenceException(shown, InvalidReferenceException.Reason.UPPERCASE, "repository name must be lowercase");
            }
            throw new InvalidReferenceException(shown, InvalidReferenceException.Reason.INVALID_FORMAT, diagnose(s));
        }
        if (m.path().length() > PATH_MAX) {
            throw new InvalidReferenceException(shown, InvalidReferenceException.Reason.NAME_TOO_LONG, nameTooLong(m.path()));
        }
        Digest digest = null;
        if (m.digest() != null) {
            try {
                digest = Digest.parse(m.digest());
            } catch (InvalidDigestException e) {
                String prefix = "invalid digest \"" + e.input() + "\": ";
                String problem = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
                throw new InvalidReferenceException(shown, InvalidReferenceException.Reason.INVALID_DIGEST,
                        "digest \"" + m.digest() + "\" is not valid: " + problem);
            }
        }
        return new Reference(m.domain(), m.path(), m.tag(), digest);
    }

    /** The registry; the same as {@link #domain()}. */
    public String registry() {
        return domain;
    }

    /** The repository path; the same as {@link #path()}. */
    public String repository() {
        return path;
    }

    /** {@code domain/path} (or just the path when there is no domain); null for a digest alone. */
    public String fullName() {
        if (path == null) {
            return null;
        }
        return domain == null ? path : domain + "/" + path;
    }

    /**
     * The name as {@code docker images} shows it: without {@code docker.io/}, and without {@code library/} for
     * single-component official images ({@code docker.io/library/redis} → {@code redis},
     * {@code docker.io/library/foo/bar} stays {@code library/foo/bar}); null for a digest alone.
     */
    public String familiarName() {
        if (path == null) {
            return null;
        }
        if (RegistryHosts.DOCKER_HUB.equals(domain)) {
            if (path.startsWith("library/") && path.indexOf('/', "library/".length()) < 0) {
                return path.substring("library/".length());
            }
            return path;
        }
        return fullName();
    }

    /** The familiar name with tag and digest ({@code busybox:latest}); the digest for a digest alone. */
    public String familiarString() {
        if (path == null) {
            return digest.toString();
        }
        return familiarName() + suffix(tag, digest);
    }

    /** Whether this reference is only a digest. */
    public boolean isDigestOnly() {
        return path == null;
    }

    /** Whether the registry is a loopback host ({@code localhost}, 127.0.0.0/8, {@code [::1]}). */
    public boolean isLoopback() {
        return RegistryHosts.isLoopback(domain);
    }

    /** Whether the registry is Docker Hub. */
    public boolean isDockerHub() {
        return RegistryHosts.isDockerHub(domain);
    }

    /** The host to send registry API requests to ({@code registry-1.docker.io} for Docker Hub). */
    public String apiHost() {
        return RegistryHosts.apiHost(domain);
    }

    /**
     * This reference with {@code tag}, keeping any digest (as Docker's {@code WithTag}).
     *
     * @throws InvalidReferenceException if the tag is not valid
     * @throws IllegalStateException     for a digest alone
     */
    public Reference withTag(String tag) {
        requireName("tag");
        if (tag == null || !isTag(tag)) {
            throw new InvalidReferenceException(text(domain, path, tag, digest), InvalidReferenceException.Reason.INVALID_TAG, tagProblem(String.valueOf(tag)));
        }
        return new Reference(domain, path, tag, digest);
    }

    /**
     * This reference with {@code digest}, keeping any tag (as Docker's {@code WithDigest}).
     *
     * @throws IllegalStateException for a digest alone
     */
    public Reference withDigest(Digest digest) {
        requireName("digest");
        return new Reference(domain, path, tag, Objects.requireNonNull(digest, "digest"));
    }

    /** This reference without its tag. */
    public Reference withoutTag() {
        return tag == null ? this : new Reference(domain, path, null, digest);
    }

    /** This reference without its digest. */
    public Reference withoutDigest() {
        requireName("name");
        return digest == null ? this : new Reference(domain, path, tag, null);
    }

    /** Only the name, without tag or digest (Docker's {@code TrimNamed}). */
    public Reference nameOnly() {
        requireName("name");
        return tag == null && digest == null ? this : new Reference(domain, path, null, null);
    }

    private void requireName(String what) {
        if (path == null) {
            throw new IllegalStateException("a reference that is only a digest (" + digest + ") has no name to give a " + what);
        }
    }

    /** The full reference: {@code domain/path[:tag][@digest]}, or the digest for a digest alone. */
    @JsonValue
    @Override
    public String toString() {
        return text(domain, path, tag, digest);
    }

    @JsonCreator
    static Reference fromJson(String text) {
        return parseAny(text);
    }

    private static String text(String domain, String path, String tag, Digest digest) {
        if (path == null) {
            return String.valueOf(digest);
        }
        return (domain == null ? path : domain + "/" + path) + suffix(tag, digest);
    }

    private static String suffix(String tag, Digest digest) {
        return (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    private static String nameTooLong(String path) {
        return "repository name must not be more than " + PATH_MAX + " characters (\"" + path.substring(0, 32) + "…\" has " + path.length() + ")";
    }

    private static String tagProblem(String tag) {
        if (tag.length() > 128) {
            return "tag \"" + tag.substring(0, 32) + "…\" is too long: a tag has at most 128 characters, this one has " + tag.length();
        }
        if (tag.isEmpty()) {
            return "the tag after ':' is empty";
        }
        char c = tag.charAt(0);
        if (!(Character.isLetterOrDigit(c) && c < 128 || c == '_')) {
            return "tag \"" + tag + "\" is not valid: a tag must start with a letter, a digit or '_'";
        }
        return "tag \"" + tag + "\" is not valid: a tag may contain only letters, digits, '_', '.' and '-'";
    }

    private static String domainProblem(String domain) {
        return "registry host \"" + domain + "\" is not valid: use a host name, an IPv4 address or a bracketed IPv6 address, with an optional :port";
    }

    private static String pathProblem(String path) {
        String[] components = path.split("/", -1);
        for (String c : components) {
            if (c.isEmpty()) {
                return "repository name \"" + path + "\" has an empty component (a leading, trailing or double '/')";
            }
            if (!isPathComponent(c)) {
                return "repository name component \"" + c + "\" is not valid: use lowercase letters and digits, separated by '.', '_', '__' or '-', starting and ending with a letter or digit";
            }
        }
        return "repository name \"" + path + "\" is not valid";
    }

    /** Says which part of a string that failed the reference grammar is wrong. */
    private static String diagnose(String s) {
        if (s.contains("://")) {
            return "a reference has no URL scheme: drop \"" + s.substring(0, s.indexOf("://") + 3) + "\"";
        }
        String rest = s;
        String digestPart = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digestPart = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tagPart = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/') && colon > rest.lastIndexOf(']')) {
            tagPart = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        if (rest.isEmpty()) {
            return "the repository name is missing";
        }
        if (digestPart != null && !isDigest(digestPart)) {
            return "digest \"" + digestPart + "\" is not valid: a digest is algorithm:hex, e.g. sha256: and 64 hex characters";
        }
        if (tagPart != null && !isTag(tagPart)) {
            return tagProblem(tagPart);
        }
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash < 0 && rest.startsWith("[")) {
            return "\"" + rest + "\" is a registry host; add a repository after it, e.g. " + rest + "/name";
        }
        if (slash >= 0) {
            String first = rest.substring(0, slash);
            if (first.startsWith("[") || first.indexOf('.') >= 0 || first.indexOf(':') >= 0 || first.equals(ReferenceGrammar.LOCALHOST)) {
                if (!isDomain(first)) {
                    return domainProblem(first);
                }
                path = rest.substring(slash + 1);
            }
        }
        if (!isRemoteName(path)) {
            return pathProblem(path);
        }
        return "invalid reference format";
    }
}
