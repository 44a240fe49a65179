package dev.hoist.cache.image;

import dev.hoist.cache.FileTrees;
import dev.hoist.cache.HoistRoot;
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
import java.util.List;
import java.util.stream.Stream;

/**
 * Unpacked root filesystems of images, one directory per layer chain under {@code snapshots/<chainID>}: the
 * layers applied in order into a temporary directory, each checked against the config's diff ID, then
 * renamed into place, so a snapshot is complete or absent. Used read-only, as the lower directory of an
 * overlay. Thread-safe: two processes unpacking one chain both succeed and one result is kept.
 */
public final class Snapshots {
    private final LocalImages images;
    private LayerApplier applier;

    public Snapshots(LocalImages images) {
        this.images = images;
    }

    /** The applier, made on first use: making one loads the native calls, which a cached build never needs. */
    private synchronized LayerApplier applier() {
        if (applier == null) {
            applier = LayerApplier.create();
        }
        return applier;
    }

    /** The OCI chain ID of {@code diffIds}: the first diff ID, then sha256(parent + " " + diffID) for each next. */
    public static Digest chainId(List<Digest> diffIds) {
        if (diffIds.isEmpty()) {
            throw new IllegalArgumentException("an image with no layers has no chain ID");
        }
        Digest chain = diffIds.get(0);
        for (int i = 1; i < diffIds.size(); i++) {
            chain = Digest.sha256(chain + " " + diffIds.get(i));
        }
        return chain;
    }

    private Path dir(Digest chain) {
        return images.root().path().resolve("snapshots").resolve(chain.hex());
    }

    /**
     * The unpacked root filesystem of {@code image}, unpacking it on first use. An image with no layers gets
     * an empty directory.
     *
     * @throws StoreException when a layer is missing, corrupt, unsafe, or does not match its diff ID; nothing
     *                        is left behind
     */
    public Path rootfs(Image image) throws IOException {
        List<Digest> diffIds = image.config().diffIds();
        List<Descriptor> layers = image.manifest().layers();
        if (diffIds.size() != layers.size()) {
            throw new StoreException("image " + image.id().shortHex() + " has " + layers.size() + " layers but its config lists "
                    + diffIds.size() + " diff IDs; the image is malformed");
        }
        return rootfs(layers, diffIds, "image " + image.id().shortHex());
    }

    /**
     * The unpacked root filesystem of {@code layers} (bottom-most first, with their diff IDs), unpacking it on
     * first use; as {@link #rootfs(Image)}.
     */
    public Path rootfs(List<Descriptor> layers, List<Digest> diffIds) throws IOException {
        if (diffIds.size() != layers.size()) {
            throw new IllegalArgumentException(layers.size() + " layers but " + diffIds.size() + " diff IDs");
        }
        return rootfs(layers, diffIds, "a layer chain");
    }

    private Path rootfs(List<Descriptor> layers, List<Digest> diffIds, String what) throws IOException {
        Path target = diffIds.isEmpty() ? images.root().path().resolve("snapshots").resolve("empty") : dir(chainId(diffIds));
        if (Files.isDirectory(target)) {
            return target;
        }
        HoistRoot root = images.root();
        Path temp = root.createTempDirectory("snapshot");
        try {
            for (int i = 0; i < layers.size(); i++) {
                AppliedLayer applied;
                try (InputStream in = images.blobs().open(layers.get(i).digest())) {
                    applied = applier().apply(in, temp);
                } catch (LayerException e) {
                    throw new StoreException("layer " + layers.get(i).digest() + " of " + what
                            + " cannot be unpacked: " + e.getMessage(), e);
                }
                if (!applied.diffId().equals(diffIds.get(i))) {
                    throw new StoreException("layer " + layers.get(i).digest() + " of " + what
                            + " unpacks to " + applied.diffId() + " but the config says " + diffIds.get(i)
                            + "; the image is corrupt (pull or load it again)");
                }
            }
            Files.createDirectories(target.getParent());
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileSystemException e) {   // ENOTEMPTY comes as a plain FileSystemException
                if (!Files.isDirectory(target)) {
                    throw e;
                }
                // another process unpacked the same chain first: keep theirs
            }
            return target;
        } finally {
            FileTrees.delete(temp);
        }
    }

    /**
     * Removes the snapshots of layer chains that no named image has, and returns the chain directories
     * removed. With {@code dryRun}, only lists them.
     */
    public List<Path> removeUnused(boolean dryRun) throws IOException {
        java.util.Set<String> keep = new java.util.HashSet<>();
        java.util.Set<String> keepLayers = new java.util.HashSet<>();
        keep.add("empty");
        keep.add("layers");
        for (Image image : images.list()) {
            if (!image.config().diffIds().isEmpty()) {
                keep.add(chainId(image.config().diffIds()).hex());
            }
            image.config().diffIds().forEach(d -> keepLayers.add(d.hex()));
        }
        Path dir = images.root().path().resolve("snapshots");
        List<Path> removed = new java.util.ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        Path layerDirs = dir.resolve("layers");
        if (Files.isDirectory(layerDirs)) {
            // the unpacked layers of LayerSnapshots: those of named images stay
            try (Stream<Path> s = Files.list(layerDirs)) {
                for (Path p : s.sorted().toList()) {
                    if (!keepLayers.contains(p.getFileName().toString())) {
                        removed.add(p);
                        if (!dryRun) {
                            Path aside = images.root().createTempDirectory("snapshot-removal");
                            Files.move(p, aside.resolve("tree"), StandardCopyOption.ATOMIC_MOVE);
                            FileTrees.delete(aside);
                        }
                    }
                }
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                if (!keep.contains(p.getFileName().toString())) {
                    removed.add(p);
                    if (!dryRun) {
                        // Renamed aside first, so a half-deleted tree is never mistaken for a snapshot.
                        Path aside = images.root().createTempDirectory("snapshot-removal");
                        Files.move(p, aside.resolve("tree"), StandardCopyOption.ATOMIC_MOVE);
                        FileTrees.delete(aside);
                    }
                }
            }
        }
        return removed;
    }

}
