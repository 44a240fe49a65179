package dev.hoist.cache.archive;

import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.History;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.oci.RootFs;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/** Small images made in a test's store, and tars made by hand. */
final class TestImages {
    private TestImages() {
    }

    /** A deterministic tar of {@code files} (name → content). */
    static byte[] tar(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                entry.setModTime(0);
                entry.setUserName("");
                entry.setGroupName("");
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A config for {@code platform} with these diff IDs. */
    static ImageConfig config(Platform platform, List<Digest> diffIds, String cmd) {
        ImageConfig.Builder b = ImageConfig.builder()
                .platform(platform)
                .created(Instant.EPOCH)
                .config(ContainerConfig.builder().cmd("/bin/busybox", "echo", cmd).build())
                .rootfs(RootFs.layers(diffIds));
        for (Digest ignored : diffIds) {
            b.addHistory(History.of(Instant.EPOCH, "test layer", false));
        }
        return b.build();
    }

    /**
     * Commits an image of one small layer per content (each a tar holding {@code file-N.txt}), gzip or not,
     * with Docker or OCI media types.
     */
    static Image commit(LocalImages images, boolean docker, boolean gzip, String... contents) throws IOException {
        return commit(images, Platform.current(), docker, gzip, contents);
    }

    static Image commit(LocalImages images, Platform platform, boolean docker, boolean gzip, String... contents)
            throws IOException {
        List<Descriptor> layers = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        for (int i = 0; i < contents.length; i++) {
            byte[] tar = tar(Map.of("file-" + i + ".txt", utf8(contents[i])));
            diffIds.add(Digest.sha256(tar));
            layers.add(gzip ? images.blobs().put(MediaTypes.OCI_LAYER_GZIP, gzip(tar))
                    : images.blobs().put(MediaTypes.OCI_LAYER, tar));
        }
        return images.commit(config(platform, diffIds, String.join(",", contents)), layers, docker);
    }

    /** Stores an index of these images' manifests (with their platforms) and returns it loaded. */
    static Image commitIndex(LocalImages images, List<Image> platforms, List<Descriptor> extra) throws IOException {
        ImageIndex.Builder b = ImageIndex.builder();
        for (Image image : platforms) {
            ImageManifest m = image.manifest();
            b.addManifest(m.descriptor().withPlatform(image.config().platform().orElseThrow()));
        }
        extra.forEach(b::addManifest);
        ImageIndex index = b.build();
        images.blobs().put(index.contentType(), index.bytes());
        return images.load(index.descriptor(), List.of());
    }
}
