package dev.hoist.registry.server;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.Manifest;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One mark-and-sweep over a storage. Mark: every manifest revision is a root (with {@code deleteUntagged},
 * only tagged ones, the manifests they list, the manifests that refer to a kept one through {@code subject},
 * and revisions younger than the grace period), and marks itself, its config, layers and child manifests.
 * Sweep: blobs not marked, older than the grace period and not protected by a push in progress are deleted.
 * Not thread-safe: one run, one thread.
 */
final class GarbageCollection {
    /** The sweep, run by the guard with the predicate of blobs a push in progress needs. */
    interface Sweep {
        void run(Predicate<Digest> protectedBlob) throws IOException;
    }

    /** Runs a sweep, exclusive of pushes when the registry is serving. */
    interface Guard {
        void sweep(Sweep sweep) throws IOException;
    }

    private final RegistryStorage storage;
    private final boolean dryRun;
    private final boolean deleteUntagged;
    private final Duration grace;
    private final Duration uploadTtl;
    private final Guard guard;

    GarbageCollection(RegistryStorage storage, boolean dryRun, boolean deleteUntagged, Duration grace, Duration uploadTtl,
                      Guard guard) {
        this.storage = storage;
        this.dryRun = dryRun;
        this.deleteUntagged = deleteUntagged;
        this.grace = grace;
        this.uploadTtl = uploadTtl;
        this.guard = guard;
    }

    GcReport run() throws IOException {
        Instant start = Instant.now();
        Instant cutoff = start.minus(grace);
        Set<Digest> marked = new HashSet<>();
        List<String> deletedManifests = new ArrayList<>();
        List<String> repos = storage.repositories();
        for (String repo : repos) {
            Set<Digest> revisions = storage.revisions(repo);
            Set<Digest> kept = new HashSet<>();
            Deque<Digest> work = new ArrayDeque<>();
            if (deleteUntagged) {
                List<String> tags = storage.tags(repo);
                for (String tag : tags == null ? List.<String>of() : tags) {
                    Digest d = storage.resolveTag(repo, tag);
                    if (d != null) {
                        work.add(d);
                    }
                }
                for (Digest d : revisions) {
                    Instant mod = storage.blobModified(d);
                    if (mod != null && mod.isAfter(cutoff)) {
                        work.add(d);
                    }
                }
            } else {
                work.addAll(revisions);
            }
            boolean grew = true;
            while (grew) {
                while (!work.isEmpty()) {
                    Digest d = work.pop();
                    if (!kept.add(d)) {
                        continue;
                    }
                    marked.add(d);
                    StoredManifest sm = storage.getManifest(repo, d);
                    if (sm == null) {
                        continue;
                    }
                    Manifest m;
                    try {
                        m = Manifest.parse(sm.bytes());
                    } catch (InvalidContentException e) {
                        continue;
                    }
                    if (m instanceof ImageManifest im) {
                        marked.add(im.config().digest());
                        for (Descriptor l : im.layers()) {
                            marked.add(l.digest());
                        }
                    } else if (m instanceof ImageIndex ix) {
                        for (Descriptor c : ix.manifests()) {
                            work.add(c.digest());
                        }
                    }
                }
                grew = false;
                if (deleteUntagged) {
                    // Referrers live as long as their subject.
                    for (Digest d : revisions) {
                        if (kept.contains(d)) {
                            continue;
                        }
                        StoredManifest sm = storage.getManifest(repo, d);
                        if (sm != null && sm.subject() != null && kept.contains(sm.subject())) {
                            work.add(d);
                            grew = true;
                        }
                    }
                }
            }
            for (Digest d : revisions) {
                if (!kept.contains(d)) {
                    deletedManifests.add(repo + "@" + d);
                    if (!dryRun) {
                        storage.deleteManifest(repo, d);
                    }
                }
            }
        }
        List<Digest> deletedBlobs = new ArrayList<>();
        long[] freed = new long[1];
        int[] keptBlobs = new int[1];
        List<BlobInfo> candidates = new ArrayList<>();
        for (BlobInfo b : storage.blobs()) {
            if (marked.contains(b.digest())) {
                keptBlobs[0]++;
            } else {
                candidates.add(b);
            }
        }
        guard.sweep(protectedBlob -> {
            for (BlobInfo b : candidates) {
                Instant mod = storage.blobModified(b.digest());
                if (mod == null) {
                    continue;
                }
                if (mod.isAfter(cutoff) || protectedBlob.test(b.digest())) {
                    keptBlobs[0]++;
                    continue;
                }
                deletedBlobs.add(b.digest());
                freed[0] += b.size();
                if (!dryRun) {
                    storage.deleteBlob(b.digest());
                }
            }
        });
        int expired = 0;
        if (!dryRun) {
            expired = storage.expireUploads(start.minus(uploadTtl));
        }
        return new GcReport(dryRun, repos.size(), deletedManifests, deletedBlobs, freed[0], keptBlobs[0], expired);
    }
}
