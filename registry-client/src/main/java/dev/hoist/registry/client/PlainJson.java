package dev.hoist.registry.client;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the plain subset of JSON that {@link Json}'s documents almost always are (ASCII text, standard
 * grammar, modest sizes), giving exactly the trees and bytes jackson-core gives, and answers
 * {@link #UNSUPPORTED} for anything else: anything that is not plainly valid (so also every malformed
 * document), non-ASCII text, lone surrogates, deep nesting, long names, strings or numbers. Json hands those to
 * jackson-core, so behaviour and error messages stay jackson-core's. It exists for start-up time: making
 * jackson-core's {@code JsonFactory} and parser costs ~3 ms of class initialisation on a cold start, more than
 * a push's small documents (the blob-sources file, an OCI layout's index.json) take to read by hand. Stateless
 * and thread-safe.
 */
final class PlainJson {
    /** What {@link #read} and {@link #write} answer for what they leave to jackson-core. */
    static final Object UNSUPPORTED = new Object();

    // Far below jackson-core's own limits (1000 levels, 50,000-character names, 20,000,000-character strings,
    // 1000-digit numbers), so that anything near them is left to it.
    private static final int MAX_DEPTH = 200;
    private static final int MAX_NAME = 10_000;
    private static final int MAX_STRING = 1_000_000;
    private static final int MAX_NUMBER = 100;

    private PlainJson() {
    }

    /** The tree of {@code bytes} as {@link Json#parse} gives it (null for a blank document), or {@link #UNSUPPORTED}. */
    static Object read(byte[] bytes) {
        Reader r = new Reader(bytes);
        try {
            int c = r.skipSpace();
            if (c < 0) {
                return null;
            }
            Object value = r.value(0);
            return r.skipSpace() < 0 ? value : UNSUPPORTED;
        } catch (Unsupported e) {
            return UNSUPPORTED;
        }
    }

    /** Thrown inside the reader to give up; carries no stack trace. */
    private static final class Unsupported extends Exception {
        static final Unsupported INSTANCE = new Unsupported();

        private Unsupported() {
            super(null, null, false, false);
        }
    }

    /** One document's reader. */
    private static final class Reader {
        private final byte[] in;
        private int pos;
        private char[] chars = new char[64];

        Reader(byte[] in) {
            this.in = in;
        }

        /** The next byte that is not JSON whitespace, not consumed; -1 at the end. */
        int skipSpace() {
            while (pos < in.length) {
                byte b = in[pos];
                if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                    return b & 0xFF;
                }
                pos++;
            }
            return -1;
        }

        Object value(int depth) throws Unsupported {
            if (depth > MAX_DEPTH || pos >= in.length) {
                throw Unsupported.INSTANCE;
            }
            byte b = in[pos];
            switch (b) {
                case '{':
                    return object(depth + 1);
                case '[':
                    return array(depth + 1);
                case '"':
                    return string(MAX_STRING);
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    return number();
            }
        }

        private Map<String, Object> object(int depth) throws Unsupported {
            pos++; // {
            Map<String, Object> m = new LinkedHashMap<>();
            int c = skipSpace();
            if (c == '}') {
                pos++;
                return m;
            }
            while (true) {
                if (c != '"') {
                    throw Unsupported.INSTANCE;
                }
                String name = string(MAX_NAME);
                if (skipSpace() != ':') {
                    throw Unsupported.INSTANCE;
                }
                pos++;
                skipSpace();
                m.put(name, value(depth)); // a repeated name keeps its first place and its last value, as with Jackson
                c = skipSpace();
                pos++;
                if (c == '}') {
                    return m;
                }
                if (c != ',') {
                    throw Unsupported.INSTANCE;
                }
                c = skipSpace();
            }
        }

        private List<Object> array(int depth) throws Unsupported {
            pos++; // [
            List<Object> l = new ArrayList<>();
            if (skipSpace() == ']') {
                pos++;
                return l;
            }
            while (true) {
                l.add(value(depth));
                int c = skipSpace();
                pos++;
                if (c == ']') {
                    return l;
                }
                if (c != ',') {
                    throw Unsupported.INSTANCE;
                }
                skipSpace();
            }
        }

        private void literal(String word) throws Unsupported {
            if (in.length - pos < word.length()) {
                throw Unsupported.INSTANCE;
            }
            for (int i = 0; i < word.length(); i++) {
                if (in[pos + i] != word.charAt(i)) {
                    throw Unsupported.INSTANCE;
                }
            }
            pos += word.length(); // what follows is checked by the caller: only space, ',', ']', '}' or the end
        }

        /** A string from the opening quote at {@code pos}: printable ASCII and the standard escapes only. */
        private String string(int max) throws Unsupported {
            pos++; // "
            int n = 0;
            while (true) {
                if (pos >= in.length || n >= max) {
                    throw Unsupported.INSTANCE;
                }
                int b = in[pos++];
                char c;
                if (b == '"') {
                    return new String(chars, 0, n);
                } else if (b == '\\') {
                    c = escape();
                } else if (b >= 0x20 && b < 0x7F) {
                    c = (char) b;
                } else {
                    throw Unsupported.INSTANCE; // control characters, DEL and UTF-8 are left to jackson-core
                }
                if (n == chars.length) {
                    chars = Arrays.copyOf(chars, n * 2);
                }
                chars[n++] = c;
            }
        }

        private char escape() throws Unsupported {
            if (pos >= in.length) {
                throw Unsupported.INSTANCE;
            }
            switch (in[pos++]) {
                case '"':
                    return '"';
                case '\\':
                    return '\\';
                case '/':
                    return '/';
                case 'b':
                    return '\b';
                case 'f':
                    return '\f';
                case 'n':
                    return '\n';
                case 'r':
                    return '\r';
                case 't':
                    return '\t';
                case 'u':
                    if (in.length - pos < 4) {
                        throw Unsupported.INSTANCE;
                    }
                    int v = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(in[pos++], 16);
                        if (d < 0) {
                            throw Unsupported.INSTANCE;
                        }
                        v = v * 16 + d;
                    }
                    if (v >= 0xD800 && v <= 0xDFFF) {
                        throw Unsupported.INSTANCE; // surrogates, paired or not, are left to jackson-core
                    }
                    return (char) v;
                default:
                    throw Unsupported.INSTANCE;
            }
        }

        /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}: a Long or BigInteger, or a BigDecimal with a fraction or exponent. */
        private Object number() throws Unsupported {
            int start = pos;
            if (pos < in.length && in[pos] == '-') {
                pos++;
            }
            if (pos >= in.length || !digit(in[pos])) {
                throw Unsupported.INSTANCE;
            }
            if (in[pos] == '0') {
                pos++;
                if (pos < in.length && digit(in[pos])) {
                    throw Unsupported.INSTANCE; // a leading zero
                }
            } else {
                digits();
            }
            boolean integer = true;
            if (pos < in.length && in[pos] == '.') {
                pos++;
                integer = false;
                if (pos >= in.length || !digit(in[pos])) {
                    throw Unsupported.INSTANCE;
                }
                digits();
            }
            if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
                pos++;
                integer = false;
                if (pos < in.length && (in[pos] == '+' || in[pos] == '-')) {
                    pos++;
                }
                if (pos >= in.length || !digit(in[pos])) {
                    throw Unsupported.INSTANCE;
                }
                digits();
            }
            if (pos - start > MAX_NUMBER) {
                throw Unsupported.INSTANCE;
            }
            String text = new String(in, start, pos - start, java.nio.charset.StandardCharsets.US_ASCII);
            try {
                if (!integer) {
                    return new BigDecimal(text);
                }
                return pos - start <= 18 ? (Object) Long.parseLong(text) : bigOrLong(text);
            } catch (NumberFormatException | ArithmeticException e) {
                throw Unsupported.INSTANCE;
            }
        }

        private static Object bigOrLong(String text) {
            BigInteger b = new BigInteger(text);
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }

        private void digits() {
            while (pos < in.length && digit(in[pos])) {
                pos++;
            }
        }

        private static boolean digit(byte b) {
            return b >= '0' && b <= '9';
        }
    }

    /**
     * {@code tree} (as {@link Json#parse} makes them) as compact JSON, byte for byte as jackson-core writes it, or
     * {@link #UNSUPPORTED} when it holds anything but maps with string keys, lists, printable-ASCII strings,
     * booleans, nulls, Longs and Integers, or is nested deeply.
     */
    static Object write(Object tree) {
        StringBuilder sb = new StringBuilder(256);
        if (!write(sb, tree, 0)) {
            return UNSUPPORTED;
        }
        byte[] out = new byte[sb.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) sb.charAt(i); // all ASCII
        }
        return out;
    }

    private static boolean write(StringBuilder sb, Object v, int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            return string(sb, s);
        } else if (v instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else if (v instanceof Long || v instanceof Integer) {
            sb.append(((Number) v).longValue());
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String name)) {
                    return false;
                }
                if (!first) {
                    sb.append(',');
                }
                first = false;
                if (!string(sb, name)) {
                    return false;
                }
                sb.append(':');
                if (!write(sb, e.getValue(), depth + 1)) {
                    return false;
                }
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                if (!write(sb, l.get(i), depth + 1)) {
                    return false;
                }
            }
            sb.append(']');
        } else {
            return false; // big numbers, and what is not JSON (jackson-core's path refuses it)
        }
        return true;
    }

    /** A string of printable ASCII, quoted with {@code "} and {@code \} escaped, as jackson-core writes it. */
    private static boolean string(StringBuilder sb, String s) {
        if (s.length() > MAX_STRING) {
            return false;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7F) {
                return false;
            }
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
        return true;
    }
}
