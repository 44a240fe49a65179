package dev.hoist.cache.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.hoist.cache.BlobInfo;
import dev.hoist.cache.BlobStore;
import dev.hoist.cache.BlobWriter;
import dev.hoist.cache.DigestMismatchException;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.oci.MediaTypes.Compression;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.zip.GZIPInputStream;

/**
 * Stores a stream as a blob while finding out what it is: its compression by magic bytes and, for a layer, its
 * diff ID (the sha256 of the uncompressed tar), computed in the same pass for gzip. Stateless.
 */
final class Ingest {
    private static final int BUFFER = 64 * 1024;

    private Ingest() {
    }

    /**
     * A stored blob and what its bytes look like.
     *
     * @param compression by magic bytes
     * @param diffId      the sha256 of the uncompressed content: the digest itself when uncompressed, computed
     *                    for gzip; null for zstd (see {@link #diffId}) or when the gzip data is not valid
     * @param problem     why the gzip data is not valid, or null
     */
    record Blob(Digest digest, long size, Compression compression, Digest diffId, String problem) {
    }

    /**
     * Reads {@code in} to its end into the store, checking {@code expected} (digest, may be null) and
     * {@code expectedSize} (or -1).
     *
     * @throws DigestMismatchException when the content does not match; nothing is stored
     */
    static Blob put(BlobStore blobs, InputStream in, Digest expected, long expectedSize) throws IOException {
        Digest.DigestAlgorithm algorithm = expected != null ? expected.algorithm() : Digest.DigestAlgorithm.SHA256;
        try (BlobWriter w = blobs.writer(algorithm)) {
            OutputStream out = w.stream();
            Sniffer sniffer = new Sniffer();
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) != -1) {
                out.write(buf, 0, n);
                sniffer.update(buf, 0, n);
            }
            BlobInfo info = w.commit(expected, expectedSize);
            return sniffer.finish(info);
        }
    }

    /** What a blob already in the store is, reading it once (for blobs that were not put by {@link #put}). */
    static Blob describe(BlobStore blobs, Digest digest) throws IOException {
        Sniffer sniffer = new Sniffer();
        long size = 0;
        try (InputStream in = blobs.open(digest)) {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) != -1) {
                sniffer.update(buf, 0, n);
                size += n;
            }
        }
        return sniffer.finish(new BlobInfo(digest, size, Instant.EPOCH));
    }

    /** The diff ID of a stored layer compressed with {@code compression}, decompressing it. */
    static Digest diffId(BlobStore blobs, Digest digest, Compression compression) throws IOException {
        if (compression == Compression.NONE) {
            return digest;
        }
        try (InputStream raw = blobs.open(digest);
             InputStream in = compression == Compression.GZIP ? new GZIPInputStream(raw, BUFFER) : new ZstdInputStream(raw)) {
            return Digester.copy(in, null, Digest.DigestAlgorithm.SHA256).digest();
        }
    }

    /** The compression that {@code head} (the first bytes of a blob) starts with. */
    static Compression compressionOf(byte[] head, int length) {
        if (length >= 3 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b && head[2] == 8) {
            return Compression.GZIP;
        }
        if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        return Compression.NONE;
    }

    /** Watches bytes go by: the first four decide the compression, gzip is decompressed and hashed. */
    private static final class Sniffer {
        private final byte[] head = new byte[4];
        private int headLength;
        private Compression compression;
        private GunzipDigester gunzip;

        void update(byte[] b, int off, int len) {
            if (compression == null) {
                int n = Math.min(head.length - headLength, len);
                System.arraycopy(b, off, head, headLength, n);
                headLength += n;
                if (headLength < head.length) {
                    return;
                }
                decide();
                // the head is fed below together with the rest of this chunk
                if (gunzip != null) {
                    gunzip.update(head, 0, head.length);
                }
                off += n;
                len -= n;
            }
            if (gunzip != null && len > 0) {
                gunzip.update(b, off, len);
            }
        }

        private void decide() {
            compression = compressionOf(head, headLength);
            if (compression == Compression.GZIP) {
                gunzip = new GunzipDigester();
            }
        }

        Blob finish(BlobInfo info) {
            if (compression == null) {
                decide();
                if (gunzip != null) {
                    gunzip.update(head, 0, headLength);
                }
            }
            return switch (compression) {
                case NONE -> new Blob(info.digest(), info.size(), Compression.NONE, info.digest(), null);
                case ZSTD -> new Blob(info.digest(), info.size(), Compression.ZSTD, null, null);
                case GZIP -> {
                    Digest d = gunzip.end();
                    yield new Blob(info.digest(), info.size(), Compression.GZIP, d, d == null ? gunzip.problem() : null);
                }
            };
        }
    }
}
