package dev.hoist.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.InvalidDigestException;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciJson;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Mark-and-sweep garbage collection of a hoist root, for {@code hoist prune}: keeps every blob reachable
 * from a tagged or dangling image or a {@link GcRoots} provider (walking indexes and manifests: manifests, config,
 * layers, subject), removes the other blobs once they are older than the grace period (so that a pull or
 * import that has stored blobs but not yet tagged them keeps them), and removes stale temporary files.
 * Tagging waits while marking and sweeping run. One collection per instance at a time; build one per run.
 */
public final class GarbageCollector {
    /** The default grace period: long enough for a slow pull to store all its blobs and tag them. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofHours(1);
    /** Untyped roots larger than this are not read to see if they are manifests (distribution's limit). */
    static final long MAX_SNIFF_SIZE = 4L * 1024 * 1024;

    private final HoistRoot root;
    private final BlobStore blobs;
    private final ImageStore images;
    private final List<GcRoots> extraRoots;
    private final Duration gracePeriod;
    private final Clock clock;
    private final boolean dryRun;
    private final boolean verifyContent;

    private GarbageCollector(Builder b) {
        this.root = b.root;
        this.blobs = b.blobs;
        this.images = b.images;
        this.extraRoots = List.copyOf(b.extraRoots);
        this.gracePeriod = b.gracePeriod;
        this.clock = b.clock;
        this.dryRun = b.dryRun;
        this.verifyContent = b.verifyContent;
    }

    /** A collector for the blobs and temporary files of {@code root}, keeping what {@code images} names. */
    public static Builder builder(HoistRoot root, BlobStore blobs, ImageStore images) {
        return new Builder(root, blobs, images);
    }

    /**
     * Collects garbage (or, in a dry run, only reports what it would remove).
     *
     * @throws StoreException when a reachable manifest cannot be read; then nothing is removed
     */
    @SuppressWarnings("try") // the lock is held for the block
    public GcReport run() throws StoreException {
        Instant now = clock.instant();
        List<String> warnings = new ArrayList<>();
        List<BlobInfo> corrupt = verifyContent ? findCorrupt() : List.of();
        Set<Digest> unreadable = new HashSet<>();
        long freed = 0;
        for (BlobInfo c : corrupt) {
            unreadable.add(c.digest());
            if (!dryRun) {
                blobs.delete(c.digest());
            }
            freed += c.size();
        }

        List<BlobInfo> removed = new ArrayList<>();
        int reachable = 0;
        int young = 0;
        try (RootLock ignored = images.lock()) {
            Set<Digest> marked = mark(unreadable, warnings);
            for (BlobInfo b : blobs.list()) {
                if (marked.contains(b.digest())) {
                    reachable++;
                } else if (unreadable.contains(b.digest())) {
                    continue; // counted as corrupt
                } else if (isRecent(b.modified(), now)) {
                    young++;
                } else if (dryRun) {
                    removed.add(b);
                    freed += b.size();
                } else {
                    // look again just before removing: a writer may have just stored it anew
                    Optional<BlobInfo> again = blobs.stat(b.digest());
                    if (again.isPresent() && isRecent(again.get().modified(), now)) {
                        young++;
                    } else if (again.isPresent() && blobs.delete(b.digest())) {
                        removed.add(again.get());
                        freed += again.get().size();
                    }
                }
            }
        }

        List<Path> temps = new ArrayList<>();
        freed += sweepTemps(now, temps);
        return new GcReport(dryRun, removed, temps, corrupt, freed, reachable, young, warnings);
    }

    private boolean isRecent(Instant modified, Instant now) {
        return modified.plus(gracePeriod).isAfter(now);
    }

    private List<BlobInfo> findCorrupt() throws StoreException {
        List<BlobInfo> corrupt = new ArrayList<>();
        for (BlobInfo b : blobs.list()) {
            try {
                blobs.verify(b.digest());
            } catch (CorruptBlobException e) {
                corrupt.add(b);
            } catch (BlobNotFoundException e) {
                // removed meanwhile
            }
        }
        return corrupt;
    }

    /** A blob to visit: what refers to it says what it is. */
    private record Node(Digest digest, String mediaType, boolean mayBeManifest, String via) {
    }

    private Set<Digest> mark(Set<Digest> unreadable, List<String> warnings) throws StoreException {
        Deque<Node> pending = new ArrayDeque<>();
        ImageStore.Contents contents = images.contents();
        for (ImageEntry e : contents.named()) {
            pending.push(new Node(e.id(), e.target().mediaType(), true, "image " + e.name()));
        }
        for (DanglingImage d : contents.dangling()) {  // kept until removed, as Docker keeps <none>:<none> images
            pending.push(new Node(d.id(), d.target().mediaType(), true, "dangling image " + d.id()));
        }
        for (GcRoots provider : extraRoots) {
            for (Descriptor d : provider.roots()) {
                pending.push(new Node(d.digest(), d.mediaType(), d.mediaType() == null, "a GC root"));
            }
        }
        Set<Digest> marked = new HashSet<>();
        Set<Digest> walked = new HashSet<>(); // a blob referred to as a layer may also be a manifest elsewhere
        while (!pending.isEmpty()) {
            Node n = pending.pop();
            marked.add(n.digest());
            String type = n.mediaType();
            boolean declared = type != null
                    && (MediaTypes.isManifest(type) || MediaTypes.isIndex(type) || MediaTypes.isSchema1(type));
            if ((!declared && !n.mayBeManifest()) || unreadable.contains(n.digest()) || !walked.add(n.digest())) {
                continue;
            }
            Optional<BlobInfo> stat = blobs.stat(n.digest());
            if (stat.isEmpty() || (!declared && stat.get().size() > MAX_SNIFF_SIZE)) {
                continue; // e.g. the manifests of platforms that were not pulled
            }
            JsonNode json = readJson(n, declared, warnings);
            if (json != null) {
                children(json, n, pending, warnings);
            }
        }
        return marked;
    }

    private JsonNode readJson(Node n, boolean declared, List<String> warnings) throws StoreException {
        byte[] bytes;
        try {
            bytes = blobs.readAllBytes(n.digest());
        } catch (BlobNotFoundException e) {
            return null;
        } catch (CorruptBlobException e) {
            throw new StoreException("cannot collect garbage: " + n.digest() + ", reached from " + n.via()
                    + ", is corrupt on disk (" + (e.actual() == null ? "unreadable" : "hashes to " + e.actual())
                    + "); nothing was removed. Run `hoist prune --verify` to remove corrupt blobs, then pull the"
                    + " image again", e);
        }
        try {
            JsonNode json = OciJson.readTreeLeniently(bytes);
            if (json != null && json.isObject()) {
                return json;
            }
        } catch (IOException e) {
            // handled below
        }
        if (declared) {
            warnings.add(n.digest() + ", reached from " + n.via() + " as " + n.mediaType()
                    + ", is not a JSON object; what it refers to is not kept");
        }
        return null;
    }

    private static void children(JsonNode json, Node parent, Deque<Node> pending, List<String> warnings) {
        String via = parent.via();
        descriptor(json.get("config"), false, via, pending, warnings);
        descriptor(json.get("subject"), true, via, pending, warnings);
        for (String key : List.of("layers", "blobs")) {
            JsonNode list = json.get(key);
            if (list != null && list.isArray()) {
                list.forEach(d -> descriptor(d, false, via, pending, warnings));
            }
        }
        JsonNode manifests = json.get("manifests");
        if (manifests != null && manifests.isArray()) {
            manifests.forEach(d -> descriptor(d, true, via, pending, warnings));
        }
        JsonNode fsLayers = json.get("fsLayers"); // Docker schema 1
        if (fsLayers != null && fsLayers.isArray()) {
            for (JsonNode l : fsLayers) {
                JsonNode sum = l.get("blobSum");
                if (sum != null && sum.isTextual()) {
                    add(sum.asText(), null, false, via, pending, warnings);
                }
            }
        }
    }

    private static void descriptor(JsonNode d, boolean manifest, String via, Deque<Node> pending, List<String> warnings) {
        if (d == null || !d.isObject()) {
            return;
        }
        JsonNode digest = d.get("digest");
        JsonNode mediaType = d.get("mediaType");
        if (digest != null && digest.isTextual()) {
            add(digest.asText(), mediaType != null && mediaType.isTextual() ? mediaType.asText() : null,
                    manifest, via, pending, warnings);
        }
    }

    private static void add(String digest, String mediaType, boolean manifest, String via, Deque<Node> pending,
                            List<String> warnings) {
        try {
            // an entry of "manifests" or the subject is a manifest or index whatever its media type says
            pending.push(new Node(Digest.parse(digest), mediaType, manifest, via));
        } catch (InvalidDigestException e) {
            warnings.add(via + " refers to " + e.getMessage());
        }
    }

    private long sweepTemps(Instant now, List<Path> removed) throws StoreException {
        Path tmp = root.tmpDir();
        if (!Files.isDirectory(tmp)) {
            return 0;
        }
        long freed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp)) {
            for (Path p : entries) {
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (!TempFiles.isStale(p, a.lastModifiedTime().toInstant(), now, gracePeriod)) {
                    continue;
                }
                long size = a.isDirectory() ? TempFiles.sizeOf(p) : a.size();
                if (!dryRun) {
                    FileTrees.delete(p);
                }
                removed.add(p);
                freed += size;
            }
        } catch (IOException e) {
            throw StoreErrors.failed(root, "removing stale temporary files in " + tmp, "blobs were collected, some temporary files remain", e);
        }
        return freed;
    }

    /** Configures a {@link GarbageCollector}; fails fast on bad values. Not thread-safe. */
    public static final class Builder {
        private final HoistRoot root;
        private final BlobStore blobs;
        private final ImageStore images;
        private final List<GcRoots> extraRoots = new ArrayList<>();
        private Duration gracePeriod = DEFAULT_GRACE_PERIOD;
        private Clock clock = Clock.systemUTC();
        private boolean dryRun;
        private boolean verifyContent;

        private Builder(HoistRoot root, BlobStore blobs, ImageStore images) {
            this.root = Objects.requireNonNull(root, "root");
            this.blobs = Objects.requireNonNull(blobs, "blobs");
            this.images = Objects.requireNonNull(images, "images");
        }

        /** Blobs and temps younger than this are kept even when unreachable. */
        public Builder gracePeriod(Duration gracePeriod) {
            Objects.requireNonNull(gracePeriod, "gracePeriod");
            if (gracePeriod.isNegative()) {
                throw new IllegalArgumentException("the grace period cannot be negative: " + gracePeriod);
            }
            this.gracePeriod = gracePeriod;
            return this;
        }

        /** The clock that says what "now" is, to compare with the files' modification times. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Adds a source of blobs to keep, e.g. the build cache. */
        public Builder addRoots(GcRoots roots) {
            extraRoots.add(Objects.requireNonNull(roots, "roots"));
            return this;
        }

        /** Only report what would be removed. */
        public Builder dryRun(boolean dryRun) {
            this.dryRun = dryRun;
            return this;
        }

        /** Also hash every blob and remove the corrupt ones, reachable or not (slow: reads everything). */
        public Builder verifyContent(boolean verifyContent) {
            this.verifyContent = verifyContent;
            return this;
        }

        public GarbageCollector build() {
            return new GarbageCollector(this);
        }
    }
}
