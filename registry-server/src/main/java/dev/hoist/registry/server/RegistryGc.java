package dev.hoist.registry.server;

import java.io.IOException;

/**
 * Offline garbage collection for {@code hoist registry gc}: takes the storage (refused while a registry
 * serves it), marks what manifests reference, and deletes the rest. Stateless.
 */
public final class RegistryGc {
    private RegistryGc() {
    }

    /**
     * Collects the storage of {@code config}.
     *
     * @param dryRun         report what would be deleted, delete nothing
     * @param deleteUntagged also delete manifests no tag reaches (and what only they reference)
     * @throws IOException when the storage is in use by a running registry (stop it, or have it collect while it
     *                     serves: {@code POST /admin/gc}) or cannot be read
     */
    public static GcReport run(RegistryConfig config, boolean dryRun, boolean deleteUntagged) throws IOException {
        try (RegistryStorage storage = RegistryStorage.filesystem(config.storage(),
                new StorageOptions(config.fsync(), StorageOptions.defaults().manifestCacheBytes()))) {
            return new GarbageCollection(storage, dryRun, deleteUntagged, java.time.Duration.ZERO,
                    config.uploads().ttl().value(), sweep -> sweep.run(d -> false)).run();
        }
    }
}
