package dev.hoist.registry.server;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writes a small OCI image layout by hand: a config, one gzip layer, a manifest and index.json. */
final class OciLayouts {
    private OciLayouts() {
    }

    /** Writes the layout to {@code dir} with the image tagged {@code tag}; returns its manifest. */
    static ImageManifest write(Path dir, String tag, String fileContent) throws IOException {
        byte[] tar = tar("hello.txt", fileContent.getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(tar);
        }
        byte[] layer = gz.toByteArray();
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + Digest.sha256(tar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        ImageManifest m = ImageManifest.builder()
                .config(Descriptor.of(MediaTypes.OCI_CONFIG, config))
                .addLayer(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer))
                .build();
        Files.createDirectories(dir.resolve("blobs/sha256"));
        for (byte[] b : new byte[][]{layer, config, m.bytes()}) {
            Files.write(dir.resolve("blobs/sha256").resolve(Digest.sha256(b).hex()), b);
        }
        ImageIndex index = ImageIndex.builder()
                .addManifest(m.descriptor().withAnnotations(Map.of("org.opencontainers.image.ref.name", tag)))
                .build();
        Files.write(dir.resolve("index.json"), index.bytes());
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return m;
    }

    /** A ustar archive with one regular file. */
    static byte[] tar(String name, byte[] content) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644\0");
        put(h, 108, "0000000\0");
        put(h, 116, "0000000\0");
        put(h, 124, String.format("%011o\0", content.length));
        put(h, 136, String.format("%011o\0", 0));
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        h[156] = '0';
        put(h, 257, "ustar\0");
        put(h, 263, "00");
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o\0 ", sum));
        int padded = (content.length + 511) / 512 * 512;
        byte[] out = new byte[512 + padded + 1024];
        System.arraycopy(h, 0, out, 0, 512);
        System.arraycopy(content, 0, out, 512, content.length);
        return out;
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
