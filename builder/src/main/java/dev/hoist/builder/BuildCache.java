package dev.hoist.builder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.cache.GcRoots;
import dev.hoist.cache.StoreException;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.OciJson;

import dev.hoist.oci.TempPaths;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The build cache index: {@code <root>/build-cache/<key-hex>.json} maps a step's cache key (its parent's key,
 * the instruction as expanded and the content it reads) to the layer it made, or to none. Entries whose layer
 * blob is gone count as misses. {@link #gcRoots()} keeps the cached layers through garbage collection.
 * Thread-safe; entries are written atomically.
 */
public final class BuildCache {
    /** Where {@code RUN --mount=type=cache} directories live, under the cache's directory. */
    static final String MOUNTS = "mounts";

    private final LocalImages images;
    private final Path dir;
    private final BuildMemo memo;

    /** The cache under {@code images}' root. */
    public BuildCache(LocalImages images) {
        this.images = images;
        this.dir = images.root().path().resolve("build-cache");
        this.memo = new BuildMemo(dir);
    }

    /** The memos of whole builds, kept with the step entries and removed with them. */
    BuildMemo memo() {
        return memo;
    }

    /** A cached step result: the layer it made and that layer's diff ID, both null when it made none. */
    record Entry(Descriptor layer, Digest diffId) {
    }

    Optional<Entry> lookup(Digest key) throws StoreException {
        Path f = dir.resolve(key.hex() + ".json");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read build cache entry " + f + ": " + e.getMessage(), e);
        }
        Entry entry;
        try {
            entry = parse(bytes);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();    // a damaged entry is a miss; it is rewritten after the step runs
        }
        if (entry.layer() != null && !images.blobs().contains(entry.layer().digest())) {
            return Optional.empty();
        }
        try {
            Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));  // last used
        } catch (IOException ignored) {
            // only the order in which prune removes entries
        }
        return Optional.of(entry);
    }

    /** Reads an entry from a tree made by the streaming parser: a cached build starts cold, so no data binding. */
    private static Entry parse(byte[] bytes) throws IOException {
        JsonNode n = OciJson.readTree(bytes);
        if (!n.isObject()) {
            throw new IOException("a build cache entry is a JSON object");
        }
        if (!n.hasNonNull("layer")) {
            return new Entry(null, null);
        }
        Descriptor layer;
        try {
            layer = Descriptor.fromJson(n.get("layer"), "build cache entry");
        } catch (InvalidContentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new Entry(layer, Digest.parse(n.get("diffId").asText()));
    }

    void store(Digest key, Entry entry) throws StoreException {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        if (entry.layer() != null) {
            n.set("layer", entry.layer().toJson());
            n.put("diffId", entry.diffId().toString());
        } else {
            n.putNull("layer");
        }
        try {
            Files.createDirectories(dir);
            Path tmp = TempPaths.createFile(dir, ".entry", ".tmp");
            Files.write(tmp, OciJson.write(n));
            Files.move(tmp, dir.resolve(key.hex() + ".json"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StoreException("cannot write build cache entry under " + dir + ": " + e.getMessage()
                    + "; check that the hoist root is writable", e);
        }
    }

    /** The layers of every cache entry, for {@code GarbageCollector.Builder.addRoots}. */
    public GcRoots gcRoots() {
        return () -> {
            List<Descriptor> out = new ArrayList<>();
            if (!Files.isDirectory(dir)) {
                return out;
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
                for (Path f : s) {
                    try {
                        Entry e = parse(Files.readAllBytes(f));
                        if (e.layer() != null) {
                            out.add(e.layer());
                        }
                    } catch (IOException | RuntimeException ignored) {
                        // a damaged or vanishing entry keeps nothing
                    }
                }
            } catch (IOException e) {
                throw new StoreException("cannot list the build cache " + dir + ": " + e.getMessage(), e);
            }
            return out;
        };
    }

    /**
     * What {@link #prune} removed: entries, the bytes of the layers only they referenced, the bytes of the layers
     * kept, the {@code RUN --mount=type=cache} directories removed, and those kept because a build is using them.
     */
    public record Pruned(int entries, long bytes, long keptBytes, int mounts, int mountsInUse) {
    }

    /**
     * Bounds the cache: keeps the most recently used entries whose layers add up to at most {@code keepBytes}
     * (each layer counted once; 0 keeps none) and removes the others; when everything goes, the context stat caches and the
     * {@code RUN --mount=type=cache} directories that no build is using go too, as with {@code docker builder prune}
     * (when they were last used is not recorded, so a bounded prune keeps them). The layers go at the next garbage collection unless an image
     * uses them. With {@code dryRun}, only counts.
     */
    public Pruned prune(long keepBytes, boolean dryRun) throws StoreException {
        if (!Files.isDirectory(dir)) {
            return new Pruned(0, 0, 0, 0, 0);
        }
        record Item(Path file, long used, Entry entry) {
        }
        List<Item> items = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : s) {
                try {
                    items.add(new Item(f, Files.getLastModifiedTime(f).toMillis(), parse(Files.readAllBytes(f))));
                } catch (IOException | RuntimeException e) {
                    items.add(new Item(f, 0, new Entry(null, null)));  // damaged: oldest, so it goes first
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list the build cache " + dir + ": " + e.getMessage(), e);
        }
        items.sort(java.util.Comparator.comparingLong(Item::used).reversed().thenComparing(i -> i.file().toString()));
        java.util.Set<Digest> kept = new java.util.HashSet<>();
        java.util.Set<Digest> removed = new java.util.HashSet<>();
        long keptBytes = 0;
        int n = 0;
        boolean full = false;
        for (Item i : items) {
            Descriptor layer = i.entry().layer();
            long more = layer == null || kept.contains(layer.digest()) ? 0 : layer.size();
            // no bound keeps nothing, not even the entries without a layer (which cost no bytes)
            if (!full && keepBytes > 0 && keptBytes + more <= keepBytes) {
                keptBytes += more;
                if (layer != null) {
                    kept.add(layer.digest());
                }
                continue;
            }
            full = true;    // a cut by age: from here on everything older goes
            if (layer != null) {
                removed.add(layer.digest());
            }
            n++;
            if (!dryRun) {
                try {
                    Files.deleteIfExists(i.file());
                } catch (IOException e) {
                    throw new StoreException("cannot remove build cache entry " + i.file() + ": " + e.getMessage(), e);
                }
            }
        }
        long bytes = 0;
        for (Item i : items) {
            Descriptor layer = i.entry().layer();
            if (layer != null && removed.remove(layer.digest()) && !kept.contains(layer.digest())) {
                bytes += layer.size();
            }
        }
        if (n > 0 && !dryRun) {
            clearMemos();   // a memo stands for its steps' entries: when some go, the next build looks them up
        }
        CacheMounts.Removal mounts = new CacheMounts.Removal(0, 0);
        if (n == items.size()) {
            mounts = removeStatCachesAndMounts(dryRun);
        }
        return new Pruned(n, bytes, keptBytes, mounts.removed(), mounts.inUse());
    }

    /** Removes the context stat caches and the cache mounts no build is using; with {@code dryRun}, only counts. */
    private CacheMounts.Removal removeStatCachesAndMounts(boolean dryRun) throws StoreException {
        if (!dryRun) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "stat-*.bin")) {
                for (Path f : s) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException e) {
                throw new StoreException("cannot remove the stat caches in " + dir + ": " + e.getMessage(), e);
            }
        }
        try {
            return new CacheMounts(dir).removeUnused(dryRun);
        } catch (IOException e) {
            throw new StoreException("cannot remove the cache mounts in " + dir.resolve(MOUNTS) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes every entry (the layers go at the next garbage collection), the context stat caches and the
     * {@code RUN --mount=type=cache} directories no build is using; returns how many entries were removed. A
     * temporary file of an entry being written is left to its writer.
     */
    public int clear() throws StoreException {
        int n = 0;
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : s) {
                if (Files.deleteIfExists(f)) {
                    n++;
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot clear the build cache " + dir + ": " + e.getMessage(), e);
        }
        clearMemos();
        removeStatCachesAndMounts(false);
        return n;
    }

    private void clearMemos() throws StoreException {
        try {
            BuildMemo.clear(dir);
        } catch (IOException e) {
            throw new StoreException("cannot remove the build memos in " + dir + ": " + e.getMessage(), e);
        }
    }
}
