package dev.hoist.oci;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.io.ContentReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Reads UTF-8 JSON (RFC 8259) straight into Jackson {@link JsonNode} trees, without jackson-core's streaming
 * parser. It exists for start-up time: every hoist command is a short-lived JVM, and the first document read
 * through a {@code JsonFactory} and {@code UTF8StreamJsonParser} costs 5-8 ms of class loading and
 * interpreted work, far more than the tiny documents hoist reads (image lists, manifests, configs).
 *
 * <p>It accepts and refuses exactly what {@link OciJson}'s Jackson settings did, and gives the same trees:
 * whole numbers as int, long or big integer nodes by what they fit, fractions as big decimals with their
 * scale (strict) or doubles (lenient); a UTF-8 byte order mark is skipped; UTF-8 is decoded as Jackson
 * decodes it (malformed start and continuation bytes are refused, overlong forms and encoded surrogates are
 * not); {@code \}{@code u} escapes may give lone surrogates. Jackson's default limits hold: 1000 levels of
 * nesting, 1000 digits in a number, 50,000 characters in a name, 20,000,000 in a string. Strict mode refuses
 * duplicate names and anything but whitespace after the value; lenient mode keeps a repeated name's last
 * value and ignores what follows the value. Input that Jackson would take for UTF-16 or UTF-32 is not for
 * this reader ({@link #notUtf8}). Errors are {@link JsonParseException}s that say what is wrong and where
 * (line and column of the offending byte; for content after the document, of the byte after its first, as
 * Jackson had it). Not thread-safe; one instance reads one document.
 */
final class JsonTreeReader {
    static final int MAX_DEPTH = 1000;
    static final int MAX_NUMBER_LENGTH = 1000;
    static final int MAX_NAME_LENGTH = 50_000;
    static final int MAX_STRING_LENGTH = 20_000_000;

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final byte[] in;
    private final boolean strict;
    private int pos;
    private int depth;
    /** Characters of the string being read (grown as needed). */
    private char[] chars = new char[64];

    private JsonTreeReader(byte[] in, boolean strict) {
        this.in = in;
        this.strict = strict;
    }

    /**
     * Whether Jackson would read {@code bytes} as UTF-16 or UTF-32 rather than UTF-8 (a zero byte among the
     * first two, or a UTF-16 or UTF-32 byte order mark), which this reader leaves to Jackson.
     */
    static boolean notUtf8(byte[] bytes) {
        if (bytes.length < 2) {
            return false;
        }
        if (bytes[0] == 0 || bytes[1] == 0) {
            return true;
        }
        int b0 = bytes[0] & 0xFF;
        int b1 = bytes[1] & 0xFF;
        return bytes.length >= 4 && (b0 == 0xFE && b1 == 0xFF || b0 == 0xFF && b1 == 0xFE);
    }

    /**
     * The one JSON value in {@code bytes}; {@link MissingNode} if there is only whitespace.
     *
     * @param strict refuse duplicate names and content after the value, and keep fractions exact
     */
    static JsonNode read(byte[] bytes, boolean strict) throws JsonParseException {
        return new JsonTreeReader(bytes, strict).document();
    }

    private JsonNode document() throws JsonParseException {
        if (in.length >= 4 && (in[0] & 0xFF) == 0xEF && (in[1] & 0xFF) == 0xBB && (in[2] & 0xFF) == 0xBF) {
            pos = 3; // as Jackson, which only looks for the byte order mark in 4 bytes or more
        }
        int c = skipWhitespace();
        if (c < 0) {
            return MissingNode.getInstance();
        }
        JsonNode value = value(c);
        if (strict) {
            c = skipWhitespace();
            if (c >= 0) {
                throw error("more content (" + kindOfMore(c) + ") after the end of the document", pos + 1);
            }
        }
        return value;
    }

    /** What starts with {@code c} at {@code pos}, for the message about content after the document. */
    private String kindOfMore(int c) throws JsonParseException {
        switch (c) {
            case '{':
                return "an object";
            case '[':
                return "an array";
            case '"':
                return "a string";
            case 't':
            case 'f':
                if (startsWith(c == 't' ? "true" : "false")) {
                    return "a boolean";
                }
                break;
            case 'n':
                if (startsWith("null")) {
                    return "null";
                }
                break;
            default:
                if (c == '-' || c >= '0' && c <= '9') {
                    return "a number";
                }
        }
        throw unexpected(c, pos, null);
    }

    private boolean startsWith(String literal) {
        if (in.length - pos < literal.length()) {
            return false;
        }
        for (int i = 0; i < literal.length(); i++) {
            if (in[pos + i] != literal.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Skips JSON whitespace and returns the next byte (0-255) without consuming it, or -1 at the end. Other
     * control characters are refused.
     */
    private int skipWhitespace() throws JsonParseException {
        while (pos < in.length) {
            int c = in[pos] & 0xFF;
            if (c > ' ') {
                return c;
            }
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                throw error("control character (code " + c + ") between values: only spaces, tabs and line breaks may be", pos);
            }
            pos++;
        }
        return -1;
    }

    /** The value that starts with byte {@code c} at {@code pos}. */
    private JsonNode value(int c) throws JsonParseException {
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                pos++;
                return TextNode.valueOf(string(MAX_STRING_LENGTH, false));
            case 't':
                literal("true");
                return BooleanNode.TRUE;
            case 'f':
                literal("false");
                return BooleanNode.FALSE;
            case 'n':
                literal("null");
                return NullNode.getInstance();
            default:
                if (c == '-' || c >= '0' && c <= '9') {
                    return number();
                }
                throw unexpected(c, pos, "expected a value");
        }
    }

    private void enter() throws JsonParseException {
        if (++depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " levels deep", pos);
        }
    }

    private ObjectNode object() throws JsonParseException {
        enter();
        pos++;
        ObjectNode o = F.objectNode();
        int c = skipWhitespace();
        if (c == '}') {
            pos++;
            depth--;
            return o;
        }
        while (true) {
            if (c != '"') {
                throw unexpected(c, pos, "expected a name in double quotes");
            }
            int nameStart = pos++;
            String name = string(MAX_NAME_LENGTH, true);
            if (strict && o.get(name) != null) {
                throw error("Duplicate field '" + name + "'", nameStart);
            }
            c = skipWhitespace();
            if (c != ':') {
                throw unexpected(c, pos, "expected ':' after a name");
            }
            pos++;
            c = skipWhitespace();
            if (c < 0) {
                throw endOfInput("in an object");
            }
            o.set(name, value(c));
            c = skipWhitespace();
            if (c != ',' && c != '}') {
                throw unexpected(c, pos, "expected ',' or '}'");
            }
            pos++;
            if (c == '}') {
                depth--;
                return o;
            }
            c = skipWhitespace();
        }
    }

    private ArrayNode array() throws JsonParseException {
        enter();
        pos++;
        ArrayNode a = F.arrayNode();
        int c = skipWhitespace();
        if (c == ']') {
            pos++;
            depth--;
            return a;
        }
        while (true) {
            if (c < 0) {
                throw endOfInput("in an array");
            }
            a.add(value(c));
            c = skipWhitespace();
            if (c != ',' && c != ']') {
                throw unexpected(c, pos, "expected ',' or ']'");
            }
            pos++;
            if (c == ']') {
                depth--;
                return a;
            }
            c = skipWhitespace();
            if (c == ']') {
                throw unexpected(c, pos, "expected a value");
            }
        }
    }

    /** {@code true}, {@code false} or {@code null} at {@code pos}, then a check of what follows. */
    private void literal(String literal) throws JsonParseException {
        int start = pos;
        for (int i = 0; i < literal.length(); i++) {
            if (pos >= in.length) {
                throw endOfInput("in '" + literal + "'");
            }
            if (in[pos++] != literal.charAt(i)) {
                throw error("unrecognized token starting '" + new String(in, start, pos - start, StandardCharsets.ISO_8859_1) + "'", pos - 1);
            }
        }
        // Jackson refuses a letter, a digit or any non-ASCII character right after the literal ("truex"), even
        // where the rest is ignored. (Its check means to decode a non-ASCII character and refuse only identifier
        // characters, but it reads the first byte again as the second and so refuses them all: the tests hold
        // this reader to what Jackson does.)
        if (pos < in.length) {
            int c = in[pos] & 0xFF;
            if (c >= 0x80 || c >= '0' && c != ']' && c != '}' && Character.isJavaIdentifierPart(c)) {
                throw error("unrecognized token '" + new String(in, pos - literal.length(), literal.length() + 1, StandardCharsets.ISO_8859_1) + "…'", pos);
            }
        }
    }

    private JsonNode number() throws JsonParseException {
        int start = pos;
        boolean negative = in[pos] == '-';
        if (negative) {
            pos++;
        }
        if (pos >= in.length) {
            throw endOfInput("in a number");
        }
        int intStart = pos;
        int c = in[pos] & 0xFF;
        if (c == '0') {
            pos++;
            if (pos < in.length && isDigit(in[pos])) {
                throw error("leading zeros are not allowed in a number", pos);
            }
        } else if (c >= '1' && c <= '9') {
            pos = digits(pos);
        } else {
            throw unexpected(c, pos, "expected a digit");
        }
        int intLength = pos - intStart;
        int fractionLength = 0;
        int exponentLength = 0;
        boolean whole = true;
        if (pos < in.length && in[pos] == '.') {
            whole = false;
            pos++;
            int from = pos;
            pos = digits(pos);
            fractionLength = pos - from;
            if (fractionLength == 0) {
                throw digitExpected("a decimal point");
            }
        }
        if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
            whole = false;
            pos++;
            if (pos < in.length && (in[pos] == '+' || in[pos] == '-')) {
                pos++;
            }
            int from = pos;
            pos = digits(pos);
            exponentLength = pos - from;
            if (exponentLength == 0) {
                throw digitExpected("an exponent");
            }
        }
        int length = intLength + fractionLength + exponentLength;
        if (length > MAX_NUMBER_LENGTH) {
            throw error("a number with more than " + MAX_NUMBER_LENGTH + " digits", start);
        }
        if (depth == 0 && pos < in.length) {
            // Jackson wants whitespace after a number at the top level, even where the rest is ignored.
            int next = in[pos] & 0xFF;
            if (next != ' ' && next != '\t' && next != '\n' && next != '\r') {
                throw unexpected(next, pos, "expected whitespace after a number at the top level");
            }
        }
        if (whole) {
            return wholeNumber(start, negative, intStart, intLength);
        }
        String text = new String(in, start, pos - start, StandardCharsets.ISO_8859_1);
        if (!strict) {
            return DoubleNode.valueOf(Double.parseDouble(text));
        }
        try {
            return DecimalNode.valueOf(new BigDecimal(text));
        } catch (NumberFormatException e) {
            throw error("number out of range: " + (text.length() > 40 ? text.substring(0, 40) + "…" : text), start);
        }
    }

    private JsonNode wholeNumber(int start, boolean negative, int intStart, int intLength) {
        if (intLength <= 18) {
            long v = 0;
            for (int i = intStart; i < intStart + intLength; i++) {
                v = v * 10 + (in[i] - '0');
            }
            if (negative) {
                v = -v;
            }
            return v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
        }
        BigInteger big = new BigInteger(new String(in, start, pos - start, StandardCharsets.ISO_8859_1));
        return big.bitLength() < 64 ? LongNode.valueOf(big.longValue()) : BigIntegerNode.valueOf(big);
    }

    private JsonParseException digitExpected(String after) {
        if (pos >= in.length) {
            return endOfInput("in a number");
        }
        return unexpected(in[pos] & 0xFF, pos, after + " must be followed by a digit");
    }

    private int digits(int p) {
        while (p < in.length && isDigit(in[p])) {
            p++;
        }
        return p;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /**
     * The rest of a string whose opening quote was consumed, up to and past its closing quote.
     *
     * @param name whether it is an object's member name (Jackson decodes those slightly differently)
     */
    private String string(int maxLength, boolean name) throws JsonParseException {
        int start = pos;
        int p = pos;
        // Plain ASCII without escapes: the common case, one copy.
        while (p < in.length) {
            int c = in[p];
            if (c == '"') {
                if (p - start > maxLength) {
                    throw tooLong(name, start - 1);
                }
                pos = p + 1;
                return new String(in, start, p - start, StandardCharsets.ISO_8859_1);
            }
            if (c == '\\' || c < ' ') { // also bytes from 0x80 (negative)
                break;
            }
            p++;
        }
        int n = p - start;
        ensureChars(n + 16);
        for (int i = 0; i < n; i++) {
            chars[i] = (char) in[start + i];
        }
        pos = p;
        while (true) {
            if (pos >= in.length) {
                throw endOfInput(name ? "in a name" : "in a string");
            }
            if (n > maxLength) {
                throw tooLong(name, start - 1);
            }
            ensureChars(n + 2);
            int c = in[pos++] & 0xFF;
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                chars[n++] = escape();
            } else if (c < ' ') {
                throw error("control character (code " + c + ") in a " + (name ? "name" : "string") + ": it must be escaped", pos - 1);
            } else if (c < 0x80) {
                chars[n++] = (char) c;
            } else {
                int ch = utf8(c, name);
                if (ch > 0xFFFF || ch < 0) {
                    // a four-byte form: Jackson's surrogate pair arithmetic, kept for odd input as well
                    int v = ch < 0 ? ch : ch - 0x10000;
                    chars[n++] = (char) (name ? 0xD800 + (v >> 10) : 0xD800 | (v >> 10));
                    chars[n++] = (char) (0xDC00 | (v & 0x3FF));
                } else {
                    chars[n++] = (char) ch;
                }
            }
        }
        if (n > maxLength) {
            throw tooLong(name, start - 1);
        }
        return new String(chars, 0, n);
    }

    private JsonParseException tooLong(boolean name, int at) {
        return error((name ? "a name" : "a string") + " longer than " + (name ? MAX_NAME_LENGTH : MAX_STRING_LENGTH) + " characters", at);
    }

    private void ensureChars(int n) {
        if (n > chars.length) {
            chars = java.util.Arrays.copyOf(chars, Math.max(n, chars.length * 2));
        }
    }

    /** The escape after a backslash at {@code pos}. */
    private char escape() throws JsonParseException {
        if (pos >= in.length) {
            throw endOfInput("in a string");
        }
        int c = in[pos++] & 0xFF;
        switch (c) {
            case '"':
            case '\\':
            case '/':
                return (char) c;
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
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    if (pos >= in.length) {
                        throw endOfInput("in a \\u escape");
                    }
                    int h = in[pos++] & 0xFF;
                    int d = Character.digit(h, 16);
                    if (d < 0 || h >= 0x80) {
                        throw unexpected(h, pos - 1, "expected a hex digit in a \\u escape");
                    }
                    v = v << 4 | d;
                }
                return (char) v;
            default:
                throw error("invalid escape '\\" + printable(c) + "' in a string", pos - 1);
        }
    }

    /**
     * The code point of a multi-byte UTF-8 character whose first byte {@code c} was consumed, as Jackson
     * decodes it: the start and continuation bytes are checked, the value is not (for four bytes, the value
     * less 0x10000 comes back as is when negative).
     */
    private int utf8(int c, boolean name) throws JsonParseException {
        int needed;
        int v;
        if ((c & 0xE0) == 0xC0) {
            needed = 1;
            v = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            needed = 2;
            v = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            needed = 3;
            v = c & 0x07;
        } else {
            throw error(String.format("invalid UTF-8: byte 0x%02x cannot start a character", c), pos - 1);
        }
        for (int i = 0; i < needed; i++) {
            if (pos >= in.length) {
                throw endOfInput(name ? "in a name" : "in a string");
            }
            int d = in[pos++] & 0xFF;
            if ((d & 0xC0) != 0x80) {
                throw error(String.format("invalid UTF-8: byte 0x%02x cannot continue a character", d), pos - 1);
            }
            v = v << 6 | d & 0x3F;
        }
        if (needed == 3) {
            int w = v - 0x10000;
            return w < 0 ? w : v;
        }
        return v;
    }

    private JsonParseException endOfInput(String where) {
        return error("unexpected end of input " + where, in.length);
    }

    private JsonParseException unexpected(int c, int at, String expected) {
        if (c < 0) {
            return endOfInput(expected == null ? "" : "(" + expected + ")");
        }
        String what;
        if (c >= 0x80) {
            what = String.format("unexpected byte 0x%02x", c);
        } else {
            what = "unexpected character '" + printable(c) + "'";
        }
        return error(expected == null ? what : what + ": " + expected, at);
    }

    private static String printable(int c) {
        return c >= ' ' && c < 0x7F ? String.valueOf((char) c) : String.format("\\u%04x", c);
    }

    /**
     * An error at the byte at offset {@code at} (the input's length for its end); line and column are counted
     * in bytes from 1, a line ending at LF, CR or CR LF, as Jackson counts them.
     */
    private JsonParseException error(String message, int at) {
        int line = 1;
        int lineStart = 0;
        int end = Math.min(at, in.length);
        for (int i = 0; i < end; i++) {
            byte b = in[i];
            if (b == '\n' || b == '\r' && (i + 1 >= in.length || in[i + 1] != '\n')) {
                line++;
                lineStart = i + 1;
            }
        }
        int column = at - lineStart + 1;
        JsonLocation location = new JsonLocation(ContentReference.unknown(), at, -1L, line, column);
        return new JsonParseException(null, message, location);
    }
}
