package dev.hoist.cache.layer;

/**
 * A layer that cannot be written or applied as it is: an entry that would land outside the target, a
 * malformed or truncated tar, an entry type that has no meaning in a layer. Names the entry and the reason.
 */
public final class LayerException extends Exception {
    private final String entry;
    private final String reason;

    public LayerException(String entry, String reason) {
        super(entry == null ? reason : "layer entry '" + entry + "': " + reason);
        this.entry = entry;
        this.reason = reason;
    }

    public LayerException(String entry, String reason, Throwable cause) {
        this(entry, reason);
        initCause(cause);
    }

    /** The tar entry name as the layer spells it, or null when the problem is not one entry's. */
    public String entry() {
        return entry;
    }

    /** Why the entry or layer was refused. */
    public String reason() {
        return reason;
    }
}
