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
 * Sweep, exclusive of pushes: revisions a push needed while the collection ran (it tagged them, listed them
 * in an index, or named them as a subject) are marked after all, with what they reach; the unmarked
 * revisions are deleted; then blobs not marked, older than the grace period and not protected by a push in
 * progress. Not thread-safe: one run, one thread.
 */
final class GarbageCollection {
    /** The sweep, run by the guard with the predicate of digests (blobs and manifests) pushes need. */
    interface Sweep {
        void run(Predicate<Digest> inUse) throws IOException;
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
    private final Set<Digest> marked = new HashSet<>();

    GarbageCollection(RegistryStorage storage, boolean dryRun, boolean deleteUntagged, Duration grace, Duration uploadTtl,
                      Guard guard) {
        this.storage = storage;
        this.dryRun = dryRun;
        this.deleteUntagged = deleteUntagged;
        this.grace = grace;
        this.uploadTtl = uploadTtl;
        this.guard = guard;
    }

    /** One repository's revisions and those the mark keeps. */
    private record Repository(String name, Set<Digest> revisions, Set<Digest> kept) {
    }

    GcReport run() throws IOException {
        Instant start = Instant.now();
        Instant cutoff = start.minus(grace);
        List<String> repos = storage.repositories();
        List<Repository> marking = new ArrayList<>();
        for (String name : repos) {
            Repository repo = new Repository(name, storage.revisions(name), new HashSet<>());
            Deque<Digest> roots = new ArrayDeque<>();
            if (deleteUntagged) {
                List<String> tags = storage.tags(name);
                for (String tag : tags == null ? List.<String>of() : tags) {
                    Digest d = storage.resolveTag(name, tag);
                    if (d != null) {
                        roots.add(d);
                    }
                }
                for (Digest d : repo.revisions()) {
                    Instant mod = storage.blobModified(d);
                    if (mod != null && mod.isAfter(cutoff)) {
                        roots.add(d);
                    }
                }
            } else {
                roots.addAll(repo.revisions());
            }
            mark(repo, roots);
            marking.add(repo);
        }
        int[] keptBlobs = new int[1];
        List<BlobInfo> candidates = new ArrayList<>();
        for (BlobInfo b : storage.blobs()) {
            if (marked.contains(b.digest())) {
                keptBlobs[0]++;
            } else {
                candidates.add(b);
            }
        }
        List<String> deletedManifests = new ArrayList<>();
        List<Digest> deletedBlobs = new ArrayList<>();
        long[] freed = new long[1];
        guard.sweep(inUse -> {
            for (Repository repo : marking) {
                Deque<Digest> rescued = new ArrayDeque<>();
                for (Digest d : repo.revisions()) {
                    if (!repo.kept().contains(d) && inUse.test(d)) {
                        rescued.add(d);
                    }
                }
                mark(repo, rescued);
                for (Digest d : repo.revisions()) {
                    if (!repo.kept().contains(d)) {
                        deletedManifests.add(repo.name() + "@" + d);
                        if (!dryRun) {
                            storage.deleteManifest(repo.name(), d);
                        }
                    }
                }
            }
            for (BlobInfo b : candidates) {
                Instant mod = storage.blobModified(b.digest());
                if (mod == null) {
                    continue;
                }
                // Marked now when a revision rescued above reaches it.
                if (marked.contains(b.digest()) || mod.isAfter(cutoff) || inUse.test(b.digest())) {
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

    /**
     * Keeps {@code roots} in {@code repo} and what they reach: configs, layers and child manifests, and (with
     * {@code deleteUntagged}) the revisions whose subject is kept, which live as long as their subject.
     */
    private void mark(Repository repo, Deque<Digest> roots) throws IOException {
        Deque<Digest> work = roots;
        boolean grew = true;
        while (grew) {
            while (!work.isEmpty()) {
                Digest d = work.pop();
                if (!repo.kept().add(d)) {
                    continue;
                }
                marked.add(d);
                StoredManifest sm = storage.getManifest(repo.name(), d);
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
                for (Digest d : repo.revisions()) {
                    if (repo.kept().contains(d)) {
                        continue;
                    }
                    StoredManifest sm = storage.getManifest(repo.name(), d);
                    if (sm != null && sm.subject() != null && repo.kept().contains(sm.subject())) {
                        work.add(d);
                        grew = true;
                    }
                }
            }
        }
    }
}
