package dev.hoist.registry.server;

/**
 * How a storage behaves: whether it fsyncs what it writes (on by default; off only for throwaway test data)
 * and how many bytes of manifests it keeps in memory. Immutable.
 */
public record StorageOptions(boolean fsync, long manifestCacheBytes) {

    public StorageOptions {
        if (manifestCacheBytes < 0) {
            throw new IllegalArgumentException("manifestCacheBytes cannot be negative: " + manifestCacheBytes);
        }
    }

    /** fsync on, 64 MiB of manifests in memory. */
    public static StorageOptions defaults() {
        return new StorageOptions(true, 64L << 20);
    }
}
