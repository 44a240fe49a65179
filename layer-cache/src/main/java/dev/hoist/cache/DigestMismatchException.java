package dev.hoist.cache;

import dev.hoist.oci.Digest;

/**
 * Content offered to the store did not match the digest or size it was expected to have; nothing was
 * stored.
 */
public final class DigestMismatchException extends StoreException {
    private final Digest expected;
    private final Digest actual;
    private final long expectedSize;
    private final long actualSize;

    DigestMismatchException(Digest expected, Digest actual, long expectedSize, long actualSize) {
        super(message(expected, actual, expectedSize, actualSize));
        this.expected = expected;
        this.actual = actual;
        this.expectedSize = expectedSize;
        this.actualSize = actualSize;
    }

    private static String message(Digest expected, Digest actual, long expectedSize, long actualSize) {
        StringBuilder sb = new StringBuilder("content does not match what was expected: ");
        if (actual == null) {
            sb.append("expected ").append(expectedSize).append(" bytes")
                    .append(expected == null ? "" : " for " + expected)
                    .append(" but got more");
        } else if (expected != null && !expected.equals(actual)) {
            sb.append("expected ").append(expected).append(", got ").append(actual);
            if (expectedSize >= 0 && expectedSize != actualSize) {
                sb.append(" (").append(actualSize).append(" bytes instead of ").append(expectedSize).append(')');
            }
        } else {
            sb.append(actual).append(" has ").append(actualSize).append(" bytes, expected ").append(expectedSize);
        }
        return sb.append("; nothing was stored. The source is damaged or changed in transit: try again,"
                + " and if it persists, the source itself is wrong").toString();
    }

    /** The digest that was expected, or null when only a size was. */
    public Digest expected() {
        return expected;
    }

    /** What the content hashed to, or null when it was longer than expected and reading stopped. */
    public Digest actual() {
        return actual;
    }

    /** The size that was expected, or -1. */
    public long expectedSize() {
        return expectedSize;
    }

    /** The bytes received (when reading stopped early, the count at that point). */
    public long actualSize() {
        return actualSize;
    }
}
