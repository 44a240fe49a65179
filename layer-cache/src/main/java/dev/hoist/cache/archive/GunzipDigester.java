package dev.hoist.cache.archive;

import dev.hoist.oci.Digest;

import java.security.MessageDigest;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Computes the sha256 of the decompressed content of gzip data pushed into it chunk by chunk (a layer's diff
 * ID while the compressed layer is being stored), without a thread or a pipe. Reads concatenated members as Go's
 * gzip reader does, checking each member's CRC-32 and size; anything after the last member that is not another
 * member makes the data invalid (Docker refuses it too). Not thread-safe; call {@link #end()} once.
 */
final class GunzipDigester {
    private static final int ID1 = 0x1f;
    private static final int ID2 = 0x8b;
    private static final int DEFLATE = 8;
    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int RESERVED = 0xe0;

    private enum State { HEADER, BODY, TRAILER, BETWEEN, FAILED }

    /** Where in a member header we are. */
    private enum Field { FIXED, XLEN, EXTRA, NAME, COMMENT, HCRC }

    private final Inflater inflater = new Inflater(true);
    private final MessageDigest sha256 = Digest.DigestAlgorithm.SHA256.newMessageDigest();
    private final CRC32 crc = new CRC32();
    private final byte[] out = new byte[64 * 1024];
    private final byte[] trailer = new byte[8];

    private State state = State.HEADER;
    private Field field = Field.FIXED;
    private int flags;
    private int count;
    private int xlen;
    private int trailerLength;
    private long memberSize;
    private long size;
    private int members;
    private String problem;

    /** Pushes the next compressed bytes. */
    void update(byte[] b, int off, int len) {
        while (len > 0 && state != State.FAILED) {
            switch (state) {
                case BETWEEN, HEADER -> {
                    state = State.HEADER;
                    int used = header(b, off, len);
                    off += used;
                    len -= used;
                }
                case BODY -> {
                    inflater.setInput(b, off, len);
                    inflate();
                    if (state == State.FAILED) {
                        return;
                    }
                    if (inflater.finished()) {
                        int rest = inflater.getRemaining();
                        off += len - rest;
                        len = rest;
                        state = State.TRAILER;
                        trailerLength = 0;
                    } else {
                        len = 0;
                    }
                }
                case TRAILER -> {
                    int n = Math.min(8 - trailerLength, len);
                    System.arraycopy(b, off, trailer, trailerLength, n);
                    trailerLength += n;
                    off += n;
                    len -= n;
                    if (trailerLength == 8) {
                        endMember();
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    /**
     * Ends the data: the digest of everything decompressed, or null when the data is not a complete, valid gzip
     * stream ({@link #problem()} says why).
     */
    Digest end() {
        inflater.end();
        if (state == State.FAILED) {
            return null;
        }
        if (state != State.BETWEEN || members == 0) {
            problem = "the gzip data ends in the middle of a member";
            state = State.FAILED;
            return null;
        }
        return Digest.DigestAlgorithm.SHA256.fromRaw(sha256.digest());
    }

    /** Why the data is not valid gzip, or null. */
    String problem() {
        return problem;
    }

    /** The number of bytes decompressed so far. */
    long size() {
        return size;
    }

    private int header(byte[] b, int off, int len) {
        int i = 0;
        while (i < len && state == State.HEADER) {
            int v = b[off + i++] & 0xff;
            switch (field) {
                case FIXED -> {
                    switch (count) {
                        case 0 -> expect(v == ID1, "not gzip data (or garbage after the last gzip member)");
                        case 1 -> expect(v == ID2, "not gzip data (bad magic)");
                        case 2 -> expect(v == DEFLATE, "unsupported gzip compression method " + v);
                        case 3 -> {
                            flags = v;
                            expect((v & RESERVED) == 0, "reserved gzip header flags are set");
                        }
                        default -> {
                            // mtime, extra flags, OS
                        }
                    }
                    count++;
                    if (count == 10) {
                        nextField(Field.FIXED);
                    }
                }
                case XLEN -> {
                    xlen |= v << (8 * count);
                    if (++count == 2) {
                        nextField(Field.XLEN);
                    }
                }
                case EXTRA -> {
                    int skip = Math.min(xlen - count - 1, len - i);
                    i += skip;
                    count += skip + 1;
                    if (count >= xlen) {
                        nextField(Field.EXTRA);
                    }
                }
                case NAME, COMMENT -> {
                    if (v == 0) {
                        nextField(field);
                    }
                }
                case HCRC -> {
                    if (++count == 2) {
                        nextField(Field.HCRC);
                    }
                }
                default -> throw new IllegalStateException(field.name());
            }
        }
        return i;
    }

    /** Moves to the header field after {@code done}, skipping those the flags leave out. */
    private void nextField(Field done) {
        count = 0;
        Field next = switch (done) {
            case FIXED -> (flags & FEXTRA) != 0 ? Field.XLEN : afterExtra();
            case XLEN -> xlen > 0 ? Field.EXTRA : afterExtra();
            case EXTRA -> afterExtra();
            case NAME -> (flags & FCOMMENT) != 0 ? Field.COMMENT : afterComment();
            case COMMENT -> afterComment();
            case HCRC -> null;
        };
        if (next == null) {
            state = State.BODY;
            field = Field.FIXED;
            xlen = 0;
            inflater.reset();
            crc.reset();
            memberSize = 0;
        } else {
            field = next;
        }
    }

    private Field afterExtra() {
        return (flags & FNAME) != 0 ? Field.NAME : (flags & FCOMMENT) != 0 ? Field.COMMENT : afterComment();
    }

    private Field afterComment() {
        return (flags & FHCRC) != 0 ? Field.HCRC : null;
    }

    private void inflate() {
        try {
            while (true) {
                int n = inflater.inflate(out);
                if (n > 0) {
                    sha256.update(out, 0, n);
                    crc.update(out, 0, n);
                    memberSize += n;
                    size += n;
                } else if (inflater.finished() || inflater.needsInput()) {
                    return;
                } else {
                    fail("the deflate data needs a preset dictionary");
                    return;
                }
            }
        } catch (DataFormatException e) {
            fail("the deflate data is corrupt (" + e.getMessage() + ")");
        }
    }

    private void endMember() {
        long storedCrc = le32(0);
        long storedSize = le32(4);
        if (storedCrc != crc.getValue()) {
            fail("a gzip member's CRC-32 does not match its content");
            return;
        }
        if (storedSize != (memberSize & 0xffffffffL)) {
            fail("a gzip member's size does not match its content");
            return;
        }
        members++;
        state = State.BETWEEN;
    }

    private long le32(int at) {
        return (trailer[at] & 0xffL) | (trailer[at + 1] & 0xffL) << 8 | (trailer[at + 2] & 0xffL) << 16
                | (trailer[at + 3] & 0xffL) << 24;
    }

    private void expect(boolean ok, String why) {
        if (!ok) {
            fail(why);
        }
    }

    private void fail(String why) {
        if (state != State.FAILED) {
            problem = why;
            state = State.FAILED;
        }
    }
}
