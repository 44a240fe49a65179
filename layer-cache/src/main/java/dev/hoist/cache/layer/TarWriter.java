package dev.hoist.cache.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tar headers in the POSIX pax format, normalised for reproducible layers: ustar magic, numeric
 * owner only (no user or group names), no atime or ctime, mtime in whole seconds; a pax extended header
 * (records sorted by key) carries what ustar cannot hold: long or non-ASCII names and link names, sizes
 * of 8 GiB and more, large ids and times, and xattrs as {@code SCHILY.xattr.NAME}. Not thread-safe.
 */
final class TarWriter {
    static final int BLOCK = 512;
    private static final byte[] ZEROS = new byte[1024];
    private static final long MAX_OCTAL_8 = 07777777L;
    private static final long MAX_OCTAL_12 = 077777777777L;

    private final OutputStream out;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes the header (and pax header when needed) of {@code e}; its content must follow. */
    void writeHeader(TarEntry e) throws IOException {
        Map<String, byte[]> pax = new TreeMap<>();
        byte[] h = new byte[BLOCK];
        byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
        if (isAscii(name) && name.length <= 100) {
            System.arraycopy(name, 0, h, 0, name.length);
        } else {
            int split = isAscii(name) ? ustarSplit(name) : -1;
            if (split > 0) {
                System.arraycopy(name, 0, h, 345, split);
                System.arraycopy(name, split + 1, h, 0, name.length - split - 1);
            } else {
                pax.put("path", name);
                byte[] shortName = asciiPrefix(name, 100);
                System.arraycopy(shortName, 0, h, 0, shortName.length);
            }
        }
        octal(h, 100, 8, e.mode() & 07777);
        numeric(h, 108, 8, e.uid(), MAX_OCTAL_8, "uid", pax);
        numeric(h, 116, 8, e.gid(), MAX_OCTAL_8, "gid", pax);
        long size = e.type() == TarEntry.Type.FILE ? e.size() : 0;
        numeric(h, 124, 12, size, MAX_OCTAL_12, "size", pax);
        numeric(h, 136, 12, e.mtime(), MAX_OCTAL_12, "mtime", pax);
        h[156] = e.type().flag;
        byte[] link = e.linkName().getBytes(StandardCharsets.UTF_8);
        if (isAscii(link) && link.length <= 100) {
            System.arraycopy(link, 0, h, 157, link.length);
        } else {
            pax.put("linkpath", link);
            byte[] shortLink = asciiPrefix(link, 100);
            System.arraycopy(shortLink, 0, h, 157, shortLink.length);
        }
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        if (e.type() == TarEntry.Type.CHAR || e.type() == TarEntry.Type.BLOCK) {
            octal(h, 329, 8, e.devMajor());
            octal(h, 337, 8, e.devMinor());
        }
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
        }
        if (!pax.isEmpty()) {
            writePax(e.name(), pax);
        }
        checksum(h);
        out.write(h);
    }

    /** Pads content of {@code size} bytes to the next 512-byte boundary. */
    void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.write(ZEROS, 0, BLOCK - rest);
        }
    }

    /** Writes the end-of-archive marker: two zero blocks. */
    void finish() throws IOException {
        out.write(ZEROS, 0, 1024);
    }

    private void writePax(String entryName, Map<String, byte[]> records) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
            int rest = 1 + key.length + 1 + r.getValue().length + 1; // " key=value\n"
            int len = rest + Integer.toString(rest).length();
            if (Integer.toString(len).length() != Integer.toString(rest).length()) {
                len = rest + Integer.toString(len).length();
            }
            body.write(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
            body.write(' ');
            body.write(key);
            body.write('=');
            body.write(r.getValue());
            body.write('\n');
        }
        byte[] data = body.toByteArray();
        String base = entryName.endsWith("/") ? entryName.substring(0, entryName.length() - 1) : entryName;
        base = base.substring(base.lastIndexOf('/') + 1);
        byte[] paxName = asciiPrefix(("PaxHeaders.0/" + base).getBytes(StandardCharsets.UTF_8), 100);
        byte[] h = new byte[BLOCK];
        System.arraycopy(paxName, 0, h, 0, paxName.length);
        octal(h, 100, 8, 0);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, data.length);
        octal(h, 136, 12, 0);
        h[156] = 'x';
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        checksum(h);
        out.write(h);
        out.write(data);
        pad(data.length);
    }

    private static void numeric(byte[] h, int off, int width, long value, long max, String paxKey,
                                Map<String, byte[]> pax) {
        if (value >= 0 && value <= max) {
            octal(h, off, width, value);
        } else {
            octal(h, off, width, 0);
            pax.put(paxKey, Long.toString(value).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Zero-padded octal in width-1 digits and a NUL. */
    static void octal(byte[] h, int off, int width, long value) {
        int digits = width - 1;
        for (int i = digits - 1; i >= 0; i--) {
            h[off + i] = (byte) ('0' + (value & 7));
            value >>>= 3;
        }
        h[off + digits] = 0;
    }

    private static void checksum(byte[] h) {
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        h[155] = ' ';
    }

    /** Where to cut an ASCII name into ustar prefix (at most 155) and name (at most 100), or -1. */
    private static int ustarSplit(byte[] name) {
        int len = name.length;
        if (len > 256) {
            return -1;
        }
        int end = name[len - 1] == '/' ? len - 1 : len;
        for (int i = Math.min(155, end - 1); i > 0; i--) {
            if (name[i] == '/' && len - i - 1 <= 100 && len - i - 1 > 0) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0 || x == 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] asciiPrefix(byte[] b, int max) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte x : b) {
            if (o.size() == max) {
                break;
            }
            if (x > 0) {
                o.write(x);
            }
        }
        return o.toByteArray();
    }
}
