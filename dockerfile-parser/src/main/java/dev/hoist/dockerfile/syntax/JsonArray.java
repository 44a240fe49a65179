package dev.hoist.dockerfile.syntax;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the exec form of an instruction as Go's {@code encoding/json} would: the text must be one valid JSON
 * value with only white space around it; a valid array whose elements are not all strings is an error, and
 * anything else that is not valid JSON is not exec form at all. Stateless and thread-safe.
 */
final class JsonArray {

    /** Thrown for a valid JSON array that holds something other than strings. */
    static final class NotStringArray extends Exception {
        private static final long serialVersionUID = 1L;

        NotStringArray() {
            super("when using JSON array syntax, arrays must be comprised of strings only", null, false, false);
        }
    }

    private static final Object NOT_A_STRING = new Object();

    private final String s;
    private int pos;

    private JsonArray(String s) {
        this.s = s;
    }

    /** The strings of the array, or {@code null} when {@code text} is not a valid JSON array. */
    static List<String> parse(String text) throws NotStringArray {
        if (!text.startsWith("[")) {
            return null;
        }
        JsonArray p = new JsonArray(text);
        List<Object> values;
        try {
            p.skipSpace();
            values = p.array();
            p.skipSpace();
            if (p.pos != p.s.length()) {
                return null;
            }
        } catch (IllegalStateException invalid) {
            return null;
        }
        List<String> out = new ArrayList<>(values.size());
        for (Object v : values) {
            if (!(v instanceof String str)) {
                throw new NotStringArray();
            }
            out.add(str);
        }
        return out;
    }

    private static IllegalStateException invalid() {
        return new IllegalStateException("invalid JSON");
    }

    private void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private char peek() {
        if (pos >= s.length()) {
            throw invalid();
        }
        return s.charAt(pos);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw invalid();
        }
        pos++;
    }

    private Object value() {
        skipSpace();
        char c = peek();
        switch (c) {
            case '[':
                array();
                return NOT_A_STRING;
            case '{':
                object();
                return NOT_A_STRING;
            case '"':
                return string();
            case 't':
                literal("true");
                return NOT_A_STRING;
            case 'f':
                literal("false");
                return NOT_A_STRING;
            case 'n':
                literal("null");
                return NOT_A_STRING;
            default:
                number();
                return NOT_A_STRING;
        }
    }

    private List<Object> array() {
        expect('[');
        List<Object> values = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return values;
        }
        while (true) {
            values.add(value());
            skipSpace();
            char c = peek();
            pos++;
            if (c == ']') {
                return values;
            }
            if (c != ',') {
                throw invalid();
            }
        }
    }

    private void object() {
        expect('{');
        skipSpace();
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw invalid();
            }
            string();
            skipSpace();
            expect(':');
            value();
            skipSpace();
            char c = peek();
            pos++;
            if (c == '}') {
                return;
            }
            if (c != ',') {
                throw invalid();
            }
        }
    }

    private void literal(String word) {
        if (!s.startsWith(word, pos)) {
            throw invalid();
        }
        pos += word.length();
    }

    private void number() {
        int start = pos;
        if (pos < s.length() && s.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= s.length()) {
            throw invalid();
        }
        if (s.charAt(pos) == '0') {
            pos++;
        } else if (isDigit(s.charAt(pos))) {
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        } else {
            throw invalid();
        }
        if (pos < s.length() && s.charAt(pos) == '.') {
            pos++;
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw invalid();
            }
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                pos++;
            }
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw invalid();
            }
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        if (pos == start) {
            throw invalid();
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = peek();
            pos++;
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw invalid();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = peek();
            pos++;
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4();
                    if (Character.isHighSurrogate(u) && s.startsWith("\\u", pos)) {
                        int save = pos;
                        pos += 2;
                        char low = hex4();
                        if (Character.isLowSurrogate(low)) {
                            sb.append(u).append(low);
                        } else {
                            sb.append('\uFFFD');
                            pos = save;
                        }
                    } else if (Character.isSurrogate(u)) {
                        sb.append('\uFFFD');
                    } else {
                        sb.append(u);
                    }
                }
                default -> throw invalid();
            }
        }
    }

    private char hex4() {
        if (pos + 4 > s.length()) {
            throw invalid();
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            char c = s.charAt(pos + i);
            int d = c < 0x80 ? Character.digit(c, 16) : -1;
            if (d < 0) {
                throw invalid();
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }
}
