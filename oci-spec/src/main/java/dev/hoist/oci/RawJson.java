package dev.hoist.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A JSON document's exact bytes, their sha256 digest and the parsed tree. The tree is never mutated after
 * construction. Immutable and thread-safe.
 */
final class RawJson {
    private final byte[] bytes;
    private final ObjectNode tree;
    /**
     * Computed when first asked for: a document read back from a store was just verified against its digest, and
     * most readers never ask (hashing in a JVM that has not compiled SHA-256 yet costs ~20 us a block). Digest is
     * immutable, so a racy first computation only repeats the same work.
     */
    private Digest digest;

    private RawJson(byte[] bytes, ObjectNode tree) {
        this.bytes = bytes;
        this.tree = tree;
    }

    /** Keeps a private copy of {@code bytes} exactly as given. */
    static RawJson parse(byte[] bytes, String what) throws InvalidContentException {
        byte[] copy = bytes.clone();
        return new RawJson(copy, OciJson.readObject(copy, what));
    }

    /** Serialises {@code tree} compactly; the tree must not be changed afterwards. */
    static RawJson of(ObjectNode tree) {
        return new RawJson(OciJson.write(tree), tree);
    }

    byte[] bytes() {
        return bytes.clone();
    }

    InputStream inputStream() {
        return new ByteArrayInputStream(bytes);
    }

    int size() {
        return bytes.length;
    }

    Digest digest() {
        Digest d = digest;
        if (d == null) {
            d = Digest.sha256(bytes);
            digest = d;
        }
        return d;
    }

    /** The shared tree: callers must not mutate it. */
    ObjectNode tree() {
        return tree;
    }

    String string() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    boolean sameBytes(RawJson other) {
        return Arrays.equals(bytes, other.bytes);
    }

    int bytesHash() {
        return Arrays.hashCode(bytes);
    }
}
