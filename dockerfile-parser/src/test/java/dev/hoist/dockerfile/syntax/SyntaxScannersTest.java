package dev.hoist.dockerfile.syntax;

import dev.hoist.dockerfile.DockerfileException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The syntax package's hand-written scanners against the regexes they replaced (kept below as the reference):
 * hand-picked edge cases, then thousands of seeded random strings of white space, escapes, quotes, {@code =},
 * {@code <<} and Unicode (lone surrogates included).
 */
class SyntaxScannersTest {

    private static final int RANDOM_CASES = 20_000;

    /** The regex-based code the scanners replaced, as it was. */
    private static final class Regexes {
        static final Pattern WHITESPACE = Pattern.compile("[\\t\\u000B\\f\\r ]+");
        static final Pattern DIRECTIVE =
                Pattern.compile("(?s)\\A([a-zA-Z][a-zA-Z0-9]*)[\\t\\n\\f\\r ]*=[\\t\\n\\f\\r ]*(.+?)[\\t\\n\\f\\r ]*\\z");
        static final Pattern HEREDOC = Pattern.compile("(?s)\\A([0-9]*)<<(-?)([^<]*)\\z");

        static Pattern continuationPattern(int token) {
            String t = Pattern.quote(String.valueOf((char) token));
            String notT = token == '\\' ? "[^\\\\]" : "[^`]";
            return Pattern.compile("(?s)(" + notT + ")" + t + "[ \\t]*\\z|\\A" + t + "[ \\t]*\\z");
        }

        static String trimContinuation(Pattern continuation, String line) {
            Matcher m = continuation.matcher(line);
            if (!m.find()) {
                return null;
            }
            String kept = m.group(1) == null ? "" : m.group(1);
            return line.substring(0, m.start()) + kept + line.substring(m.end());
        }

        static String[] directive(String s) {
            Matcher m = DIRECTIVE.matcher(s);
            return m.matches() ? new String[] {m.group(1), m.group(2)} : null;
        }

        static Heredoc parseHeredoc(String word) throws DockerfileException {
            Matcher m = HEREDOC.matcher(word);
            if (!m.matches()) {
                return null;
            }
            int fd = 0;
            if (!m.group(1).isEmpty()) {
                try {
                    fd = Integer.parseInt(m.group(1));
                } catch (NumberFormatException e) {
                    fd = 0;
                }
            }
            boolean chomp = m.group(2).equals("-");
            String rest = m.group(3);
            if (rest.isEmpty()) {
                return null;
            }
            dev.hoist.dockerfile.ShellLexer lexer = new dev.hoist.dockerfile.ShellLexer('\\').withSkipUnsetEnv(true);
            List<String> words = lexer.processWords(rest, Map.of());
            if (words.size() != 1) {
                return null;
            }
            List<String> raw = lexer.withRawQuotes(true).processWords(rest, Map.of());
            if (raw.size() != words.size()) {
                throw new DockerfileException("internal lexing of heredoc produced inconsistent results: " + rest);
            }
            String w = words.get(0);
            boolean expand = countQuotes(w) == countQuotes(raw.get(0));
            return new Heredoc(w, fd, expand, chomp, "");
        }

        private static int countQuotes(String s) {
            int n = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\'' || c == '"') {
                    n++;
                }
            }
            return n;
        }

        static String stripLeadingTabs(String s) {
            return s.replaceAll("(?m)^\t+", "");
        }
    }

    /** Pieces random strings are made of: everything the scanners look at, and what they must pass over. */
    private static final String[] PIECES = {
        "a", "Z", "k", "0", "7", "42", " ", "  ", "\t", "\u000B", "\f", "\r", "\n", "\r\n", "\\", "\\\\", "`",
        "=", "<", "<<", "<<-", "-", "#", "'", "\"", "$", "{", "}", "\u00e9", "\u00a0", "\u0085", "\u2028", "\u2029",
        "\u3000", "\uD83D\uDE00", "\uD800", "\uDC00", "escape", "syntax", "EOF", "x=y", "\\ ", "` \t",
    };

    private static String random(Random r) {
        StringBuilder sb = new StringBuilder();
        int pieces = r.nextInt(5) == 0 ? r.nextInt(30) : r.nextInt(7);
        for (int i = 0; i < pieces; i++) {
            sb.append(PIECES[r.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }

    private static final String[] EDGES = {
        "", " ", "a", "a b", " a", "a ", "a  b", "\t\u000B\f\r ", "a\nb", "a\u00a0b", "a\u3000b", "\u000Ba\u000B",
        "a\r", "\r", "\n", "\\", "a\\", "a\\\\", "a\\ \t", "\\ ", "\\\\ ", "a \\", "a\\\t\u000B", "`", "a`", "a``",
        "a` ", "\uD83D\uDE00\\", "\uD800\\", "\uDC00`", "\uD83D\uDE00`", "escape=`", "escape = `", "escape=",
        "escape= ", "escape=  \t", "escape=\t\n", "a=\u000B", "1a=b", "a b=c", "syntax=docker/dockerfile:1 ",
        "k=v\n", "\u00e9=b", "k==", "k=\n\n", "check=skip=all;error=true", "a1B2=v w", "<<EOF", "<<-EOF",
        "3<<EOF", "12<<-\"EOF\"", "<<", "<<-", "<<<EOF", "<<-<EOF", "<<--EOF", "99999999999<<EOF", "a<<EOF",
        "<<E'O'F", "<<'EOF'", "<<\"EOF", "<<EOF EOF", "<<\\EOF", "\t\tx\n\ty\r\tz\r\n\tw\u0085\tv\u2028\t\u2029\t",
        "x\t", "\n\t", "\t",
    };

    private static List<String> inputs(long seed) {
        List<String> out = new ArrayList<>(List.of(EDGES));
        Random r = new Random(seed);
        for (int i = 0; i < RANDOM_CASES; i++) {
            out.add(random(r));
        }
        return out;
    }

    @Test
    void splittingOnWhiteSpaceIsPatternSplit() {
        for (String s : inputs(1)) {
            assertArrayEquals(Regexes.WHITESPACE.split(s, 2), SyntaxParser.splitFirst(s), GoStrings.quote(s));
            assertEquals(List.of(Regexes.WHITESPACE.split(s, -1)), SyntaxParser.splitAll(s), GoStrings.quote(s));
        }
    }

    @Test
    void directivesAreReadAsTheRegexReadThem() {
        for (String s : inputs(2)) {
            assertArrayEquals(Regexes.directive(s), SyntaxParser.directive(s), GoStrings.quote(s));
            String keyed = "escape=" + s;
            assertArrayEquals(Regexes.directive(keyed), SyntaxParser.directive(keyed), GoStrings.quote(keyed));
        }
    }

    @Test
    void continuationsAreFoundAsTheRegexFoundThem() {
        SyntaxParser.Directives backslash = new SyntaxParser.Directives();
        SyntaxParser.Directives backtick = new SyntaxParser.Directives();
        backtick.escapeToken = '`';
        Pattern backslashPattern = Regexes.continuationPattern('\\');
        Pattern backtickPattern = Regexes.continuationPattern('`');
        for (String s : inputs(3)) {
            assertEquals(Regexes.trimContinuation(backslashPattern, s), backslash.trimContinuation(s),
                    GoStrings.quote(s));
            assertEquals(Regexes.trimContinuation(backtickPattern, s), backtick.trimContinuation(s),
                    GoStrings.quote(s));
        }
    }

    @Test
    void heredocWordsAreReadAsTheRegexReadThem() {
        Random r = new Random(4);
        List<String> words = inputs(5);
        String[] heads = {"", "<<", "<<-", "0<<", "3<<-", "<<<", "1<2<<"};
        for (int i = 0; i < RANDOM_CASES; i++) {
            words.add(heads[r.nextInt(heads.length)] + random(r));
        }
        for (String w : words) {
            assertEquals(outcome(true, w), outcome(false, w), GoStrings.quote(w));
        }
    }

    /** The heredoc a word opens, or "null", or the message of the error it raises. */
    private static String outcome(boolean regex, String word) {
        try {
            Heredoc h = regex ? Regexes.parseHeredoc(word) : SyntaxParser.parseHeredoc(word);
            return String.valueOf(h);
        } catch (DockerfileException e) {
            return "error: " + e.getMessage();
        }
    }

    @Test
    void leadingTabsAreStrippedAsReplaceAllStrippedThem() {
        String[] tabbed = {"\t", "\t\t", "\n", "\n\t", "\r\n\t", "\u0085\t", "x", " \t"};
        Random r = new Random(6);
        List<String> all = inputs(7);
        for (int i = 0; i < RANDOM_CASES; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(12);
            for (int j = 0; j < n; j++) {
                sb.append(r.nextBoolean() ? tabbed[r.nextInt(tabbed.length)] : PIECES[r.nextInt(PIECES.length)]);
            }
            all.add(sb.toString());
        }
        for (String s : all) {
            assertEquals(Regexes.stripLeadingTabs(s), Heredoc.stripLeadingTabs(s), GoStrings.quote(s));
            assertEquals(Regexes.stripLeadingTabs(s), new Heredoc("EOF", 0, true, true, s).effectiveContent());
        }
    }

    @Test
    void codePointsAreTheStreamsCodePoints() {
        for (String s : inputs(8)) {
            assertArrayEquals(s.codePoints().toArray(), GoStrings.codePoints(s), GoStrings.quote(s));
        }
    }
}
