package dev.hoist.cache.image;

import dev.hoist.cache.BlobInfo;
import dev.hoist.cache.BlobWriter;
import dev.hoist.cache.StoreException;
import dev.hoist.cache.layer.LayerCompression;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.oci.History;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.oci.RootFs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Makes a one-layer image from a root filesystem tar, as {@code docker import} does: the tar (plain, gzip or
 * zstd) becomes the layer, stored gzip-compressed, with a config built from the given container config.
 * Thread-safe.
 */
public final class ImageImporter {
    private final LocalImages images;
    private final Executor executor;
    private final int parallelism;

    public ImageImporter(LocalImages images, Executor executor, int parallelism) {
        this.images = images;
        this.executor = executor;
        this.parallelism = parallelism;
    }

    /** What to import and how to describe it. */
    public record Options(ContainerConfig config, Platform platform, Instant created, String comment) {
    }

    /**
     * Stores {@code rootfsTar} as a layer and commits an image for it; returns the image, unnamed.
     *
     * @throws StoreException when the input is not a tar archive (nothing is committed), or the store fails
     */
    public Image importTar(InputStream rootfsTar, Options options) throws IOException {
        InputStream tar = LayerCompression.decompress(rootfsTar);
        Digester diff = Digester.sha256();
        BlobInfo blob;
        try (BlobWriter writer = images.blobs().writer()) {
            try (OutputStream gz = LayerCompression.compress(writer.stream(), MediaTypes.Compression.GZIP,
                    LayerCompression.DEFAULT_GZIP_LEVEL, executor, parallelism)) {
                byte[] first = tar.readNBytes(512);
                if (!looksLikeTar(first)) {
                    throw new StoreException("the input is not a tar archive (no tar header at its start); "
                            + "give a root filesystem as a tar, optionally gzip- or zstd-compressed");
                }
                diff.update(first, 0, first.length);
                gz.write(first);
                byte[] buf = new byte[256 * 1024];
                int n;
                while ((n = tar.read(buf)) > 0) {
                    diff.update(buf, 0, n);
                    gz.write(buf, 0, n);
                }
            }
            blob = writer.commit(null);
        }
        Digest diffId = diff.digest();
        Descriptor layer = blob.descriptor(MediaTypes.DOCKER_LAYER_GZIP);
        ImageConfig config = ImageConfig.builder()
                .platform(options.platform())
                .created(options.created())
                .config(options.config())
                .rootfs(RootFs.layers(List.of(diffId)))
                .comment(options.comment())
                .addHistory(new History(History.of(options.created(), null, false).created(), null, null, options.comment(), null))
                .build();
        return images.commit(config, List.of(layer), true);
    }

    /** A tar starts with a header block whose checksum field holds octal digits; ustar ones say so too. */
    static boolean looksLikeTar(byte[] header) {
        if (header.length < 512) {
            // An empty or tiny tar: GNU tar writes at least two zero blocks, so anything shorter is not a tar.
            return false;
        }
        String magic = new String(Arrays.copyOfRange(header, 257, 262), StandardCharsets.US_ASCII);
        if (magic.equals("ustar")) {
            return true;
        }
        boolean allZero = true;
        for (byte b : header) {
            if (b != 0) {
                allZero = false;
                break;
            }
        }
        if (allZero) {
            return true; // an empty archive: end-of-archive blocks only
        }
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
        }
        String field = new String(header, 148, 8, StandardCharsets.US_ASCII).trim().replace("\0", "");
        try {
            return !field.isEmpty() && Long.parseLong(field.trim(), 8) == sum;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
