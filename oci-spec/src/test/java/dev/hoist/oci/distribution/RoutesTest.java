package dev.hoist.oci.distribution;

import dev.hoist.oci.Digest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RoutesTest {
    static final Digest D = Digest.sha256("x");

    @Test
    void builtPathsMatchBack() {
        assertEquals(new Routes.Route(Routes.Kind.BASE, null, null), Routes.match("/v2/"));
        assertEquals(new Routes.Route(Routes.Kind.CATALOG, null, null), Routes.match(Routes.catalog()));
        assertEquals(new Routes.Route(Routes.Kind.TAGS, "a/b", null), Routes.match(Routes.tags("a/b")));
        assertEquals(new Routes.Route(Routes.Kind.MANIFEST, "a/b/c", "v1"), Routes.match(Routes.manifest("a/b/c", "v1")));
        assertEquals(new Routes.Route(Routes.Kind.BLOB, "a", D.toString()), Routes.match(Routes.blob("a", D)));
        assertEquals(new Routes.Route(Routes.Kind.UPLOADS, "a", null), Routes.match(Routes.uploads("a")));
        assertEquals(new Routes.Route(Routes.Kind.UPLOAD, "a", "id"), Routes.match(Routes.upload("a", "id")));
        assertEquals(new Routes.Route(Routes.Kind.REFERRERS, "a", D.toString()), Routes.match(Routes.referrers("a", D)));
    }

    @Test
    void namesThatLookLikeRoutes() {
        assertEquals(new Routes.Route(Routes.Kind.MANIFEST, "blobs/manifests", "v1"), Routes.match("/v2/blobs/manifests/manifests/v1"));
        assertEquals(new Routes.Route(Routes.Kind.TAGS, "tags", null), Routes.match("/v2/tags/tags/list"));
    }

    @Test
    void notRoutes() {
        assertNull(Routes.match("/v1/"));
        assertNull(Routes.match("/v2/a/manifests/"));
        assertNull(Routes.match("/v2/a/unknown/x"));
        assertNull(Routes.match("/v2//tags/list"));
    }

    @Test
    void errorCodes() {
        assertEquals(ErrorCode.BLOB_UNKNOWN, ErrorCode.fromCode("BLOB_UNKNOWN"));
        assertEquals(404, ErrorCode.MANIFEST_UNKNOWN.status());
        assertNull(ErrorCode.fromCode("NOPE"));
    }
}
