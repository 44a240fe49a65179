package dev.hoist.cache.image;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageManifest;

import java.util.List;
import java.util.Objects;

/**
 * One image in the local store for one platform: the manifest (and, when the store holds an index, the index
 * descriptor it was selected from), the config, and the names that point at it. Immutable.
 *
 * @param target   what the store's names point at: the manifest, or an index holding it
 * @param manifest the image manifest
 * @param config   the image config
 * @param names    the store names (normalised references) that point at {@code target}, sorted
 */
public record Image(Descriptor target, ImageManifest manifest, ImageConfig config, List<String> names) {

    public Image {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(config, "config");
        names = List.copyOf(names);
    }

    /** The image ID, as Docker prints it: the digest of the config. */
    public Digest id() {
        return manifest.config().digest();
    }

    /** The digest of the image manifest. */
    public Digest manifestDigest() {
        return manifest.digest();
    }

    /** The total size of the image's content as stored: config plus layer blobs. */
    public long contentSize() {
        long size = manifest.config().size();
        for (Descriptor layer : manifest.layers()) {
            size += layer.size();
        }
        return size;
    }

    public Image withNames(List<String> newNames) {
        return new Image(target, manifest, config, newNames);
    }
}
