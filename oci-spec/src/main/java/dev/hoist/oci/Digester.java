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
    /**
     * Up to this many bytes, SHA-256 is computed by {@link Sha256} when the digest is asked for: a command that
     * reads a manifest and a config does not pay for the JCA's start-up. Beyond it, the JDK's implementation
     * takes over (the bytes held so far first), as it is many times faster once compiled.
     */
    static final int SMALL = 64 * 1024;
    /**
     * Past this many bytes hashed by {@link Sha256} in this process, or once the JCA is set up anyway, every digest
     * goes to the JDK's: a command that hashes many small files (a COPY context) wants the compiled SHA instructions.
     */
    private static final long SMALL_BUDGET = 1024 * 1024;
    private static final java.util.concurrent.atomic.AtomicLong SMALL_HASHED = new java.util.concurrent.atomic.AtomicLong();
    private static volatile boolean jca;

    private final Digest.DigestAlgorithm algorithm;
    private MessageDigest md;
    private byte[] held;      // SHA-256 before the JCA is used: the bytes seen so far
    private long size;

    public Digester(Digest.DigestAlgorithm algorithm) {
        this.algorithm = algorithm;
        if (algorithm == Digest.DigestAlgorithm.SHA256 && !jca) {
            held = new byte[256];
        } else {
            md = newMessageDigest();
        }
    }

    public static Digester sha256() {
        return new Digester(Digest.DigestAlgorithm.SHA256);
    }

    public void update(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (md == null) {
            if (size + len <= SMALL) {
                if (size + len > held.length) {
                    held = java.util.Arrays.copyOf(held, (int) Math.min(SMALL, Math.max(held.length * 2L, size + len)));
                }
                System.arraycopy(b, off, held, (int) size, len);
                size += len;
                return;
            }
            md = newMessageDigest();
            md.update(held, 0, (int) size);
            held = null;
        }
        md.update(b, off, len);
        size += len;
    }

    private MessageDigest newMessageDigest() {
        jca = true;
        return algorithm.newMessageDigest();
    }

    public void update(int b) {
        if (md != null) {
            md.update((byte) b);
            size++;
        } else if (size < held.length) {
            held[(int) size++] = (byte) b;
        } else {
            update(new byte[] {(byte) b}, 0, 1);
        }
    }

    public long size() {
        return size;
    }

    /** The digest of everything seen so far. May be called once. */
    public Digest digest() {
        if (md == null) {
            if (SMALL_HASHED.addAndGet(size) > SMALL_BUDGET) {
                jca = true;
            }
            Sha256 s = new Sha256();
            s.update(held, 0, (int) size);
            return algorithm.fromRaw(s.digest());
        }
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
