package dev.hoist.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a POSIX ustar archive with normalised headers: numeric owner 0:0, no user or group names, mtime 0, mode
 * holding permission bits only, padded to 10240-byte records as GNU tar does. Enough for fixtures; no long names,
 * no PAX. Not thread-safe.
 */
final class TarWriter {

    static final int BLOCK = 512;
    static final int RECORD = 20 * BLOCK;

    static final byte REGULAR = '0';
    static final byte SYMLINK = '2';
    static final byte DIRECTORY = '5';

    private final OutputStream out;
    private long written;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes one header block; a regular file's {@code size} bytes must follow through {@link #content}. */
    void header(String name, byte type, int mode, long size, String linkName) throws IOException {
        byte[] header = new byte[BLOCK];
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length <= 100) {
            System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
        } else {
            int split = splitPoint(name, nameBytes);
            System.arraycopy(nameBytes, split + 1, header, 0, nameBytes.length - split - 1);
            System.arraycopy(nameBytes, 0, header, 345, split);
        }
        octal(header, 100, 8, mode & 07777);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, size);
        octal(header, 136, 12, 0);
        header[156] = type;
        if (linkName != null) {
            byte[] link = linkName.getBytes(StandardCharsets.UTF_8);
            if (link.length > 100) {
                throw new IllegalArgumentException("link target longer than 100 bytes: " + linkName);
            }
            System.arraycopy(link, 0, header, 157, link.length);
        }
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 6);
        header[263] = '0';
        header[264] = '0';
        octal(header, 329, 8, 0);
        octal(header, 337, 8, 0);
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        octal(header, 148, 7, sum);
        header[155] = ' ';
        write(header, header.length);
    }

    /** Copies exactly {@code size} bytes of a regular file's content, then pads to a block. */
    void content(InputStream in, long size, String name) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long remaining = size;
        while (remaining > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new IOException(name + " shrank while it was being archived");
            }
            write(buffer, n);
            remaining -= n;
        }
        if (in.read() >= 0) {
            throw new IOException(name + " grew while it was being archived");
        }
        pad(BLOCK);
    }

    /** Writes the two zero blocks that end the archive and pads it to a whole record. */
    void finish() throws IOException {
        write(new byte[2 * BLOCK], 2 * BLOCK);
        pad(RECORD);
        out.flush();
    }

    private void pad(int unit) throws IOException {
        int rest = (int) (written % unit);
        if (rest != 0) {
            write(new byte[unit - rest], unit - rest);
        }
    }

    private void write(byte[] bytes, int length) throws IOException {
        out.write(bytes, 0, length);
        written += length;
    }

    /** Writes {@code value} as zero-padded octal digits followed by NUL into {@code width} bytes at {@code offset}. */
    private static void octal(byte[] header, int offset, int width, long value) {
        String digits = Long.toOctalString(value);
        if (digits.length() > width - 1) {
            throw new IllegalArgumentException("value " + value + " does not fit a " + width + "-byte tar field");
        }
        String padded = "0".repeat(width - 1 - digits.length()) + digits;
        System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, header, offset, width - 1);
        header[offset + width - 1] = 0;
    }

    private static int splitPoint(String name, byte[] bytes) {
        for (int i = Math.min(155, bytes.length - 2); i > 0; i--) {
            if (bytes[i] == '/' && bytes.length - i - 1 <= 100) {
                return i;
            }
        }
        throw new IllegalArgumentException("tar name too long for ustar: " + name);
    }
}
