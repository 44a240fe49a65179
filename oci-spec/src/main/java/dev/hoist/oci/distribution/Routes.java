package dev.hoist.oci.distribution;

import dev.hoist.oci.Digest;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The URL paths of the distribution API, built for clients and matched for servers, so both sides agree.
 * Repository names may contain {@code /}, so a path is matched from its end: the last {@code /manifests/},
 * {@code /blobs/}, {@code /tags/list} or {@code /referrers/} splits the name from the rest. Stateless.
 */
public final class Routes {
    private Routes() {
    }

    /** The API base, {@code /v2/}. */
    public static final String BASE = "/v2/";

    /** What a path asks for. */
    public enum Kind {
        /** {@code /v2/}: the version check. */
        BASE,
        /** {@code /v2/_catalog}. */
        CATALOG,
        /** {@code /v2/<name>/tags/list}. */
        TAGS,
        /** {@code /v2/<name>/manifests/<reference>}: a tag or a digest. */
        MANIFEST,
        /** {@code /v2/<name>/blobs/<digest>}. */
        BLOB,
        /** {@code /v2/<name>/blobs/uploads/}: start an upload. */
        UPLOADS,
        /** {@code /v2/<name>/blobs/uploads/<id>}: an upload session. */
        UPLOAD,
        /** {@code /v2/<name>/referrers/<digest>}. */
        REFERRERS
    }

    /**
     * A matched path: its kind, the repository name (null for {@link Kind#BASE} and {@link Kind#CATALOG}) and
     * the reference, digest or upload id as written in the path (null where the kind has none). The name and
     * the reference are not validated: the server checks them so it can answer the spec's error code.
     */
    public record Route(Kind kind, String name, String reference) {
    }

    /**
     * Matches a request path (without the query), or returns null when it is not a distribution API path.
     */
    public static Route match(String path) {
        if (path == null || !path.startsWith("/v2")) {
            return null;
        }
        if (path.equals("/v2") || path.equals(BASE)) {
            return new Route(Kind.BASE, null, null);
        }
        if (!path.startsWith(BASE)) {
            return null;
        }
        String rest = path.substring(BASE.length());
        if (rest.equals("_catalog")) {
            return new Route(Kind.CATALOG, null, null);
        }
        if (rest.endsWith("/tags/list")) {
            return named(Kind.TAGS, rest.substring(0, rest.length() - "/tags/list".length()), null);
        }
        int i = rest.lastIndexOf("/blobs/uploads/");
        if (i >= 0) {
            String id = rest.substring(i + "/blobs/uploads/".length());
            if (id.isEmpty()) {
                return named(Kind.UPLOADS, rest.substring(0, i), null);
            }
            if (id.indexOf('/') < 0) {
                return named(Kind.UPLOAD, rest.substring(0, i), id);
            }
        }
        if (rest.endsWith("/blobs/uploads")) {
            return named(Kind.UPLOADS, rest.substring(0, rest.length() - "/blobs/uploads".length()), null);
        }
        Route r = split(rest, "/manifests/", Kind.MANIFEST);
        if (r == null) {
            r = split(rest, "/blobs/", Kind.BLOB);
        }
        if (r == null) {
            r = split(rest, "/referrers/", Kind.REFERRERS);
        }
        return r;
    }

    private static Route split(String rest, String marker, Kind kind) {
        int i = rest.lastIndexOf(marker);
        if (i <= 0) {
            return null;
        }
        String ref = rest.substring(i + marker.length());
        if (ref.isEmpty() || ref.indexOf('/') >= 0) {
            return null;
        }
        return new Route(kind, rest.substring(0, i), ref);
    }

    private static Route named(Kind kind, String name, String ref) {
        return name.isEmpty() ? null : new Route(kind, name, ref);
    }

    /** {@code /v2/_catalog}. */
    public static String catalog() {
        return BASE + "_catalog";
    }

    /** {@code /v2/<name>/tags/list}. */
    public static String tags(String name) {
        return BASE + name + "/tags/list";
    }

    /** {@code /v2/<name>/manifests/<reference>}, reference being a tag or a digest. */
    public static String manifest(String name, String reference) {
        return BASE + name + "/manifests/" + reference;
    }

    /** {@code /v2/<name>/blobs/<digest>}. */
    public static String blob(String name, Digest digest) {
        return BASE + name + "/blobs/" + digest;
    }

    /** {@code /v2/<name>/blobs/uploads/}. */
    public static String uploads(String name) {
        return BASE + name + "/blobs/uploads/";
    }

    /** {@code /v2/<name>/blobs/uploads/<id>}. */
    public static String upload(String name, String id) {
        return BASE + name + "/blobs/uploads/" + id;
    }

    /** {@code /v2/<name>/referrers/<digest>}. */
    public static String referrers(String name, Digest digest) {
        return BASE + name + "/referrers/" + digest;
    }

    /** A query parameter, {@code key=value}, with the value URL-encoded. */
    public static String param(String key, String value) {
        return key + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
