package dev.hoist.cache.layer;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads tar entries from a stream: ustar, pax (local extended headers; global ones are skipped), xattrs as
 * {@code SCHILY.xattr.*} or {@code LIBARCHIVE.xattr.*} kept as raw bytes, and the GNU long-name and
 * long-link extensions, as GNU tar, Go's archive/tar and Docker write them. Refuses sparse and multi-volume
 * entries. Not thread-safe.
 */
final class TarReader {
    private static final int BLOCK = 512;
    private static final int MAX_META = 16 * 1024 * 1024;

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private long remaining;
    private long padding;
    private String current;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the end of the archive. Skips what is left of the current one. */
    TarEntry next() throws IOException, LayerException {
        skipRest();
        Map<String, byte[]> pax = new HashMap<>();
        String longName = null;
        String longLink = null;
        while (true) {
            int n = in.readNBytes(header, 0, BLOCK);
            if (n == 0) {
                return null;
            }
            if (n < BLOCK) {
                throw new LayerException(current, "the layer ends in the middle of a tar header; it is truncated");
            }
            if (isZero(header)) {
                return null;
            }
            verifyChecksum();
            byte flag = header[156];
            long size = number(header, 124, 12);
            if (size < 0) {
                throw new LayerException(name(), "negative size in the tar header");
            }
            switch (flag) {
                case 'x' -> {
                    pax.putAll(parsePax(readMeta(size)));
                    continue;
                }
                case 'g' -> {
                    // global headers (git archive's comment, a tool's charset) do not apply to layers: Docker
                    // skips them too
                    parsePax(readMeta(size));
                    continue;
                }
                case 'L' -> {
                    longName = cstring(readMeta(size));
                    continue;
                }
                case 'K' -> {
                    longLink = cstring(readMeta(size));
                    continue;
                }
                case 'V' -> {
                    skip(size + pad(size));
                    continue;
                }
                default -> {
                }
            }
            return entry(flag, size, pax, longName, longLink);
        }
    }

    private TarEntry entry(byte flag, long size, Map<String, byte[]> pax, String longName, String longLink)
            throws IOException, LayerException {
        String name = pax.containsKey("path") ? utf8(pax.get("path")) : longName != null ? longName : name();
        current = name;
        String link = pax.containsKey("linkpath") ? utf8(pax.get("linkpath"))
                : longLink != null ? longLink : field(header, 157, 100);
        for (String key : pax.keySet()) {
            if (key.startsWith("GNU.sparse.")) {
                throw new LayerException(name, "sparse tar entries are not supported; write the layer without --sparse");
            }
        }
        TarEntry.Type type = switch (flag) {
            case '0', 0, '7' -> name.endsWith("/") ? TarEntry.Type.DIR : TarEntry.Type.FILE;
            case '1' -> TarEntry.Type.HARDLINK;
            case '2' -> TarEntry.Type.SYMLINK;
            case '3' -> TarEntry.Type.CHAR;
            case '4' -> TarEntry.Type.BLOCK;
            case '5', 'D' -> TarEntry.Type.DIR;
            case '6' -> TarEntry.Type.FIFO;
            case 'S' -> throw new LayerException(name, "GNU sparse tar entries are not supported");
            case 'M' -> throw new LayerException(name, "multi-volume tar entries are not supported");
            default -> throw new LayerException(name, "unknown tar entry type '" + (char) flag + "'");
        };
        long uid = pax.containsKey("uid") ? paxLong(name, pax.get("uid")) : number(header, 108, 8);
        long gid = pax.containsKey("gid") ? paxLong(name, pax.get("gid")) : number(header, 116, 8);
        if (pax.containsKey("size")) {
            size = paxLong(name, pax.get("size"));
        }
        long mtime = number(header, 136, 12);
        int nanos = 0;
        if (pax.containsKey("mtime")) {
            String t = utf8(pax.get("mtime"));
            try {
                java.math.BigDecimal d = new java.math.BigDecimal(t);
                java.math.BigDecimal secs = d.setScale(0, java.math.RoundingMode.FLOOR);
                mtime = secs.longValueExact();
                nanos = d.subtract(secs).movePointRight(9).intValue();
            } catch (NumberFormatException | ArithmeticException e) {
                throw new LayerException(name, "bad pax mtime '" + t + "'");
            }
        }
        TreeMap<String, byte[]> xattrs = new TreeMap<>();
        for (Map.Entry<String, byte[]> r : pax.entrySet()) {
            if (r.getKey().startsWith("SCHILY.xattr.")) {
                xattrs.put(r.getKey().substring("SCHILY.xattr.".length()), r.getValue());
            } else if (r.getKey().startsWith("LIBARCHIVE.xattr.")) {
                String xname = URLDecoder.decode(r.getKey().substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
                try {
                    xattrs.putIfAbsent(xname, Base64.getDecoder().decode(utf8(r.getValue()).trim()));
                } catch (IllegalArgumentException e) {
                    throw new LayerException(name, "bad base64 in pax record LIBARCHIVE.xattr." + xname);
                }
            }
        }
        if (type == TarEntry.Type.FILE) {
            remaining = size;
            padding = pad(size);
        } else {
            // header-only types carry no content whatever their size field says (as in Go's reader);
            // a GNU dumpdir's listing means nothing here and is skipped
            remaining = 0;
            padding = flag == 'D' ? size + pad(size) : 0;
        }
        return new TarEntry(name, type, (int) (number(header, 100, 8) & 07777), uid, gid, type == TarEntry.Type.FILE ? size : 0,
                mtime, nanos, link, (int) number(header, 329, 8), (int) number(header, 337, 8), xattrs);
    }

    /** Reads content of the current entry; -1 at its end. */
    int read(byte[] b, int off, int len) throws IOException, LayerException {
        if (remaining == 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new LayerException(current, "the layer ends in the middle of this entry's content; it is truncated");
        }
        remaining -= n;
        return n;
    }

    /** Reads the rest of the underlying stream (after the end-of-archive marker) so that it is all hashed. */
    void drain() throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (in.read(buf) >= 0) {
            // discard
        }
    }

    private void skipRest() throws IOException, LayerException {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
    }

    private void skip(long n) throws IOException, LayerException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new LayerException(current, "the layer ends in the middle of this entry's content; it is truncated");
                }
                s = 1;
            }
            n -= s;
        }
    }

    private byte[] readMeta(long size) throws IOException, LayerException {
        if (size > MAX_META) {
            throw new LayerException(name(), "extended header of " + size + " bytes is larger than " + MAX_META);
        }
        byte[] b = in.readNBytes((int) size);
        if (b.length < size) {
            throw new LayerException(name(), "the layer ends in the middle of an extended header; it is truncated");
        }
        skip(pad(size));
        return b;
    }

    private Map<String, byte[]> parsePax(byte[] data) throws LayerException {
        Map<String, byte[]> records = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            if (data[pos] == 0) {
                break;
            }
            int sp = pos;
            while (sp < data.length && data[sp] != ' ') {
                sp++;
            }
            int len;
            try {
                len = Integer.parseInt(new String(data, pos, sp - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new LayerException(name(), "malformed pax extended header record");
            }
            int end = pos + len;
            if (len <= 0 || end > data.length || data[end - 1] != '\n') {
                throw new LayerException(name(), "malformed pax extended header record");
            }
            int eq = sp + 1;
            while (eq < end && data[eq] != '=') {
                eq++;
            }
            if (eq >= end) {
                throw new LayerException(name(), "malformed pax extended header record");
            }
            String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, end - 1);
            records.put(key, value);
            pos = end;
        }
        return records;
    }

    private long paxLong(String name, byte[] value) throws LayerException {
        try {
            return Long.parseLong(utf8(value).trim());
        } catch (NumberFormatException e) {
            throw new LayerException(name, "bad number '" + utf8(value) + "' in a pax extended header");
        }
    }

    private void verifyChecksum() throws LayerException {
        long stored = number(header, 148, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = i >= 148 && i < 156 ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += (byte) b;
        }
        if (stored != unsigned && stored != signed) {
            throw new LayerException(current == null ? null : "after " + current,
                    "bad tar header checksum: the layer is corrupt or not a tar");
        }
    }

    /** The header's name, with the ustar prefix when there is one. */
    private String name() {
        String name = field(header, 0, 100);
        boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
        if (ustar && header[345] != 0) {
            name = field(header, 345, 155) + "/" + name;
        }
        return name;
    }

    private static long pad(long size) {
        long rest = size % BLOCK;
        return rest == 0 ? 0 : BLOCK - rest;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static String cstring(byte[] b) {
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** An octal number (spaces and NULs around it allowed) or a GNU base-256 number. */
    static long number(byte[] h, int off, int len) {
        if ((h[off] & 0x80) != 0) {
            long v = (h[off] & 0x40) != 0 ? -1 : 0; // 0xff: negative
            v = (v << 6) | (h[off] & 0x3f);
            for (int i = off + 1; i < off + len; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        int i = off;
        int end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        long v = 0;
        while (i < end && h[i] >= '0' && h[i] <= '7') {
            v = (v << 3) | (h[i] - '0');
            i++;
        }
        return v;
    }
}
