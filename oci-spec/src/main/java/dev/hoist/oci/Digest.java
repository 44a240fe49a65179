package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content digest, {@code algorithm:encoded}, as the OCI image spec defines it. Only the registered
 * algorithms {@code sha256} and {@code sha512} are accepted; the encoded part is lowercase hex of the
 * algorithm's length. Immutable and thread-safe.
 */
public record Digest(DigestAlgorithm algorithm, String encoded) implements Comparable<Digest> {

    public Digest {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(encoded, "encoded");
        String problem = algorithm.checkEncoded(encoded);
        if (problem != null) {
            throw new InvalidDigestException(algorithm.ociName() + ":" + encoded, problem);
        }
    }

    /**
     * Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}.
     *
     * @throws InvalidDigestException naming what is wrong with the text
     */
    @JsonCreator
    public static Digest parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidDigestException(String.valueOf(text), "a digest is empty");
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new InvalidDigestException(text, "a digest has the form algorithm:hex, e.g. sha256:…");
        }
        String alg = text.substring(0, colon);
        DigestAlgorithm algorithm = DigestAlgorithm.fromOciName(alg);
        if (algorithm == null) {
            throw new InvalidDigestException(text, "unsupported digest algorithm '" + alg + "' (sha256 and sha512 are supported)");
        }
        return new Digest(algorithm, text.substring(colon + 1));
    }

    /** Whether {@code text} parses as a digest. */
    public static boolean isDigest(String text) {
        try {
            parse(text);
            return true;
        } catch (InvalidDigestException e) {
            return false;
        }
    }

    /** The sha256 digest of {@code bytes}. */
    public static Digest sha256(byte[] bytes) {
        return DigestAlgorithm.SHA256.digest(bytes);
    }

    /** The sha256 digest of the UTF-8 bytes of {@code text}. */
    public static Digest sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code sha256}, {@code sha512}. */
    public String algorithmName() {
        return algorithm.ociName();
    }

    /** The encoded part, without the algorithm; the same as {@link #encoded()}. */
    public String hex() {
        return encoded;
    }

    /** A short form for people: the first 12 hex characters, as Docker prints image IDs. */
    public String shortHex() {
        return encoded.substring(0, 12);
    }

    /** Whether {@code bytes} hash to this digest. */
    public boolean matches(byte[] bytes) {
        return algorithm.digest(bytes).equals(this);
    }

    @JsonValue
    @Override
    public String toString() {
        return algorithm.ociName() + ":" + encoded;
    }

    // equals and hashCode by hand: a record's generated ones bootstrap through invokedynamic on first use,
    // which costs a cold CLI start several milliseconds, and digests are hash keys everywhere.
    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && d.algorithm == algorithm && d.encoded.equals(encoded);
    }

    @Override
    public int hashCode() {
        return encoded.hashCode();
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }

    /** The registered digest algorithms. */
    public enum DigestAlgorithm {
        SHA256("sha256", "SHA-256", 64),
        SHA512("sha512", "SHA-512", 128);

        private final String ociName;
        private final String jcaName;
        private final int hexLength;

        DigestAlgorithm(String ociName, String jcaName, int hexLength) {
            this.ociName = ociName;
            this.jcaName = jcaName;
            this.hexLength = hexLength;
        }

        public String ociName() {
            return ociName;
        }

        public int hexLength() {
            return hexLength;
        }

        public static DigestAlgorithm fromOciName(String name) {
            for (DigestAlgorithm a : values()) {
                if (a.ociName.equals(name)) {
                    return a;
                }
            }
            return null;
        }

        /** A fresh JCA message digest for this algorithm. */
        public MessageDigest newMessageDigest() {
            try {
                return MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(jcaName + " is missing from this JVM", e);
            }
        }

        public Digest digest(byte[] bytes) {
            Digester d = new Digester(this);
            d.update(bytes, 0, bytes.length);
            return d.digest();
        }

        /** The digest whose raw hash bytes are {@code raw}. */
        public Digest fromRaw(byte[] raw) {
            return new Digest(this, HexFormat.of().formatHex(raw));
        }

        String checkEncoded(String encoded) {
            if (encoded.length() != hexLength) {
                return ociName + " needs " + hexLength + " hex characters, got " + encoded.length();
            }
            for (int i = 0; i < encoded.length(); i++) {
                char c = encoded.charAt(i);
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                    return "character '" + c + "' at " + i + " is not lowercase hex";
                }
            }
            return null;
        }
    }
}
