package dev.hoist.cache.archive;

import dev.hoist.cache.BlobStore;
import dev.hoist.cache.StoreException;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored blobs of a local image, for export: its manifest, config and layers; for an index, the index and
 * those of its other platforms that are stored completely (a pull stores one platform). The platform's own
 * manifest must be complete. Not thread-safe.
 */
final class ImageBlobs {
    private final LocalImages images;
    private final BlobStore blobs;
    private final Map<Digest, Descriptor> collected = new LinkedHashMap<>();

    ImageBlobs(LocalImages images) {
        this.images = images;
        this.blobs = images.blobs();
    }

    /** Every blob collected so far (over all images added), by digest, in the order met. */
    Map<Digest, Descriptor> blobs() {
        return collected;
    }

    /** Adds the blobs of {@code image}. */
    void add(Image image) throws StoreException {
        Descriptor target = image.target();
        requireStored(target, image, "manifest");
        collected.putIfAbsent(target.digest(), target);
        if (MediaTypes.isIndex(target.mediaType())) {
            addIndexChildren(target.digest(), 0);
        }
        // The platform's manifest, config and layers must be complete, whatever the index holds.
        Descriptor manifest = image.manifest().descriptor();
        requireStored(manifest, image, "manifest");
        collected.putIfAbsent(manifest.digest(), manifest);
        addManifest(image.manifest(), image);
    }

    private void addManifest(ImageManifest manifest, Image required) throws StoreException {
        Descriptor config = manifest.config();
        if (required != null) {
            requireStored(config, required, "config");
        }
        if (blobs.contains(config.digest())) {
            collected.putIfAbsent(config.digest(), config);
        }
        for (Descriptor layer : manifest.layers()) {
            if (blobs.contains(layer.digest())) {
                collected.putIfAbsent(layer.digest(), layer);
            } else if (required != null && layer.urls().isEmpty()) {
                requireStored(layer, required, "layer");
            }
        }
    }

    private void addIndexChildren(Digest index, int depth) throws StoreException {
        if (depth > 8) {
            throw new StoreException("the index " + index + " nests indexes more than 8 deep; it cannot be exported");
        }
        Manifest m = images.readManifest(index);
        if (!(m instanceof ImageIndex idx)) {
            return;
        }
        for (Descriptor child : idx.manifests()) {
            if (!blobs.contains(child.digest())) {
                continue; // a platform that was never pulled
            }
            if (MediaTypes.isIndex(child.mediaType())) {
                collected.putIfAbsent(child.digest(), child);
                addIndexChildren(child.digest(), depth + 1);
            } else if (MediaTypes.isManifest(child.mediaType())
                    && images.readManifest(child.digest()) instanceof ImageManifest im && isComplete(im)) {
                // A platform partly stored (an interrupted pull) is left out whole, so that what is written is
                // complete for every platform it has.
                collected.putIfAbsent(child.digest(), child);
                addManifest(im, null);
            }
        }
    }

    private boolean isComplete(ImageManifest manifest) throws StoreException {
        if (!blobs.contains(manifest.config().digest())) {
            return false;
        }
        for (Descriptor layer : manifest.layers()) {
            if (layer.urls().isEmpty() && !blobs.contains(layer.digest())) {
                return false;
            }
        }
        return true;
    }

    private void requireStored(Descriptor d, Image image, String what) throws StoreException {
        if (!blobs.contains(d.digest())) {
            throw new StoreException("the " + what + " " + d.digest() + " of image " + describe(image)
                    + " is not in the local store; pull or build the image again");
        }
    }

    static String describe(Image image) {
        return image.names().isEmpty() ? image.id().toString() : image.names().get(0);
    }
}
