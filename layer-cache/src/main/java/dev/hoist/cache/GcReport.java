package dev.hoist.cache;

import java.nio.file.Path;
import java.util.List;

/**
 * What a garbage collection removed, or with {@code dryRun} would remove: unreachable blobs past the grace
 * period, stale temporary files, and (when content was verified) corrupt blobs; {@code bytesFreed} counts
 * all three. {@code reachable} blobs and {@code keptInGracePeriod} unreachable but recent ones were kept.
 */
public record GcReport(
        boolean dryRun,
        List<BlobInfo> removedBlobs,
        List<Path> removedTemps,
        List<BlobInfo> corruptBlobs,
        long bytesFreed,
        int reachable,
        int keptInGracePeriod,
        List<String> warnings) {

    public GcReport {
        removedBlobs = List.copyOf(removedBlobs);
        removedTemps = List.copyOf(removedTemps);
        corruptBlobs = List.copyOf(corruptBlobs);
        warnings = List.copyOf(warnings);
    }
}
