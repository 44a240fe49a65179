package dev.hoist.oci;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Computes a digest and a byte count over a stream as it passes. Not thread-safe: one per stream.
 */
public final class Digester {
    private final Digest.DigestAlgorithm algorithm;
    private final MessageDigest md;
    private long size;

    public Digester(Digest.DigestAlgorithm algorithm) {
        this.algorithm = algorithm;
        this.md = algorithm.newMessageDigest();
    }

    public static Digester sha256() {
        return new Digester(Digest.DigestAlgorithm.SHA256);
    }

    public void update(byte[] b, int off, int len) {
        md.update(b, off, len);
        size += len;
    }

    public void update(int b) {
        md.update((byte) b);
        size++;
    }

    public long size() {
        return size;
    }

    /** The digest of everything seen so far. May be called once. */
    public Digest digest() {
        return algorithm.fromRaw(md.digest());
    }

    /** Wraps {@code in} so that every byte read passes through this digester. */
    public InputStream wrap(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    update(b);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    update(b, off, n);
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                byte[] buf = new byte[8192];
                long done = 0;
                while (done < n) {
                    int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                    if (r < 0) {
                        break;
                    }
                    done += r;
                }
                return done;
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        };
    }

    /** Wraps {@code out} so that every byte written passes through this digester. */
    public OutputStream wrap(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                update(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                update(b, off, len);
            }
        };
    }

    /**
     * Copies {@code in} to {@code out} (which may be null to only hash), returning the digest and size of
     * what was copied. Neither stream is closed.
     */
    public static DigestAndSize copy(InputStream in, OutputStream out, Digest.DigestAlgorithm algorithm) throws IOException {
        Digester d = new Digester(algorithm);
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out != null) {
                out.write(buf, 0, n);
            }
            d.update(buf, 0, n);
        }
        return new DigestAndSize(d.digest(), d.size());
    }

    /** A digest with the number of bytes it covers. */
    public record DigestAndSize(Digest digest, long size) {
    }
}
