package dev.hoist.cache.image;

import dev.hoist.cache.FileTrees;
import dev.hoist.cache.StoreException;
import dev.hoist.cache.layer.AppliedLayer;
import dev.hoist.cache.layer.LayerApplier;
import dev.hoist.cache.layer.LayerException;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Unpacked layers, one directory per layer under {@code snapshots/layers/<diffID>}, each in overlayfs's own form
 * (whiteouts as 0/0 character devices, opaque directories marked with {@code trusted.overlay.opaque}), so that
 * a stack of them is the lower part of an overlay mount and a new layer never re-unpacks the ones below it. A
 * directory is complete or absent: layers are unpacked into a temporary directory, checked against their diff
 * ID, then renamed into place; a build step's upper directory is {@link #adopt adopted} the same way. Stacks
 * deeper than {@link #MAX_DEPTH} have their lower part flattened into one {@link Snapshots} directory, on
 * boundaries that stay put as the stack grows, so that flattening happens once per {@link #FLATTEN_STEP} layers.
 * Thread-safe: two processes unpacking one layer both succeed and one result is kept.
 */
public final class LayerSnapshots {
    /** The most layer directories a stack holds before its lower part is flattened (overlayfs's option page). */
    public static final int MAX_DEPTH = 32;
    /** Flattened prefixes are multiples of this many layers. */
    public static final int FLATTEN_STEP = 16;

    private final LocalImages images;
    private final Snapshots flattened;
    private LayerApplier applier;

    public LayerSnapshots(LocalImages images) {
        this.images = images;
        this.flattened = new Snapshots(images);
    }

    /** The applier, made on first use: making one loads the native calls, which a cached build never needs. */
    private synchronized LayerApplier applier() {
        if (applier == null) {
            applier = LayerApplier.builder().overlayWhiteouts(true).build();
        }
        return applier;
    }

    /** The directory of the layer with {@code diffId}, whether or not it is unpacked yet. */
    public Path dir(Digest diffId) {
        return images.root().path().resolve("snapshots").resolve("layers").resolve(diffId.hex());
    }

    /**
     * The unpacked directory of {@code layer}, unpacking its blob on first use.
     *
     * @throws StoreException when the blob is missing, corrupt, unsafe, or does not unpack to {@code diffId}
     */
    public Path layer(Descriptor layer, Digest diffId) throws IOException {
        Path target = dir(diffId);
        if (Files.isDirectory(target)) {
            return target;
        }
        Path temp = images.root().createTempDirectory("layer-snapshot");
        try {
            AppliedLayer applied;
            try (InputStream in = images.blobs().open(layer.digest())) {
                applied = applier().apply(in, temp);
            } catch (LayerException e) {
                throw new StoreException("layer " + layer.digest() + " cannot be unpacked: " + e.getMessage(), e);
            }
            if (!applied.diffId().equals(diffId)) {
                throw new StoreException("layer " + layer.digest() + " unpacks to " + applied.diffId() + " but the image"
                        + " config says " + diffId + "; the image is corrupt (pull or load it again)");
            }
            return place(temp, target);
        } finally {
            FileTrees.delete(temp);
        }
    }

    /**
     * Keeps {@code dir} (in overlayfs's form: an overlay upper directory, or a plain tree) as the unpacked layer
     * {@code diffId}, moving it into place; when that layer is unpacked already, {@code dir} is left as it is.
     * {@code dir} must be on the hoist root's file system and must be exactly what the layer holds.
     */
    public Path adopt(Digest diffId, Path dir) throws IOException {
        Path target = dir(diffId);
        if (Files.isDirectory(target)) {
            return target;
        }
        return place(dir, target);
    }

    private static Path place(Path temp, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileSystemException e) {   // ENOTEMPTY comes as a plain FileSystemException
            if (!Files.isDirectory(target)) {
                throw e;
            }
            // another build unpacked the same layer first: keep theirs
        }
        return target;
    }

    /**
     * The lower directories of an overlay showing {@code layers} (bottom-most first), unpacking what is missing.
     * An image with no layers gets one empty directory.
     */
    public LayerStack stack(List<Descriptor> layers, List<Digest> diffIds) throws IOException {
        return stack(layers, diffIds, Map.of());
    }

    /**
     * As {@link #stack(List, List)}, taking the directory of a layer from {@code lent} when it has one (a
     * directory that holds exactly that layer, kept elsewhere by the caller; read as this runs).
     */
    public LayerStack stack(List<Descriptor> layers, List<Digest> diffIds, Map<Digest, Path> lent)
            throws IOException {
        if (layers.size() != diffIds.size()) {
            throw new StoreException("an image has " + layers.size() + " layers but its config lists " + diffIds.size()
                    + " diff IDs; the image is malformed");
        }
        List<Path> dirs = new ArrayList<>();
        int from = 0;
        if (layers.size() > MAX_DEPTH) {
            from = (layers.size() - (MAX_DEPTH - FLATTEN_STEP)) / FLATTEN_STEP * FLATTEN_STEP;
            dirs.add(flattened.rootfs(layers.subList(0, from), diffIds.subList(0, from)));
        }
        for (int i = from; i < layers.size(); i++) {
            Path own = lent.get(diffIds.get(i));
            dirs.add(own != null ? own : layer(layers.get(i), diffIds.get(i)));
        }
        if (dirs.isEmpty()) {
            dirs.add(flattened.rootfs(List.of(), List.of()));
        }
        return new LayerStack(dirs);
    }
}
