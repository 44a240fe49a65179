package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.GoStrings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ShellPattern} and the lexer's {@code # ## % %% / //} operations against the regex-based code they
 * replaced (kept below as the reference): hand-picked cases, then seeded random patterns and values with
 * newlines, regex metacharacters, escapes and surrogates (paired, alone, and split across a match).
 *
 * <p>Searches start only at code point boundaries, as the lexer's do. From the second half of a surrogate pair the
 * regex engine's greedy back-off is not the same in every JDK (17.0.21's, which ShellPattern follows, stops at the
 * start; older ones stepped back past it); from boundaries the two give the same matches: a ShellPattern without
 * the stop agreed with this test on 300,000 random cases.
 */
class ShellPatternTest {

    private static final int RANDOM_CASES = 20_000;

    /** The regex-based code, as it was (LexError is private to ShellLexer; here it is an IllegalArgumentException). */
    private static final class Before {
        private static final int EOF = -1;

        static Pattern shellPatternToRegex(String pattern, boolean greedy, boolean anchored) {
            StringBuilder out = new StringBuilder(pattern.length() + 4);
            if (anchored) {
                out.append('^');
            }
            String star = greedy ? ".*" : ".*?";
            int[] cps = pattern.codePoints().toArray();
            for (int i = 0; i < cps.length; i++) {
                int tok = cps[i];
                switch (tok) {
                    case '*' -> {
                        out.append(star);
                        continue;
                    }
                    case '?' -> {
                        out.append('.');
                        continue;
                    }
                    case '\\' -> {
                        int peek = i + 1 < cps.length ? cps[i + 1] : EOF;
                        if (peek == '}' || peek == '/') {
                            continue;
                        }
                        out.append('\\');
                        i++;
                        tok = peek;
                        if (tok != '*' && tok != '?' && tok != '\\') {
                            throw new IllegalArgumentException("invalid pattern (" + pattern
                                    + ") in substitution: invalid escape '\\"
                                    + (tok == EOF ? "\uFFFD" : new String(Character.toChars(tok))) + "'");
                        }
                    }
                    case '[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$' -> out.append('\\');
                    default -> {
                        if (tok == '&' || tok == '-' || tok == '#' || tok == '~') {
                            out.append('\\');
                        }
                    }
                }
                out.appendCodePoint(tok);
            }
            try {
                return Pattern.compile(out.toString(), Pattern.UNIX_LINES);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid pattern (" + pattern + ") in substitution: "
                        + e.getDescription());
            }
        }

        static String trimPrefix(String pattern, String value, boolean greedy) {
            Matcher m = shellPatternToRegex(pattern, greedy, true).matcher(value);
            return m.find() ? value.substring(m.end()) : value;
        }

        static String trimSuffix(String pattern, String value, boolean greedy) {
            return reverse(trimPrefix(ShellLexer.reversePattern(pattern), reverse(value), greedy));
        }

        private static String reverse(String s) {
            int[] cps = s.codePoints().toArray();
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = cps.length - 1; i >= 0; i--) {
                sb.appendCodePoint(cps[i]);
            }
            return sb.toString();
        }

        static String replaceFirst(String pattern, String value, String replacement) {
            Matcher m = shellPatternToRegex(pattern, true, false).matcher(value);
            if (m.find()) {
                return value.substring(0, m.start()) + replacement + value.substring(m.end());
            }
            return value;
        }

        static String replaceAll(String pattern, String src, String template) {
            Pattern re = shellPatternToRegex(pattern, true, false);
            StringBuilder buf = new StringBuilder();
            Matcher m = re.matcher(src);
            int lastMatchEnd = 0;
            int searchPos = 0;
            int end = src.length();
            while (searchPos <= end) {
                if (!m.find(searchPos)) {
                    break;
                }
                int s = m.start();
                int e = m.end();
                buf.append(src, lastMatchEnd, s);
                if (e > lastMatchEnd || s == 0) {
                    expandTemplate(buf, template, src.substring(s, e));
                }
                lastMatchEnd = e;
                int width = searchPos < end ? Character.charCount(src.codePointAt(searchPos)) : 0;
                if (searchPos + width > e) {
                    searchPos += width;
                } else if (searchPos + 1 > e) {
                    searchPos++;
                } else {
                    searchPos = e;
                }
            }
            buf.append(src, lastMatchEnd, end);
            return buf.toString();
        }

        private static void expandTemplate(StringBuilder dst, String template, String match) {
            int i = 0;
            while (i < template.length()) {
                int d = template.indexOf('$', i);
                if (d < 0) {
                    dst.append(template, i, template.length());
                    return;
                }
                dst.append(template, i, d);
                i = d + 1;
                if (i < template.length() && template.charAt(i) == '$') {
                    dst.append('$');
                    i++;
                    continue;
                }
                int j = i;
                boolean brace = j < template.length() && template.charAt(j) == '{';
                if (brace) {
                    j++;
                }
                int nameStart = j;
                while (j < template.length()) {
                    int cp = template.codePointAt(j);
                    if (!Character.isLetter(cp) && !Character.isDigit(cp) && cp != '_') {
                        break;
                    }
                    j += Character.charCount(cp);
                }
                String name = template.substring(nameStart, j);
                if (name.isEmpty() || (brace && (j >= template.length() || template.charAt(j) != '}'))) {
                    dst.append('$');
                    continue;
                }
                if (brace) {
                    j++;
                }
                i = j;
                if (name.equals("0")) {
                    dst.append(match);
                }
            }
        }
    }

    private static final String[] PATTERN_PIECES = {
        "*", "*", "?", "\\", "\\*", "\\?", "\\\\", "\\}", "\\/", "\\a", "a", "b", "ab", "ba", "aa", ".", "[", "]",
        "{", "}", "(", ")", "|", "^", "$", "+", "&", "-", "#", "~", "/", "%", "\n", "\r", " ", "\t", "\u0000",
        "Q", "E", "\u00e9", "\uD83D\uDE00", "\uD83D", "\uDE00", "\uD800", "\uDC00",
    };

    private static final String[] VALUE_PIECES = {
        "a", "b", "ab", "aa", "ba", "\n", "\r", "\r\n", " ", "\u0000", "\u00e9", "\uD83D\uDE00", "\uD83D\uDE00",
        "\uD83D", "\uDE00", "\uD800", "\uDC00", "*", "?", "\\", ".", "/", "$", "x", "[", "}", "{", "-", "#",
    };

    private static final String[] TEMPLATES = {
        "", "x", "$", "$$", "$0", "${0}", "$1", "${x", "$a_b", "<$0>", "${0}${0}", "$\u00e9", "$0$",
    };

    private static String random(Random r, String[] pieces, int max) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            sb.append(pieces[r.nextInt(pieces.length)]);
        }
        return sb.toString();
    }

    /** Hand-picked pattern and value pairs, then random ones. */
    private static List<String[]> cases(long seed) {
        List<String[]> out = new ArrayList<>();
        String[][] edges = {
            {"", ""}, {"*", ""}, {"", "abc"}, {"*", "abc"}, {"?", "abc"}, {"a*", "abab"}, {"*b", "abab"},
            {"*.txt", "/tmp/a.txt.txt"}, {"\\*", "*x"}, {"\\", "x"}, {"\\x", "x"}, {"a\\}", "a}"}, {"a\\/", "a/"},
            {"*", "a\nb"}, {"?", "\n"}, {"a*c", "ab\nc"}, {"?", "\uD83D\uDE00x"}, {"*\uD83D", "\uD83D\uDE00"},
            {"\uDE00", "\uD83D\uDE00"}, {"\uD83D", "\uD83D\uDE00"}, {"\uDE00*", "x\uD83D\uDE00"},
            {"?*", "\uD83D\uDE00\uD83D\uDE00"}, {"*?x", "\uD83D\uDE00x"}, {"\uD83D\uDE00", "a\uD83D\uDE00"},
            {"()[]{}^$.|+", "x()[]{}^$.|+"}, {"&-#~", "&-#~"}, {"\u00e9?", "\u00e9\u00e9"}, {"**", "aa"},
            {"v", "v1.2.3"}, {"*.", "1.2.3"}, {".*", "1.2.3"}, {"linux/", "linux/amd64"},
            {"abab", "xxabababab"}, {"abcd*x", "abcdabcdx"}, {"a\uD83D\uDE00bc", "xa\uD83D\uDE00bca\uD83D\uDE00bc"},
            {"\uD83D\uDE00\uD83D\uDE00ab*", "\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00ab"},
            {"ab\uDE00cd", "ab\uD83D\uDE00cd ab\uDE00cd"}, {"*\uDE00", "\uD83D\uDE00"}, {"?\uDE00", "\uD83D\uDE00"},
        };
        for (String[] e : edges) {
            out.add(e);
        }
        Random r = new Random(seed);
        for (int i = 0; i < RANDOM_CASES; i++) {
            out.add(new String[] {random(r, PATTERN_PIECES, 6), random(r, VALUE_PIECES, 12)});
        }
        return out;
    }

    /** The result of an operation, or the message of its error. */
    private interface Op {
        String apply() throws Exception;
    }

    private static String outcome(Op op) {
        try {
            return "ok: " + op.apply();
        } catch (Exception e) {
            return "error: " + e.getMessage();
        }
    }

    private static String show(String pattern, String value) {
        return GoStrings.quote(pattern) + " on " + GoStrings.quote(value) + " " + codeUnits(pattern + "|" + value);
    }

    private static String codeUnits(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            sb.append(Integer.toHexString(s.charAt(i))).append(' ');
        }
        return sb.toString();
    }

    @Test
    void patternsMatchWhereTheRegexMatched() throws Exception {
        for (String[] c : cases(1)) {
            String pattern = c[0];
            String value = c[1];
            for (boolean greedy : new boolean[] {true, false}) {
                Pattern anchored;
                Pattern unanchored;
                try {
                    anchored = Before.shellPatternToRegex(pattern, greedy, true);
                    unanchored = Before.shellPatternToRegex(pattern, greedy, false);
                } catch (IllegalArgumentException e) {
                    String message = "";
                    try {
                        ShellPattern.compile(pattern, greedy);
                    } catch (ShellPattern.InvalidPattern invalid) {
                        message = invalid.getMessage();
                    }
                    assertEquals(e.getMessage(), message, show(pattern, value));
                    continue;
                }
                ShellPattern p = ShellPattern.compile(pattern, greedy);
                Matcher m = anchored.matcher(value);
                assertEquals(m.find() ? m.end() : -1, p.matchPrefix(value), show(pattern, value));
                for (int from = 0; from <= value.length(); from++) {
                    if (from > 0 && from < value.length() && Character.isLowSurrogate(value.charAt(from))
                            && Character.isHighSurrogate(value.charAt(from - 1))) {
                        continue; // the lexer only searches from code point boundaries (see the class comment)
                    }
                    Matcher u = unanchored.matcher(value);
                    String expected = u.find(from) ? u.start() + "-" + u.end() : "none";
                    int[] found = p.find(value, from);
                    assertEquals(expected, found == null ? "none" : found[0] + "-" + found[1],
                            show(pattern, value) + " from " + from + (greedy ? " greedy" : " lazy"));
                }
            }
        }
    }

    @Test
    void trimmingAndReplacingGiveWhatTheRegexGave() {
        Random r = new Random(2);
        for (String[] c : cases(3)) {
            String pattern = c[0];
            String value = c[1];
            for (boolean greedy : new boolean[] {true, false}) {
                assertEquals(outcome(() -> Before.trimPrefix(pattern, value, greedy)),
                        outcome(() -> ShellLexer.trimPrefix(pattern, value, greedy)), show(pattern, value));
                assertEquals(outcome(() -> Before.trimSuffix(pattern, value, greedy)),
                        outcome(() -> ShellLexer.trimSuffix(pattern, value, greedy)), show(pattern, value));
            }
            String template = TEMPLATES[r.nextInt(TEMPLATES.length)];
            assertEquals(outcome(() -> Before.replaceFirst(pattern, value, template)),
                    outcome(() -> ShellLexer.replaceFirst(pattern, value, template)), show(pattern, value));
            assertEquals(outcome(() -> Before.replaceAll(pattern, value, template)),
                    outcome(() -> ShellLexer.replaceAll(pattern, value, template)),
                    show(pattern, value) + " with " + GoStrings.quote(template));
        }
    }

    @Test
    void theLexerExpandsPatternModifiersAsBefore() throws Exception {
        ShellLexer lexer = new ShellLexer('\\');
        java.util.Map<String, String> env = java.util.Map.of("V", "v1.2.3", "P", "/usr/local/bin/x.tar.gz",
                "T", "linux/arm64/v8");
        String[][] table = {
            {"${V#v}", "1.2.3"}, {"${V%.*}", "v1.2"}, {"${V%%.*}", "v1"}, {"${P##*/}", "x.tar.gz"},
            {"${P#*/}", "usr/local/bin/x.tar.gz"}, {"${P%/*}", "/usr/local/bin"}, {"${V/./-}", "v1-2.3"},
            {"${V//./-}", "v1-2-3"}, {"${T#linux/}", "arm64/v8"}, {"${T/\\//_}", "linux_arm64/v8"},
            {"${V//?/x}", "xxxxxx"}, {"${V/#v/V}", "v1.2.3"},
        };
        for (String[] row : table) {
            assertEquals(row[1], lexer.processWord(row[0], env), row[0]);
        }
    }
}
