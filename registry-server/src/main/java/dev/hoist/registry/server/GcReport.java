package dev.hoist.registry.server;

import dev.hoist.oci.Digest;

import java.util.List;

/**
 * What a garbage collection found: the manifests it deleted (or would delete, in a dry run) as
 * {@code repo@digest}, the blobs and their bytes, the blobs it kept, and the stale upload sessions it ended.
 * Immutable.
 */
public record GcReport(boolean dryRun, int repositories, List<String> deletedManifests, List<Digest> deletedBlobs,
                       long freedBytes, int keptBlobs, int expiredUploads) {

    public GcReport {
        deletedManifests = List.copyOf(deletedManifests);
        deletedBlobs = List.copyOf(deletedBlobs);
    }

    /** One line for people, e.g. "deleted 3 manifests and 12 blobs (45.1 MB), kept 20 blobs". */
    public String summary() {
        String verb = dryRun ? "would delete " : "deleted ";
        return verb + deletedManifests.size() + " manifests and " + deletedBlobs.size() + " blobs ("
                + String.format("%.1f MB", freedBytes / 1e6) + "), kept " + keptBlobs + " blobs in " + repositories
                + " repositories, ended " + expiredUploads + " stale uploads";
    }
}
