package dev.hoist.dockerfile;

import java.nio.charset.StandardCharsets;

/**
 * Go's {@code filepath.Match} on Linux, byte for byte: how BuildKit matches the wildcards of COPY and ADD sources,
 * and the syntax .dockerignore patterns must have. {@code *} is any run of bytes but {@code /}, {@code ?} one
 * character but {@code /}, {@code [...]} a class of characters and ranges, negated by a leading {@code ^} (not
 * {@code !}), that may match {@code /};
 * {@code \} escapes the next character, in a class too; there are no braces. A name that is not valid UTF-8 is
 * read as Go reads it ({@code ?} and a class take one byte of it as U+FFFD). Stateless.
 */
public final class GoGlob {
    private GoGlob() {
    }

    private static final int NO = 0;
    private static final int YES = 1;
    private static final int BAD = -1;
    /** What {@link #matchChunk} returns for no match; a malformed chunk gives {@link #BAD_CHUNK}. */
    private static final int NO_CHUNK = -1;
    private static final int BAD_CHUNK = -2;
    private static final int RUNE_ERROR = 0xFFFD;

    /**
     * Whether {@code name} matches all of {@code pattern}; false when the pattern is malformed, as BuildKit takes
     * it (see {@link #isValid}).
     */
    public static boolean matches(String pattern, String name) {
        return match(utf8(pattern), utf8(name)) == YES;
    }

    /** Whether {@code pattern} is well formed: Go's {@code filepath.Match} gives no {@code ErrBadPattern} for it. */
    public static boolean isValid(String pattern) {
        return match(utf8(pattern), new byte[0]) != BAD;
    }

    /** Whether {@code component} holds a wildcard ({@code *}, {@code ?} or {@code [}) that is not escaped. */
    public static boolean hasWildcard(String component) {
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '*' || c == '?' || c == '[') {
                return true;
            }
        }
        return false;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int match(byte[] p, byte[] s) {
        int pi = 0;
        int si = 0;
        pattern:
        while (pi < p.length) {
            boolean star = false;
            while (pi < p.length && p[pi] == '*') {
                pi++;
                star = true;
            }
            int end = chunkEnd(p, pi);
            if (star && end == pi) {
                // a trailing * matches the rest unless it has a /
                for (int i = si; i < s.length; i++) {
                    if (s[i] == '/') {
                        return NO;
                    }
                }
                return YES;
            }
            int t = matchChunk(p, pi, end, s, si);
            // the last chunk must use up the name
            if (t >= 0 && (t == s.length || end < p.length)) {
                si = t;
                pi = end;
                continue;
            }
            if (t == BAD_CHUNK) {
                return BAD;
            }
            if (star) {
                // the star takes one more byte each time, never a /
                for (int i = si; i < s.length && s[i] != '/'; i++) {
                    int u = matchChunk(p, pi, end, s, i + 1);
                    if (u >= 0) {
                        if (end == p.length && u < s.length) {
                            continue;
                        }
                        si = u;
                        pi = end;
                        continue pattern;
                    }
                    if (u == BAD_CHUNK) {
                        return BAD;
                    }
                }
            }
            // no match; a malformed rest of the pattern is still an error
            for (int q = end; q < p.length; ) {
                while (q < p.length && p[q] == '*') {
                    q++;
                }
                int e = chunkEnd(p, q);
                if (matchChunk(p, q, e, s, s.length) == BAD_CHUNK) {
                    return BAD;
                }
                q = e;
            }
            return NO;
        }
        return si == s.length ? YES : NO;
    }

    /** The end of the chunk starting at {@code from}: up to the next {@code *} outside a class. */
    private static int chunkEnd(byte[] p, int from) {
        boolean inClass = false;
        int i = from;
        for (; i < p.length; i++) {
            switch (p[i]) {
                case '\\' -> {
                    if (i + 1 < p.length) {
                        i++;
                    }
                }
                case '[' -> inClass = true;
                case ']' -> inClass = false;
                case '*' -> {
                    if (!inClass) {
                        return i;
                    }
                }
                default -> { }
            }
        }
        return i;
    }

    /**
     * Matches the chunk {@code p[from, to)} (no stars) against the start of {@code s[si...]}: the index in
     * {@code s} after it, {@link #NO_CHUNK}, or {@link #BAD_CHUNK} when the chunk is malformed (which is checked
     * to its end even once the match has failed, as Go does).
     */
    private static int matchChunk(byte[] p, int from, int to, byte[] s, int si) {
        boolean failed = false;
        int pi = from;
        while (pi < to) {
            if (!failed && si == s.length) {
                failed = true;
            }
            switch (p[pi]) {
                case '[' -> {
                    int r = 0;
                    if (!failed) {
                        long d = decodeRune(s, si);
                        r = (int) (d >> 8);
                        si += (int) (d & 0xff);
                    }
                    pi++;
                    boolean negated = pi < to && p[pi] == '^';
                    if (negated) {
                        pi++;
                    }
                    boolean match = false;
                    int ranges = 0;
                    while (true) {
                        if (pi < to && p[pi] == ']' && ranges > 0) {
                            pi++;
                            break;
                        }
                        long c = classChar(p, pi, to);
                        if (c < 0) {
                            return BAD_CHUNK;
                        }
                        pi = (int) c;
                        int lo = (int) (c >>> 32);
                        int hi = lo;
                        if (p[pi] == '-') {
                            c = classChar(p, pi + 1, to);
                            if (c < 0) {
                                return BAD_CHUNK;
                            }
                            pi = (int) c;
                            hi = (int) (c >>> 32);
                        }
                        if (lo <= r && r <= hi) {
                            match = true;
                        }
                        ranges++;
                    }
                    if (match == negated) {
                        failed = true;
                    }
                }
                case '?' -> {
                    if (!failed) {
                        if (s[si] == '/') {
                            failed = true;
                        }
                        si += (int) (decodeRune(s, si) & 0xff);
                    }
                    pi++;
                }
                default -> {
                    if (p[pi] == '\\') {
                        pi++;
                        if (pi == to) {
                            return BAD_CHUNK;
                        }
                    }
                    if (!failed) {
                        if (p[pi] != s[si]) {
                            failed = true;
                        }
                        si++;
                    }
                    pi++;
                }
            }
        }
        return failed ? NO_CHUNK : si;
    }

    /**
     * One character of a class at {@code p[i]}, possibly escaped: its code point in the high 32 bits and the index
     * after it in the low ones; -1 when the class is malformed there (Go's {@code getEsc}).
     */
    private static long classChar(byte[] p, int i, int to) {
        if (i >= to || p[i] == '-' || p[i] == ']') {
            return -1;
        }
        if (p[i] == '\\') {
            i++;
            if (i >= to) {
                return -1;
            }
        }
        long d = decodeRune(p, i);
        int r = (int) (d >> 8);
        int n = (int) (d & 0xff);
        if (r == RUNE_ERROR && n == 1 || i + n >= to) {
            return -1;
        }
        return (long) r << 32 | (i + n);
    }

    /**
     * The code point at {@code b[i]} in its high bits and its length in the low 8, as Go's
     * {@code utf8.DecodeRune}: U+FFFD and length 1 for a byte that does not start a valid, shortest sequence.
     */
    private static long decodeRune(byte[] b, int i) {
        int b0 = b[i] & 0xff;
        if (b0 < 0x80) {
            return (long) b0 << 8 | 1;
        }
        int n;
        int lo = 0x80;
        int hi = 0xbf;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            n = 2;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            n = 3;
            lo = b0 == 0xe0 ? 0xa0 : 0x80;
            hi = b0 == 0xed ? 0x9f : 0xbf;
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            n = 4;
            lo = b0 == 0xf0 ? 0x90 : 0x80;
            hi = b0 == 0xf4 ? 0x8f : 0xbf;
        } else {
            return (long) RUNE_ERROR << 8 | 1;
        }
        if (i + n > b.length) {
            return (long) RUNE_ERROR << 8 | 1;
        }
        int b1 = b[i + 1] & 0xff;
        if (b1 < lo || b1 > hi) {
            return (long) RUNE_ERROR << 8 | 1;
        }
        int r = n == 2 ? b0 & 0x1f : n == 3 ? b0 & 0x0f : b0 & 0x07;
        r = r << 6 | b1 & 0x3f;
        for (int k = 2; k < n; k++) {
            int c = b[i + k] & 0xff;
            if (c < 0x80 || c > 0xbf) {
                return (long) RUNE_ERROR << 8 | 1;
            }
            r = r << 6 | c & 0x3f;
        }
        return (long) r << 8 | n;
    }
}
