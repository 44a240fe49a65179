package dev.hoist.cache;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a stored blob, hashing it as it goes, and throws {@link CorruptBlobException} at the end if it does
 * not match its digest or the size it had when opened. Not thread-safe.
 */
final class VerifyingInputStream extends InputStream {
    private final Digest digest;
    private final InputStream in;
    private final long expectedSize;
    private final Digester digester;
    private boolean verified;
    private CorruptBlobException failure;

    VerifyingInputStream(Digest digest, InputStream in, long expectedSize) {
        this.digest = digest;
        this.in = in;
        this.expectedSize = expectedSize;
        this.digester = new Digester(digest.algorithm());
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            return atEnd();
        }
        digester.update(b);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = in.read(b, off, len);
        if (n < 0) {
            return atEnd();
        }
        digester.update(b, off, n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(64 * 1024, Math.max(n, 1))];
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
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private int atEnd() throws CorruptBlobException {
        if (!verified) {
            verified = true;
            Digest actual = digester.digest();
            long size = digester.size();
            if (size != expectedSize) {
                failure = new CorruptBlobException(digest, actual,
                        "read " + size + " bytes of the " + expectedSize + " it had when opened, hashing to " + actual);
            } else if (!actual.equals(digest)) {
                failure = CorruptBlobException.hashesTo(digest, actual);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return -1;
    }
}
