package dev.hoist.builder;

import com.github.luben.zstd.ZstdInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Tar archives as ADD and a context on standard input accept them: plain, or compressed with gzip, bzip2, xz or
 * zstd, told apart by their magic bytes as Docker does. Stateless.
 */
final class Archives {
    private Archives() {
    }

    /** {@code in} decompressed when it starts with the magic of gzip, bzip2, xz or zstd; as is otherwise. */
    static InputStream decompress(InputStream in) throws IOException {
        BufferedInputStream b = in instanceof BufferedInputStream bis ? bis : new BufferedInputStream(in, 65536);
        b.mark(8);
        byte[] head = b.readNBytes(6);
        b.reset();
        if (starts(head, 0x1f, 0x8b)) {
            return new BufferedInputStream(new GZIPInputStream(b, 65536), 65536);
        }
        if (starts(head, 'B', 'Z', 'h')) {
            return new BufferedInputStream(new BZip2CompressorInputStream(b, true), 65536);
        }
        if (starts(head, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
            return new BufferedInputStream(new XZCompressorInputStream(b, true), 65536);
        }
        if (starts(head, 0x28, 0xb5, 0x2f, 0xfd)) {
            return new BufferedInputStream(new ZstdInputStream(b), 65536);
        }
        return b;
    }

    private static boolean starts(byte[] head, int... magic) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code in} (already decompressed, supporting mark) starts with a tar header. Does not consume it. */
    static boolean isTar(InputStream in) throws IOException {
        in.mark(512);
        byte[] head = in.readNBytes(512);
        in.reset();
        if (head.length < 512) {
            return false;
        }
        String magic = new String(head, 257, 5, StandardCharsets.US_ASCII);
        if (magic.equals("ustar")) {
            return true;
        }
        // a v7 tar has no magic: accept a header whose checksum is right
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (head[i] & 0xff);
        }
        String stored = new String(head, 148, 8, StandardCharsets.US_ASCII).replace("\0", " ").trim();
        try {
            return !stored.isEmpty() && head[0] != 0 && Long.parseLong(stored, 8) == sum;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Whether the file {@code p} is a tar archive, plain or compressed, which ADD unpacks. */
    static boolean isArchive(Path p) {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (InputStream in = decompress(Files.newInputStream(p))) {
            return isTar(in);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
