package dev.hoist.cache.layer;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import dev.hoist.oci.MediaTypes.Compression;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.Executor;
import java.util.zip.GZIPInputStream;

/**
 * Streaming compression and decompression of layer blobs (gzip, zstd, none) and detection of a blob's
 * compression from its magic bytes. Stateless and thread-safe; the streams it returns are not.
 */
public final class LayerCompression {
    /**
     * gzip's default level, the one Docker and BuildKit use. On binaries and text it gives layers about 10%
     * smaller than level 1 for about twice the deflate time; random or already-compressed data costs the same
     * at every level, as it is stored, not deflated (see {@link LayerWriter.Builder#level}).
     */
    public static final int DEFAULT_GZIP_LEVEL = 6;
    /** zstd's default level. */
    public static final int DEFAULT_ZSTD_LEVEL = 3;

    private static final int BUFFER = 256 * 1024;

    private LayerCompression() {
    }

    /** The compression whose magic starts {@code head} (gzip 1f 8b, zstd 28 b5 2f fd), else NONE. */
    public static Compression detect(byte[] head, int len) {
        if (len >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        if (len >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5
                && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        return Compression.NONE;
    }

    /**
     * Reads the first bytes of {@code in} to find its compression; returns it with a stream that still
     * starts at the first byte.
     */
    public static Detected detect(InputStream in) throws IOException {
        BufferedInputStream b = in instanceof BufferedInputStream bis ? bis : new BufferedInputStream(in, BUFFER);
        b.mark(4);
        byte[] head = b.readNBytes(4);
        b.reset();
        return new Detected(detect(head, head.length), b);
    }

    /** A stream whose first bytes were looked at, and the compression they show. */
    public record Detected(Compression compression, InputStream stream) {
    }

    /** The uncompressed content of {@code in}, whatever its compression (detected from its magic). */
    public static InputStream decompress(InputStream in) throws IOException {
        Detected d = detect(in);
        return decompress(d.stream(), d.compression());
    }

    /** The uncompressed content of {@code in}, compressed with {@code compression}. */
    public static InputStream decompress(InputStream in, Compression compression) throws IOException {
        return switch (compression) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, BUFFER);
            case ZSTD -> new ZstdInputStream(in).setContinuous(false);
        };
    }

    /**
     * A stream that compresses what is written to it into {@code out}, single-threaded; closing it closes
     * {@code out}. gzip output has no name and no time in its header.
     *
     * @param level gzip 0-9, zstd 1-19 (or negative for zstd's fast levels); ignored for NONE
     */
    public static OutputStream compress(OutputStream out, Compression compression, int level) throws IOException {
        return switch (compression) {
            case NONE -> out;
            case GZIP -> new ParallelGzipOutputStream(out, level, Runnable::run, 1);
            case ZSTD -> zstd(out, level);
        };
    }

    /**
     * Like {@link #compress(OutputStream, Compression, int)}, but gzip deflates on up to {@code parallelism}
     * tasks of {@code executor} at once. The bytes are the same as single-threaded compression gives.
     */
    public static OutputStream compress(OutputStream out, Compression compression, int level,
                                        Executor executor, int parallelism) throws IOException {
        if (compression == Compression.GZIP) {
            return new ParallelGzipOutputStream(out, level, executor, parallelism);
        }
        return compress(out, compression, level);
    }

    private static OutputStream zstd(OutputStream out, int level) throws IOException {
        ZstdOutputStream z = new ZstdOutputStream(out, level);
        // no zstd worker threads: with them the frame layout differs from single-threaded output, and layers
        // must be the same bytes on every machine
        z.setChecksum(false);
        return z;
    }
}
