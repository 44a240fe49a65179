package dev.hoist.cache;

import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciJson;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The local images, as {@code docker images} lists them: each name (a plain string here; the CLI
 * normalises references) points at the descriptor of a manifest or index in the {@link BlobStore}, and the
 * {@link DanglingImage dangling} images no name points at are kept until removed.
 * Persisted as {@code images.json} under the root, rewritten atomically under an exclusive lock, so that
 * concurrent threads and {@code hoist} processes never lose an update; reads take no lock and see one
 * complete version of the file. Thread-safe.
 */
public final class ImageStore {
    static final String LOCK = "images";
    static final int SCHEMA_VERSION = 1;

    private final HoistRoot root;
    private final BlobStore blobs;
    private final Clock clock;

    private ImageStore(HoistRoot root, BlobStore blobs, Clock clock) {
        this.root = Objects.requireNonNull(root, "root");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The image store of {@code root}, whose manifests and indexes are in {@code blobs}. */
    public static ImageStore open(HoistRoot root, BlobStore blobs) {
        return new ImageStore(root, blobs, Clock.systemUTC());
    }

    /** As {@link #open(HoistRoot, BlobStore)}, with the clock that stamps {@link ImageEntry#tagged()}. */
    public static ImageStore open(HoistRoot root, BlobStore blobs, Clock clock) {
        return new ImageStore(root, blobs, clock);
    }

    /** Every image, by name. */
    public List<ImageEntry> list() throws StoreException {
        return List.copyOf(read().images.values());
    }

    /** Every image no name points at, by digest. */
    public List<DanglingImage> dangling() throws StoreException {
        return List.copyOf(read().dangling.values());
    }

    /** The names and the dangling images of one version of the store, read at once. */
    public record Contents(List<ImageEntry> named, List<DanglingImage> dangling) {
        public Contents {
            named = List.copyOf(named);
            dangling = List.copyOf(dangling);
        }
    }

    /**
     * Every image, named and dangling, from one read of the store: what {@link #list} and {@link #dangling} return,
     * without an update in between that moves an image from one to the other.
     */
    public Contents contents() throws StoreException {
        State state = read();
        return new Contents(new ArrayList<>(state.images.values()), new ArrayList<>(state.dangling.values()));
    }

    /** The image called {@code name}, if any. */
    public Optional<ImageEntry> get(String name) throws StoreException {
        return Optional.ofNullable(read().images.get(checkName(name)));
    }

    /**
     * Points {@code name} at {@code target}, a manifest or index that must already be in the blob store
     * with that size, as {@code docker tag} does. The target is no longer dangling; the image the name pointed
     * at before becomes dangling when no other name points at it, as Docker leaves {@code <none>:<none>}.
     *
     * @return the entry the name had before, if any
     * @throws BlobNotFoundException when the target is not stored
     * @throws StoreException        when the store cannot be written (it is left as it was)
     */
    public Optional<ImageEntry> put(String name, Descriptor target) throws StoreException {
        checkName(name);
        checkTarget(target);
        // Anonymous classes, not lambdas, here and below: tagging is on the path of every build, where linking a
        // lambda's call site costs start-up time (see CONTRIBUTING.md, "Start-up paths").
        return update(new Mutation() {
            @Override
            public Change apply(State state) throws StoreException {
                checkStored(target, "tag " + name);
                ImageEntry previous = state.images.get(name);
                if (previous != null && previous.target().equals(target)) {
                    return new Change(previous, state.dangling.remove(target.digest().toString()) != null);
                }
                Instant now = clock.instant();
                state.images.put(name, new ImageEntry(name, target, now));
                state.dangling.remove(target.digest().toString());
                if (previous != null && !state.isNamed(previous.target().digest())) {
                    state.dangling.put(previous.id().toString(), new DanglingImage(previous.target(), now));
                }
                return new Change(previous, true);
            }
        });
    }

    /**
     * Keeps {@code target}, a stored manifest or index, as a dangling image unless a name points at it: what a
     * build without a tag or an import without a name leaves, as Docker keeps {@code <none>:<none>}.
     *
     * @return whether it is now kept as dangling (false when a name points at it)
     * @throws BlobNotFoundException when the target is not stored
     * @throws StoreException        when the store cannot be written (it is left as it was)
     */
    public boolean keep(Descriptor target) throws StoreException {
        checkTarget(target);
        boolean[] dangling = new boolean[1];
        update(new Mutation() {
            @Override
            public Change apply(State state) throws StoreException {
                checkStored(target, "keep the image " + target.digest());
                String key = target.digest().toString();
                DanglingImage known = state.dangling.get(key);
                if (state.isNamed(target.digest()) || (known != null && known.target().equals(target))) {
                    dangling[0] = known != null;
                    return new Change(null, false);
                }
                state.dangling.put(key, new DanglingImage(target, clock.instant()));
                dangling[0] = true;
                return new Change(null, true);
            }
        });
        return dangling[0];
    }

    /**
     * Stops keeping the dangling image {@code id} (its blobs stay until deleted or collected).
     *
     * @return what was removed, if it was dangling
     */
    public Optional<DanglingImage> forget(Digest id) throws StoreException {
        Objects.requireNonNull(id, "id");
        DanglingImage[] removed = new DanglingImage[1];
        update(new Mutation() {
            @Override
            public Change apply(State state) {
                removed[0] = state.dangling.remove(id.toString());
                return new Change(null, removed[0] != null);
            }
        });
        return Optional.ofNullable(removed[0]);
    }

    private static void checkTarget(Descriptor target) {
        Objects.requireNonNull(target, "target");
        String type = target.mediaType();
        if (type == null || (!MediaTypes.isManifest(type) && !MediaTypes.isIndex(type))) {
            throw new IllegalArgumentException("an image names a manifest or an index, not \""
                    + target.mediaType() + "\"");
        }
    }

    private void checkStored(Descriptor target, String what) throws StoreException {
        Optional<BlobInfo> stored = blobs.stat(target.digest());
        if (stored.isEmpty()) {
            throw new BlobNotFoundException(target.digest(), root.blobsDir().toString());
        }
        if (stored.get().size() != target.size()) {
            throw new StoreException("cannot " + what + ": the descriptor says " + target.digest() + " has "
                    + target.size() + " bytes but the stored blob has " + stored.get().size()
                    + "; the descriptor is wrong, store and tag the manifest again");
        }
    }

    /**
     * Removes the name, as {@code docker rmi NAME} untags it; the blobs stay until {@code hoist prune}. The image
     * does not become dangling: removing its last name removes it, as in Docker.
     *
     * @return what was removed, if the name was there
     */
    public Optional<ImageEntry> remove(String name) throws StoreException {
        checkName(name);
        return update(new Mutation() {
            @Override
            public Change apply(State state) {
                ImageEntry removed = state.images.remove(name);
                return new Change(removed, removed != null);
            }
        });
    }

    /**
     * The images whose ID starts with {@code idOrPrefix}: a full digest ({@code sha256:…}), a prefix of
     * one, or a prefix of its hex alone (as Docker accepts {@code 3f57d9401f8d}).
     */
    public List<ImageEntry> find(String idOrPrefix) throws StoreException {
        Objects.requireNonNull(idOrPrefix, "idOrPrefix");
        String prefix = idOrPrefix.trim().toLowerCase(Locale.ROOT);
        if (prefix.isEmpty() || prefix.endsWith(":")) {
            throw new IllegalArgumentException("an image ID prefix needs some hex digits, got \"" + idOrPrefix + "\"");
        }
        List<ImageEntry> out = new ArrayList<>();
        for (ImageEntry e : read().images.values()) {
            String candidate = prefix.indexOf(':') >= 0 ? e.id().toString() : e.id().hex();
            if (candidate.startsWith(prefix)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Takes the store's lock, for the garbage collector: while it is held, nothing can be tagged. */
    RootLock lock() throws StoreException {
        return root.lockExclusive(LOCK);
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an image name cannot be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException("an image name cannot contain whitespace or control characters: \""
                        + name + "\"");
            }
        }
        return name;
    }

    private record Change(ImageEntry previous, boolean changed) {
    }

    /** One version of the file: the names, and the dangling images by digest (none of which a name points at). */
    private static final class State {
        final TreeMap<String, ImageEntry> images = new TreeMap<>();
        final TreeMap<String, DanglingImage> dangling = new TreeMap<>();

        boolean isNamed(Digest target) {
            for (ImageEntry e : images.values()) {
                if (e.id().equals(target)) {
                    return true;
                }
            }
            return false;
        }
    }

    @FunctionalInterface
    private interface Mutation {
        Change apply(State state) throws StoreException;
    }

    @SuppressWarnings("try") // the lock is held for the block
    private Optional<ImageEntry> update(Mutation mutation) throws StoreException {
        try (RootLock ignored = lock()) {
            State state = read();
            Change change = mutation.apply(state);
            if (change.changed()) {
                write(state);
            }
            return Optional.ofNullable(change.previous());
        }
    }

    private State read() throws StoreException {
        Path file = root.imagesFile();
        State state = new State();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return state;
        } catch (IOException e) {
            throw StoreErrors.reading(root, "the image store " + file, e);
        }
        // Read by hand from a tree made by the streaming parser, not by data binding: `hoist images` starts
        // cold every time, and an ObjectMapper's first use of a type costs more than the whole listing.
        JsonNode tree;
        try {
            tree = OciJson.readTree(bytes);
        } catch (IOException e) {
            throw unreadable(file, StoreErrors.describe(e), e);
        }
        if (tree == null || !tree.isObject()) {
            throw unreadable(file, "it is not a JSON object", null);
        }
        JsonNode version = tree.get("schemaVersion");
        if (version == null || !version.isInt() || version.asInt() != SCHEMA_VERSION) {
            throw new StoreException("the image store " + file + " has schema version "
                    + (version == null ? "none" : version.toString()) + ", this hoist reads version " + SCHEMA_VERSION
                    + "; use the hoist that wrote it, or choose another root with --root or " + HoistRoot.ENV);
        }
        TreeMap<String, ImageEntry> images = state.images;
        JsonNode all = tree.get("images");
        if (all != null && !all.isNull()) {
            if (!all.isObject()) {
                throw unreadable(file, "images is not an object", null);
            }
            var fields = all.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                JsonNode w = e.getValue();
                if (w == null || !w.isObject() || w.get("target") == null || w.get("target").isNull()) {
                    throw unreadable(file, "image " + e.getKey() + " has no target", null);
                }
                Descriptor target;
                try {
                    target = Descriptor.fromJson(w.get("target"), "image store entry " + e.getKey());
                } catch (InvalidContentException ex) {
                    throw unreadable(file, ex.getMessage(), ex);
                }
                Instant tagged;
                JsonNode t = w.get("tagged");
                tagged = t == null || t.isNull() ? Instant.EPOCH : dev.hoist.oci.Rfc3339.parse(t.asText());
                if (tagged == null) {
                    throw unreadable(file, "image " + e.getKey() + " has a bad time: " + t.asText(), null);
                }
                try {
                    images.put(e.getKey(), new ImageEntry(e.getKey(), target, tagged));
                } catch (IllegalArgumentException ex) {
                    throw unreadable(file, "image " + e.getKey() + ": " + ex.getMessage(), ex);
                }
            }
        }
        readDangling(file, tree.get("dangling"), state);
        return state;
    }

    /**
     * The optional {@code dangling} object, by digest: each with its {@code target} and the instant it became
     * dangling ({@code since}). A file without it (as every hoist before dangling images wrote) has none; one
     * that names a dangling target (a hoist that does not know dangling images tagged it since) keeps the name.
     */
    private static void readDangling(Path file, JsonNode all, State state) throws StoreException {
        if (all == null || all.isNull()) {
            return;
        }
        if (!all.isObject()) {
            throw unreadable(file, "dangling is not an object", null);
        }
        var fields = all.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode w = e.getValue();
            if (w == null || !w.isObject() || w.get("target") == null || w.get("target").isNull()) {
                throw unreadable(file, "dangling image " + e.getKey() + " has no target", null);
            }
            Descriptor target;
            try {
                target = Descriptor.fromJson(w.get("target"), "image store dangling entry " + e.getKey());
            } catch (InvalidContentException ex) {
                throw unreadable(file, ex.getMessage(), ex);
            }
            if (!target.digest().toString().equals(e.getKey())) {
                throw unreadable(file, "dangling image " + e.getKey() + " has the target " + target.digest(), null);
            }
            JsonNode t = w.get("since");
            Instant since = t == null || t.isNull() ? Instant.EPOCH : dev.hoist.oci.Rfc3339.parse(t.asText());
            if (since == null) {
                throw unreadable(file, "dangling image " + e.getKey() + " has a bad time: " + t.asText(), null);
            }
            if (!state.isNamed(target.digest())) {
                state.dangling.put(e.getKey(), new DanglingImage(target, since));
            }
        }
    }

    private static StoreException unreadable(Path file, String why, Throwable cause) {
        return new StoreException("the image store " + file + " is damaged (" + why + "); restore it from a backup,"
                + " or move it away to start with no images (the blobs stay until `hoist prune`)", cause);
    }

    private void write(State state) throws StoreException {
        byte[] bytes = wire(state.images, state.dangling.values()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path temp = root.createTempFile(LOCK);
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                var buf = java.nio.ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(temp, root.imagesFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw StoreErrors.failed(root, "writing the image store", "it is unchanged", e);
        }
        try (FileChannel dir = FileChannel.open(root.path(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // the rename is atomic even if the directory cannot be synced
        }
    }

    /** The file for {@code images} and no dangling images: the same bytes as before there were any. */
    static String wire(Map<String, ImageEntry> images) {
        return wire(images, List.of());
    }

    /**
     * The file as it is on disk, indented: {@code schemaVersion}, then {@code images} by name (left out when
     * there are none), each with its {@code target} descriptor and the instant it was {@code tagged}, then
     * {@code dangling} by digest (left out when there are none), each with its {@code target} and the instant
     * it became dangling, {@code since}. The schema version stays 1: the new key is optional, so a store
     * written here is still read by a hoist that predates it (which ignores, and on its next write drops, the
     * dangling images: they are then collected as before).
     */
    static String wire(Map<String, ImageEntry> images, java.util.Collection<DanglingImage> dangling) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("schemaVersion", SCHEMA_VERSION);
        if (!images.isEmpty()) {
            ObjectNode all = root.putObject("images");
            for (Map.Entry<String, ImageEntry> e : new TreeMap<>(images).entrySet()) {
                ObjectNode entry = all.putObject(e.getKey());
                entry.set("target", e.getValue().target().toJson());
                entry.put("tagged", e.getValue().tagged().toString());
            }
        }
        if (!dangling.isEmpty()) {
            TreeMap<String, DanglingImage> sorted = new TreeMap<>();
            for (DanglingImage d : dangling) {
                sorted.put(d.id().toString(), d);
            }
            ObjectNode all = root.putObject("dangling");
            for (Map.Entry<String, DanglingImage> e : sorted.entrySet()) {
                ObjectNode entry = all.putObject(e.getKey());
                entry.set("target", e.getValue().target().toJson());
                entry.put("since", e.getValue().since().toString());
            }
        }
        return OciJson.writeString(root, new DefaultPrettyPrinter());
    }
}
