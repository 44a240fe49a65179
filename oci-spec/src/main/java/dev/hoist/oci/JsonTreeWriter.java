package dev.hoist.oci;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes Jackson {@link JsonNode} trees as compact UTF-8 JSON, byte for byte as jackson-core's
 * {@code UTF8JsonGenerator} does with default settings, without one. It exists for start-up time: every
 * hoist command is a short-lived JVM, and making a {@code JsonFactory} and generator for the first document
 * costs milliseconds of class loading and interpreted work, far more than writing the tiny documents.
 *
 * <p>What Jackson writes: in strings {@code "} and {@code \} escaped, control characters as {@code \b \t \n
 * \f \r} or <code>&#92;u00XX</code> (capital hex), every surrogate (paired or not) as its own <code>&#92;uXXXX</code>
 * escape, everything else as raw UTF-8 ({@code /}, DEL, U+2028 included); numbers by {@code toString} of
 * their type (big decimals not plain); NaN and infinities quoted; missing nodes as null; binary as padded
 * base64; POJOs by {@link OciJson#mapper()}. Nesting deeper than 1000 levels is refused, as Jackson's
 * default write constraints do. Stateless.
 */
final class JsonTreeWriter {
    static final int MAX_DEPTH = 1000;

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** For each ASCII character: 0 to write it as is, a letter for a short escape, -1 for <code>&#92;u00XX</code>. */
    private static final byte[] ESCAPES = new byte[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPES[c] = -1;
        }
        ESCAPES['\b'] = 'b';
        ESCAPES['\t'] = 't';
        ESCAPES['\n'] = 'n';
        ESCAPES['\f'] = 'f';
        ESCAPES['\r'] = 'r';
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
    }

    private byte[] out = new byte[256];
    private int size;

    private JsonTreeWriter() {
    }

    /**
     * The compact JSON of {@code tree}, members in the tree's order.
     *
     * @throws IOException if the tree is nested too deeply or a POJO in it cannot be written
     */
    static byte[] write(JsonNode tree) throws IOException {
        JsonTreeWriter w = new JsonTreeWriter();
        w.value(tree, 0);
        return Arrays.copyOf(w.out, w.size);
    }

    private void value(JsonNode node, int depth) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                enter(depth);
                put((byte) '{');
                boolean first = true;
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!first) {
                        put((byte) ',');
                    }
                    first = false;
                    string(e.getKey());
                    put((byte) ':');
                    value(e.getValue(), depth + 1);
                }
                put((byte) '}');
            }
            case ARRAY -> {
                enter(depth);
                put((byte) '[');
                boolean first = true;
                for (JsonNode element : node) {
                    if (!first) {
                        put((byte) ',');
                    }
                    first = false;
                    value(element, depth + 1);
                }
                put((byte) ']');
            }
            case STRING -> string(node.textValue());
            case NUMBER -> number(node);
            case BOOLEAN -> ascii(node.booleanValue() ? "true" : "false");
            case NULL, MISSING -> ascii("null");
            case BINARY -> {
                byte[] data = node.binaryValue();
                if (data == null) {
                    ascii("null");
                } else {
                    put((byte) '"');
                    bytes(Base64.getEncoder().encode(data));
                    put((byte) '"');
                }
            }
            case POJO -> bytes(OciJson.mapper().writeValueAsBytes(((POJONode) node).getPojo()));
        }
    }

    private static void enter(int depth) throws StreamConstraintsException {
        if (depth >= MAX_DEPTH) {
            throw new StreamConstraintsException("cannot write JSON nested more than " + MAX_DEPTH + " levels deep");
        }
    }

    private void number(JsonNode node) {
        switch (node.numberType()) {
            case INT -> ascii(Integer.toString(node.intValue()));
            case LONG -> ascii(Long.toString(node.longValue()));
            case BIG_INTEGER -> ascii(node.bigIntegerValue().toString());
            case FLOAT -> {
                float f = node.floatValue();
                nonFinite(Float.toString(f), Float.isFinite(f));
            }
            case DOUBLE -> {
                double d = node.doubleValue();
                nonFinite(Double.toString(d), Double.isFinite(d));
            }
            default -> {
                BigDecimal d = node.decimalValue();
                ascii(d.toString());
            }
        }
    }

    /** A float or double: NaN and the infinities quoted, as Jackson's QUOTE_NON_NUMERIC_NUMBERS does. */
    private void nonFinite(String text, boolean finite) {
        if (finite) {
            ascii(text);
        } else {
            put((byte) '"');
            ascii(text);
            put((byte) '"');
        }
    }

    private void string(String s) {
        int length = s.length();
        ensure(length + 2);
        out[size++] = '"';
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                int escape = ESCAPES[c];
                if (escape == 0) {
                    ensure(1);
                    out[size++] = (byte) c;
                } else if (escape > 0) {
                    ensure(2);
                    out[size++] = '\\';
                    out[size++] = (byte) escape;
                } else {
                    unicodeEscape(c);
                }
            } else if (c < 0x800) {
                ensure(2);
                out[size++] = (byte) (0xC0 | c >> 6);
                out[size++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isSurrogate(c)) {
                unicodeEscape(c);
            } else {
                ensure(3);
                out[size++] = (byte) (0xE0 | c >> 12);
                out[size++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[size++] = (byte) (0x80 | c & 0x3F);
            }
        }
        ensure(1);
        out[size++] = '"';
    }

    private void unicodeEscape(char c) {
        ensure(6);
        out[size++] = '\\';
        out[size++] = 'u';
        out[size++] = HEX[c >> 12];
        out[size++] = HEX[c >> 8 & 0xF];
        out[size++] = HEX[c >> 4 & 0xF];
        out[size++] = HEX[c & 0xF];
    }

    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        s.getBytes(0, n, out, size); // ASCII only: the deprecated method is the cheap, exact one here
        size += n;
    }

    private void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, out, size, b.length);
        size += b.length;
    }

    private void put(byte b) {
        ensure(1);
        out[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > out.length) {
            out = Arrays.copyOf(out, Math.max(size + more, out.length * 2));
        }
    }
}
