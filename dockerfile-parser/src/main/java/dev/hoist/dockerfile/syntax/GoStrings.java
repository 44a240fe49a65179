package dev.hoist.dockerfile.syntax;

import java.util.Arrays;

/**
 * Go's notions of white space, printable characters and string quoting ({@code unicode.IsSpace},
 * {@code strconv.IsPrint}, {@code strconv.Quote}), which decide how BuildKit splits lines and prints trees.
 * Stateless and thread-safe.
 */
public final class GoStrings {

    private GoStrings() {
    }

    /** Go's {@code unicode.IsSpace}. */
    public static boolean isSpace(int cp) {
        if (cp <= 0xFF) {
            return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85 || cp == 0xA0;
        }
        return Character.isSpaceChar(cp);
    }

    /** Go's {@code strings.TrimSpace}. */
    public static String trimSpace(String s) {
        return trimRightSpace(trimLeftSpace(s));
    }

    /** Go's {@code strings.TrimLeftFunc(s, unicode.IsSpace)}. */
    public static String trimLeftSpace(String s) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!isSpace(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    /** Go's {@code strings.TrimRightFunc(s, unicode.IsSpace)}. */
    public static String trimRightSpace(String s) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    /**
     * The code points of {@code s}, a lone surrogate as itself, as {@code s.codePoints().toArray()} gives them.
     * A loop, not the stream: the first stream of a process links the JDK's invokedynamic machinery, a few ms of
     * start-up that parsing a Dockerfile should not pay.
     */
    public static int[] codePoints(String s) {
        int n = s.length();
        int[] out = new int[n];
        int count = 0;
        for (int i = 0; i < n; ) {
            int cp = s.codePointAt(i);
            out[count++] = cp;
            i += Character.charCount(cp);
        }
        return count == n ? out : Arrays.copyOf(out, count);
    }

    /** Go's {@code strconv.IsPrint}: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    public static boolean isPrint(int cp) {
        if (cp <= 0xFF) {
            return (cp >= 0x20 && cp < 0x7F) || (cp >= 0xA1 && cp != 0xAD);
        }
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                    Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                    Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION,
                    Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                    Character.OTHER_SYMBOL:
                return true;
            default:
                return false;
        }
    }

    /** Go's {@code strconv.Quote}: double quotes with Go escapes; printable Unicode is kept as is. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quoteTo(sb, s);
        return sb.toString();
    }

    /** Appends {@link #quote(String)} of {@code s}. */
    public static void quoteTo(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '"' || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
                continue;
            }
            if (cp <= 0xFFFF && Character.isSurrogate((char) cp)) {
                cp = 0xFFFD; // a lone surrogate is not a valid rune; Go prints the replacement character
            }
            if (isPrint(cp)) {
                sb.appendCodePoint(cp);
                continue;
            }
            switch (cp) {
                case 0x07 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 0x0B -> sb.append("\\v");
                default -> {
                    if (cp < ' ' || cp == 0x7F) {
                        sb.append("\\x").append(hex(cp, 2));
                    } else if (cp < 0x10000) {
                        sb.append("\\u").append(hex(cp, 4));
                    } else {
                        sb.append("\\U").append(hex(cp, 8));
                    }
                }
            }
        }
        sb.append('"');
    }

    private static String hex(int v, int width) {
        String h = Integer.toHexString(v);
        return "0".repeat(Math.max(0, width - h.length())) + h;
    }
}
