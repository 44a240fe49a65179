package dev.hoist.cache.image;

import dev.hoist.cache.BlobInfo;
import dev.hoist.cache.BlobStore;
import dev.hoist.cache.DanglingImage;
import dev.hoist.cache.GcRoots;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.ImageEntry;
import dev.hoist.cache.ImageStore;
import dev.hoist.cache.RootLock;
import dev.hoist.cache.StoreException;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.oci.Reference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.oci.OciJson;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The images in the local store, as {@code docker images} sees them: names resolved to manifests and
 * configs, tagging, removal, and writing new images. Names are kept normalised
 * ({@code docker.io/library/busybox:latest}). Images no name points at are kept as dangling images, listed
 * with no names and found by ID, until removed. Thread-safe: the blob and image stores it wraps are.
 */
public final class LocalImages {
    /** The image-store lock name; held while removing so that a concurrent tag cannot lose its blobs. */
    private static final String IMAGES_LOCK = "images";

    private final HoistRoot root;
    private final BlobStore blobs;
    private final ImageStore store;
    private final Platform platform;

    private LocalImages(HoistRoot root, BlobStore blobs, ImageStore store, Platform platform) {
        this.root = root;
        this.blobs = blobs;
        this.store = store;
        this.platform = platform;
    }

    /** The images under {@code root}, selecting this machine's platform from multi-platform indexes. */
    public static LocalImages open(HoistRoot root) {
        BlobStore blobs = BlobStore.onDisk(root);
        return new LocalImages(root, blobs, ImageStore.open(root, blobs), Platform.current());
    }

    public HoistRoot root() {
        return root;
    }

    public BlobStore blobs() {
        return blobs;
    }

    public ImageStore store() {
        return store;
    }

    /**
     * The store name for a user's image name: {@code busybox} → {@code docker.io/library/busybox:latest}.
     *
     * @throws InvalidReferenceException naming the bad part
     */
    public static String normaliseName(String name) {
        return Reference.parse(name).toString();
    }

    /**
     * Every image, one per distinct target: the named ones with all their names, sorted by name, then the
     * dangling ones, with none, by digest.
     */
    public List<Image> list() throws StoreException {
        List<Image> out = new ArrayList<>();
        for (Named n : namedTargets()) {
            out.add(load(n.target(), n.names()));
        }
        return out;
    }

    /**
     * What {@code hoist images} shows of an image: its names, ID, manifest digest, creation time and size.
     * Immutable.
     */
    public record Summary(Descriptor target, List<String> names, Digest id, Digest manifestDigest, Instant created,
                          long contentSize) {
        public Summary {
            names = List.copyOf(names);
        }
    }

    /**
     * Every image (as {@link #list}), summarised from the JSON trees of its manifest and config without binding them to
     * types; the cheap listing for a command that starts cold. An index is summarised through the manifest
     * for this machine's platform.
     */
    public List<Summary> summaries() throws StoreException {
        List<Summary> out = new ArrayList<>();
        for (Named n : namedTargets()) {
            Descriptor target = n.target();
            List<String> names = n.names();
            JsonNode manifest = tree(target.digest());
            if (manifest.has("manifests")) {
                Image image = load(target, names);
                out.add(new Summary(target, names, image.id(), image.manifestDigest(),
                        image.config().createdInstant(), image.contentSize()));
                continue;
            }
            try {
                Descriptor config = Descriptor.fromJson(manifest.get("config"), "manifest " + target.digest() + " config");
                long size = config.size();
                JsonNode layers = manifest.get("layers");
                if (layers != null) {
                    for (JsonNode layer : layers) {
                        size += layer.path("size").asLong();
                    }
                }
                JsonNode created = tree(config.digest()).get("created");
                out.add(new Summary(target, names, config.digest(), target.digest(),
                        created == null || created.isNull() ? null : parseTime(created.asText()), size));
            } catch (InvalidContentException e) {
                throw new StoreException("the stored manifest " + target.digest() + " cannot be read: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** A stored manifest or index with the names that point at it. */
    private record Named(Descriptor target, List<String> names) {
    }

    /**
     * The store's entries grouped by what they point at, in the store's name order, then its dangling images
     * with no names. A loop, not computeIfAbsent: resolving an image by ID on {@code hoist run} comes here.
     */
    private List<Named> namedTargets() throws StoreException {
        Map<Digest, Named> byTarget = new LinkedHashMap<>();
        ImageStore.Contents contents = store.contents();   // one read: an image is either named or dangling
        for (ImageEntry e : contents.named()) {
            Named n = byTarget.get(e.target().digest());
            if (n == null) {
                n = new Named(e.target(), new ArrayList<>());
                byTarget.put(e.target().digest(), n);
            }
            n.names().add(e.name());
        }
        for (DanglingImage d : contents.dangling()) {
            if (!byTarget.containsKey(d.id())) {
                byTarget.put(d.id(), new Named(d.target(), List.of()));
            }
        }
        return new ArrayList<>(byTarget.values());
    }

    /**
     * A stored JSON blob's tree, read without re-hashing it: only for the listing, which shows what is stored
     * and must start fast (the first digest costs ~30 ms of security-provider setup). Everything that uses
     * an image's content reads through the verifying {@link BlobStore#open}; {@code hoist prune --verify}
     * checks every blob.
     */
    private JsonNode tree(Digest digest) throws StoreException {
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(blobs.path(digest));
        } catch (java.io.IOException e) {
            throw new StoreException("reading the stored blob " + digest + " failed: " + e.getMessage(), e);
        }
        try {
            JsonNode n = OciJson.readTree(bytes);
            if (n == null || !n.isObject()) {
                throw new StoreException("the stored blob " + digest + " is not a JSON object");
            }
            return n;
        } catch (java.io.IOException e) {
            throw new StoreException("the stored blob " + digest + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static Instant parseTime(String text) {
        return dev.hoist.oci.Rfc3339.parse(text);
    }

    /**
     * The image a user means by {@code text}, as Docker resolves it: a name (normalised; with a digest, the
     * stored manifest or index of that digest), else a full image ID or manifest digest, else an unambiguous
     * prefix of an image ID.
     *
     * @throws ImageNotFoundException when nothing matches
     * @throws StoreException         when an ID prefix is ambiguous, or the store cannot be read
     */
    public Image resolve(String text) throws StoreException {
        Optional<Image> byName = findByName(text);
        if (byName.isPresent()) {
            return byName.get();
        }
        Optional<Image> byId = findById(text);
        if (byId.isPresent()) {
            return byId.get();
        }
        throw new ImageNotFoundException(text);
    }

    /** The image stored under a name, if any. */
    public Optional<Image> findByName(String text) throws StoreException {
        Reference ref;
        try {
            ref = Reference.parse(text);
        } catch (InvalidReferenceException e) {
            return Optional.empty();
        }
        if (ref.digest() != null) {
            if (blobs.contains(ref.digest())) {
                Descriptor d = describeStored(ref.digest());
                return Optional.of(load(d, namesOf(d.digest())));
            }
            return Optional.empty();
        }
        List<ImageEntry> all = store.list();   // one read of the store for the entry and its other names
        String name = ref.toString();
        for (ImageEntry e : all) {
            if (e.name().equals(name)) {
                return Optional.of(load(e.target(), namesOf(all, e.target().digest())));
            }
        }
        return Optional.empty();
    }

    /**
     * The image, named or dangling, whose ID (config digest) or manifest digest is {@code text} or starts with
     * it, with or without {@code sha256:}. Loops only, no lambdas or streams: {@code hoist run ID} and a cached
     * build from an ID come here (see CONTRIBUTING.md, "Start-up paths").
     *
     * @throws StoreException when the prefix matches more than one image ID, or the store cannot be read
     */
    public Optional<Image> findById(String text) throws StoreException {
        String hex = text.startsWith("sha256:") ? text.substring("sha256:".length()) : text;
        if (!isHex(hex)) {
            return Optional.empty();
        }
        List<Image> matches = new ArrayList<>();
        for (Image image : list()) {
            if (image.id().hex().startsWith(hex) || image.manifestDigest().hex().startsWith(hex)
                    || image.target().digest().hex().startsWith(hex)) {
                matches.add(image);
            }
        }
        if (matches.isEmpty()) {
            return Optional.empty();
        }
        Set<Digest> ids = new TreeSet<>();
        for (Image m : matches) {
            ids.add(m.id());
        }
        if (ids.size() > 1) {
            List<String> shortIds = new ArrayList<>();
            for (Digest id : ids) {
                shortIds.add(id.shortHex());
            }
            throw new StoreException("the image ID prefix \"" + text + "\" is ambiguous: it matches " + ids.size()
                    + " images (" + String.join(", ", shortIds) + "); give more of the ID");
        }
        return Optional.of(matches.get(0));
    }

    private static boolean isHex(String s) {
        if (s.isEmpty() || s.length() > 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** The names that point at {@code target}, sorted. */
    public List<String> namesOf(Digest target) throws StoreException {
        return namesOf(store.list(), target);
    }

    private static List<String> namesOf(List<ImageEntry> entries, Digest target) {
        Set<String> names = new TreeSet<>();
        for (ImageEntry e : entries) {
            if (e.target().digest().equals(target)) {
                names.add(e.name());
            }
        }
        return new ArrayList<>(names);
    }

    /**
     * Reads the image that {@code target} (a manifest, or an index from which this machine's platform is
     * selected) describes.
     */
    public Image load(Descriptor target, List<String> names) throws StoreException {
        Manifest m = readManifest(target.digest());
        ImageManifest manifest;
        if (m instanceof ImageIndex index) {
            Descriptor chosen = index.select(platform).orElseThrow(() -> new StoreException(
                    "the image " + target.digest() + " has no manifest for " + platform + " (it has "
                            + index.manifests().stream().map(d -> String.valueOf(d.platform())).toList() + ")"));
            Manifest child = readManifest(chosen.digest());
            if (!(child instanceof ImageManifest im)) {
                throw new StoreException("the index " + target.digest() + " points at another index for " + platform
                        + "; nested indexes are not supported here");
            }
            manifest = im;
        } else {
            manifest = (ImageManifest) m;
        }
        ImageConfig config;
        try {
            config = ImageConfig.parse(blobs.readAllBytes(manifest.config().digest()));
        } catch (InvalidContentException e) {
            throw new StoreException("the config " + manifest.config().digest() + " of image " + target.digest()
                    + " is not a valid image config: " + e.getMessage(), e);
        }
        return new Image(target, manifest, config, names);
    }

    /** Reads and parses a stored manifest or index. */
    public Manifest readManifest(Digest digest) throws StoreException {
        byte[] bytes = blobs.readAllBytes(digest);
        try {
            return Manifest.parse(bytes);
        } catch (InvalidContentException e) {
            throw new StoreException("the stored manifest " + digest + " cannot be read: " + e.getMessage(), e);
        }
    }

    private Descriptor describeStored(Digest digest) throws StoreException {
        Manifest m = readManifest(digest);
        return new Descriptor(m.contentType(), digest, m.size());
    }

    /**
     * Stores a new image: the config, then the manifest pointing at it and at {@code layers} (which must be
     * stored already). Docker media types when {@code docker}, else OCI. Returns the image, unnamed.
     */
    public Image commit(ImageConfig config, List<Descriptor> layers, boolean docker) throws StoreException {
        for (Descriptor layer : layers) {
            if (!blobs.contains(layer.digest())) {
                throw new StoreException("cannot commit an image whose layer " + layer.digest() + " is not stored");
            }
        }
        String configType = docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG;
        Descriptor configBlob = blobs.put(configType, config.bytes());
        ImageManifest.Builder b = docker ? ImageManifest.dockerBuilder() : ImageManifest.builder();
        b.config(configBlob);
        for (Descriptor layer : layers) {
            b.addLayer(docker ? layer.withMediaType(toDocker(layer.mediaType())) : layer);
        }
        ImageManifest manifest = b.build();
        blobs.put(manifest.contentType(), manifest.bytes());
        return new Image(manifest.descriptor(), manifest, config, List.of());
    }

    private static String toDocker(String layerType) {
        return switch (layerType) {
            case MediaTypes.OCI_LAYER_GZIP -> MediaTypes.DOCKER_LAYER_GZIP;
            default -> layerType;
        };
    }

    /**
     * Keeps an image that no name points at, as Docker keeps {@code <none>:<none>} (a build without a tag, an
     * import without a name), so that it can be used by ID and garbage collection keeps it until it is removed.
     * Does nothing when a name points at it.
     */
    public void keep(Image image) throws StoreException {
        store.keep(image.target());
    }

    /**
     * Points {@code name} (normalised here) at the image's target; returns the normalised name. The image the name
     * pointed at before is left dangling when no other name points at it.
     */
    public String tag(Image image, String name) throws StoreException {
        String normalised = normaliseName(name);
        store.put(normalised, image.target());
        return normalised;
    }

    /** Points {@code name} at a stored manifest or index. */
    public String tag(Descriptor target, String name) throws StoreException {
        String normalised = normaliseName(name);
        store.put(normalised, target);
        return normalised;
    }

    /** What {@link #remove} did. */
    public record Removal(List<String> untagged, List<Digest> deleted) {
    }

    /**
     * Removes an image as {@code docker rmi} does. Given a name, the name is removed; given an ID, every name
     * of that image is removed, which needs {@code force} when there are several; a dangling image is found by
     * ID only. When no name points at the image any more, it is no longer kept, and its manifest, config and
     * the layers no other image uses are deleted.
     */
    public Removal remove(String text, boolean force) throws StoreException {
        return remove(text, force, List::of);
    }

    /**
     * As {@link #remove(String, boolean)}, but the blobs {@code keep} names (e.g. the build cache's layers) are
     * kept even when no other image uses them, as {@code docker rmi} leaves BuildKit's cache alone.
     */
    public Removal remove(String text, boolean force, GcRoots keep) throws StoreException {
        try (RootLock lock = root.lockExclusive(IMAGES_LOCK)) {
            Optional<Image> byName = findByName(text);
            List<String> untagged = new ArrayList<>();
            Image image;
            if (byName.isPresent() && !text.startsWith("sha256:")) {
                image = byName.get();
                Reference ref = Reference.parse(text);
                if (ref.digest() != null) {
                    // name@digest removes every name of that repository pointing at the digest.
                    for (String n : image.names()) {
                        if (Reference.parse(n).nameOnly().equals(ref.nameOnly())) {
                            store.remove(n);
                            untagged.add(n);
                        }
                    }
                } else {
                    store.remove(ref.toString());
                    untagged.add(ref.toString());
                }
            } else {
                Optional<Image> byId = findById(text);
                if (byId.isEmpty()) {
                    throw new ImageNotFoundException(text);
                }
                image = byId.get();
                if (image.names().size() > 1 && !force) {
                    throw new StoreException("conflict: unable to delete " + image.id().shortHex()
                            + " (must be forced) - image is referenced in multiple repositories: " + image.names());
                }
                for (String n : image.names()) {
                    store.remove(n);
                    untagged.add(n);
                }
            }
            List<Digest> deleted = new ArrayList<>();
            if (namesOf(image.target().digest()).isEmpty()) {
                store.forget(image.target().digest());
                deleted.addAll(deleteUnshared(image.target().digest(), keep, new long[1]));
            }
            return new Removal(untagged, deleted);
        }
    }

    /**
     * What {@link #pruneDangling} removed, or would remove: the dangling images by ID, and the blobs deleted with
     * their bytes.
     */
    public record Pruned(List<Digest> images, List<Digest> deleted, long bytes) {
        public Pruned {
            images = List.copyOf(images);
            deleted = List.copyOf(deleted);
        }
    }

    /**
     * Removes every dangling image, as {@code docker image prune} does, with the blobs no other image and nothing
     * {@code keep} names uses; in a dry run, only says which. Images are reported by ID (the config digest), or by
     * their manifest's digest when it cannot be read for this platform.
     */
    public Pruned pruneDangling(GcRoots keep, boolean dryRun) throws StoreException {
        try (RootLock lock = root.lockExclusive(IMAGES_LOCK)) {
            List<DanglingImage> dangling = store.dangling();
            List<Digest> ids = new ArrayList<>();
            for (DanglingImage d : dangling) {
                Digest id;
                try {
                    id = load(d.target(), List.of()).id();
                } catch (StoreException e) {
                    id = d.id();   // e.g. an index without this platform: still removable
                }
                ids.add(id);
                if (!dryRun) {
                    store.forget(d.id());
                }
            }
            List<Digest> deleted = new ArrayList<>();
            long[] bytes = {0};
            if (!dryRun) {
                for (DanglingImage d : dangling) {
                    deleted.addAll(deleteUnshared(d.id(), keep, bytes));
                }
            }
            return new Pruned(ids, deleted, bytes[0]);
        }
    }

    private List<Digest> deleteUnshared(Digest target, GcRoots keep, long[] bytes) throws StoreException {
        Set<Digest> inUse = new HashSet<>();
        for (ImageEntry e : store.list()) {
            collect(e.target().digest(), inUse);
        }
        for (DanglingImage d : store.dangling()) {
            collect(d.id(), inUse);
        }
        for (Descriptor d : keep.roots()) {
            String type = d.mediaType();
            if (type == null || MediaTypes.isManifest(type) || MediaTypes.isIndex(type)) {
                collect(d.digest(), inUse);
            } else {
                inUse.add(d.digest());  // a layer: not read just to learn that it is no manifest
            }
        }
        Set<Digest> mine = new java.util.LinkedHashSet<>();
        collect(target, mine);
        List<Digest> deleted = new ArrayList<>();
        for (Digest d : mine) {
            if (inUse.contains(d)) {
                continue;
            }
            Optional<BlobInfo> info = blobs.stat(d);
            if (blobs.delete(d)) {
                deleted.add(d);
                bytes[0] += info.isPresent() ? info.get().size() : 0;
            }
        }
        return deleted;
    }

    /** Adds {@code digest} and every blob it references (for manifests and indexes) to {@code into}. */
    private void collect(Digest digest, Set<Digest> into) throws StoreException {
        if (!into.add(digest) || !blobs.contains(digest)) {
            return;
        }
        Manifest m;
        try {
            m = Manifest.parse(blobs.readAllBytes(digest));
        } catch (InvalidContentException e) {
            return; // a leaf blob, or unreadable: nothing further to follow
        }
        if (m instanceof ImageIndex index) {
            for (Descriptor d : index.manifests()) {
                collect(d.digest(), into);
            }
        } else if (m instanceof ImageManifest im) {
            into.add(im.config().digest());
            for (Descriptor d : im.layers()) {
                into.add(d.digest());
            }
        }
    }
}
