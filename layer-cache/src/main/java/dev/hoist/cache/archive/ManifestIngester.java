package dev.hoist.cache.archive;

import dev.hoist.cache.BlobInfo;
import dev.hoist.cache.BlobStore;
import dev.hoist.cache.StoreException;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.MediaTypes.Compression;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Brings an image described by a manifest or index descriptor from a source (a layout directory, or an archive
 * already read into the store) into the local store, checking that it is complete and consistent: every
 * blob present with its digest and size, the manifests parse, and each image config's diff IDs match its
 * layers. Not thread-safe.
 */
final class ManifestIngester {
    private static final int MAX_DEPTH = 8;

    /** Where blobs come from. */
    interface Source {
        /**
         * Makes the blob {@code d} available in the store, verified against its digest and size, and says what it
         * is; {@code compression} null when it was already stored and has not been read. Null when neither the
         * source nor the store has it.
         */
        Ingest.Blob fetch(Descriptor d) throws IOException;

        /** The source for messages: "the archive /tmp/a.tar", "the layout at /tmp/x". */
        String where();
    }

    /** A top-level image brought in, and the configs it holds (one per platform present). */
    record Imported(Descriptor target, Set<Digest> configs) {
    }

    private final BlobStore blobs;
    private final Source source;

    ManifestIngester(LocalImages images, Source source) {
        this.blobs = images.blobs();
        this.source = source;
    }

    /**
     * Imports the manifest or index {@code target} and what it needs. Of an index, the platforms whose manifests
     * the source lacks are skipped (as a single-platform {@code docker save} or pull leaves them out), but at
     * least one must be there.
     *
     * @param what the entry for messages, e.g. "index.json entry 2 (ref latest)"
     */
    Imported importTarget(Descriptor target, String what) throws IOException {
        Set<Digest> configs = new LinkedHashSet<>();
        walk(target, what, configs, 0);
        return new Imported(target, configs);
    }

    private void walk(Descriptor d, String what, Set<Digest> configs, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new ArchiveException(what + " nests indexes more than " + MAX_DEPTH + " deep in " + source.where());
        }
        require(d, what);
        Manifest m;
        try {
            m = Manifest.parse(blobs.readAllBytes(d.digest()));
        } catch (InvalidContentException e) {
            throw new ArchiveException("the manifest " + d.digest() + " (" + what + ") in " + source.where()
                    + " is not valid: " + e.getMessage(), e);
        }
        if (d.mediaType() != null && !d.mediaType().equals(m.contentType())) {
            throw new ArchiveException(what + " in " + source.where() + " says " + d.digest() + " is "
                    + d.mediaType() + " but it is " + m.contentType());
        }
        if (m instanceof ImageIndex index) {
            int present = 0;
            for (Descriptor child : index.manifests()) {
                if (!MediaTypes.isManifest(child.mediaType()) && !MediaTypes.isIndex(child.mediaType())) {
                    continue; // not an image (an attestation or other artifact): not needed to run anything
                }
                if (fetchOptional(child) == null) {
                    continue;
                }
                walk(child, "manifest " + child.digest() + " of index " + d.digest(), configs, depth + 1);
                present++;
            }
            if (present == 0 && !index.manifests().isEmpty()) {
                throw new ArchiveException("none of the manifests of the index " + d.digest() + " (" + what + ") is in "
                        + source.where());
            }
        } else {
            ImageManifest manifest = (ImageManifest) m;
            configs.add(manifest.config().digest());
            importManifest(manifest, "image " + d.digest() + " (" + what + ")");
        }
    }

    /** Imports the config and layers of {@code manifest} (itself already stored) and checks the diff IDs. */
    void importManifest(ImageManifest manifest, String what) throws IOException {
        Descriptor configDesc = manifest.config();
        require(configDesc, "the config of " + what);
        List<Ingest.Blob> layers = new ArrayList<>();
        for (Descriptor layer : manifest.layers()) {
            Ingest.Blob b = fetchOptional(layer);
            if (b == null && layer.urls().isEmpty()) {
                throw missing(layer, "layer of " + what);
            }
            if (b != null) {
                checkSize(layer, b, "layer of " + what);
            }
            layers.add(b);
        }
        String configType = configDesc.mediaType();
        if (!MediaTypes.OCI_CONFIG.equals(configType) && !MediaTypes.DOCKER_CONFIG.equals(configType)) {
            return; // an artifact: its "layers" are not a root filesystem
        }
        ImageConfig config;
        try {
            config = ImageConfig.parse(blobs.readAllBytes(configDesc.digest()));
        } catch (InvalidContentException e) {
            throw new ArchiveException("the config " + configDesc.digest() + " of " + what + " in " + source.where()
                    + " is not a valid image config: " + e.getMessage(), e);
        }
        checkDiffIds(config, manifest.layers(), layers, what);
    }

    /**
     * Checks that the config lists one diff ID per layer and that each is the digest of that layer uncompressed.
     *
     * @param stored what each layer is, null for a foreign layer that is not there
     */
    void checkDiffIds(ImageConfig config, List<Descriptor> layers, List<Ingest.Blob> stored, String what)
            throws IOException {
        List<Digest> diffIds = config.diffIds();
        if (diffIds.size() != layers.size()) {
            throw new ArchiveException("the config of " + what + " in " + source.where() + " lists " + diffIds.size()
                    + " diff IDs (rootfs.diff_ids) for " + layers.size() + " layers; the image is damaged");
        }
        for (int i = 0; i < layers.size(); i++) {
            Ingest.Blob blob = stored.get(i);
            if (blob == null) {
                continue;
            }
            if (blob.compression() == null) {
                blob = Ingest.describe(blobs, blob.digest());
            }
            Descriptor layer = layers.get(i);
            Compression declared = MediaTypes.layerCompression(layer.mediaType());
            if (isLayerType(layer.mediaType()) && declared != blob.compression()) {
                throw new ArchiveException("layer " + (i + 1) + " of " + what + " (" + layer.digest() + ") is declared as "
                        + layer.mediaType() + " but its content is " + name(blob.compression()) + " in " + source.where());
            }
            Digest actual = diffIdOf(blob, "layer " + (i + 1) + " of " + what);
            if (!actual.equals(diffIds.get(i))) {
                throw new ArchiveException("layer " + (i + 1) + " of " + what + " (" + layer.digest() + ") has diff ID "
                        + actual + " but the config says " + diffIds.get(i) + "; the image in " + source.where()
                        + " is damaged or was put together wrongly");
            }
        }
    }

    /** The diff ID of a stored layer blob. */
    Digest diffIdOf(Ingest.Blob blob, String what) throws IOException {
        return switch (blob.compression()) {
            case NONE -> blob.digest();
            case GZIP -> {
                if (blob.diffId() == null) {
                    throw new ArchiveException(what + " (" + blob.digest() + ") in " + source.where()
                            + " starts like gzip but is not valid gzip data: " + blob.problem());
                }
                yield blob.diffId();
            }
            case ZSTD -> {
                try {
                    yield Ingest.diffId(blobs, blob.digest(), Compression.ZSTD);
                } catch (IOException e) {
                    if (e instanceof StoreException) {
                        throw e;
                    }
                    throw new ArchiveException(what + " (" + blob.digest() + ") in " + source.where()
                            + " starts like zstd but is not valid zstd data: " + e.getMessage(), e);
                }
            }
        };
    }

    private static boolean isLayerType(String mediaType) {
        return mediaType != null && (mediaType.startsWith("application/vnd.oci.image.layer.")
                || mediaType.startsWith("application/vnd.docker.image.rootfs."));
    }

    private static String name(Compression c) {
        return switch (c) {
            case NONE -> "not compressed";
            case GZIP -> "gzip";
            case ZSTD -> "zstd";
        };
    }

    private Ingest.Blob require(Descriptor d, String what) throws IOException {
        Ingest.Blob b = fetchOptional(d);
        if (b == null) {
            throw missing(d, what);
        }
        checkSize(d, b, what);
        return b;
    }

    private Ingest.Blob fetchOptional(Descriptor d) throws IOException {
        Ingest.Blob b = source.fetch(d);
        if (b != null) {
            return b;
        }
        Optional<BlobInfo> stored = blobs.stat(d.digest());
        return stored.map(info -> new Ingest.Blob(info.digest(), info.size(), null, null, null)).orElse(null);
    }

    private void checkSize(Descriptor d, Ingest.Blob b, String what) throws ArchiveException {
        if (b.size() != d.size()) {
            throw new ArchiveException("the " + what + " " + d.digest() + " has " + b.size() + " bytes but its descriptor"
                    + " says " + d.size() + " in " + source.where() + "; the image is damaged");
        }
    }

    private ArchiveException missing(Descriptor d, String what) {
        return new ArchiveException("the " + what + " " + d.digest() + " is missing from " + source.where()
                + " (expected at blobs/" + d.digest().algorithmName() + "/" + d.digest().encoded() + ")");
    }
}
