package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.GoStrings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The pattern of {@code ${var#pattern}}, {@code ${var%pattern}} and {@code ${var/pattern/string}}: {@code ?} is one
 * character, {@code *} any run of characters (neither takes a newline), a backslash escapes {@code * ? \} and is
 * dropped before a closing brace or a slash; everything else is literal. Immutable and thread-safe.
 *
 * <p>BuildKit turns the pattern into a regular expression, and hoist did too: {@code .}, {@code .*} or
 * {@code .*?} and quoted literals, compiled with {@code UNIX_LINES}. This class matches without one, because
 * compiling a {@code java.util.regex.Pattern} costs a fresh JVM milliseconds (its character classes are
 * lambdas) and the engine then runs interpreted. To give the very same matches, surrogates included, it
 * backtracks in the order java.util.regex (JDK 17) does and steps over text as the nodes of that regex did: the
 * dot takes a whole code point, and so does a literal run that holds a supplementary character or a lone
 * surrogate; other literals are compared char by char.
 */
final class ShellPattern {

    /** A pattern with a bad escape, with the message the lexer reports. */
    static final class InvalidPattern extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidPattern(String message) {
            super(message, null, false, false);
        }
    }

    private static final int EOF = -1;
    /** {@code ?}: one code point that is not a newline. */
    private static final int ANY = 0;
    /** {@code *}: as many code points that are not newlines as the rest of the pattern allows. */
    private static final int STAR = 1;
    /** A run of literal code points. */
    private static final int LITERALS = 2;

    private final int[] kinds;
    private final int[][] literals;
    /** Per literal run: compared by code point (it holds a supplementary character or a surrogate), else by char. */
    private final boolean[] byCodePoint;
    private final boolean greedy;
    /** Whether a match may start only at a code point boundary, as the regex's search loop then had it. */
    private final boolean supplementary;

    private ShellPattern(List<int[]> runs, List<Integer> kindList, boolean greedy) {
        int n = kindList.size();
        this.kinds = new int[n];
        this.literals = new int[n][];
        this.byCodePoint = new boolean[n];
        boolean anySupplementary = false;
        for (int i = 0; i < n; i++) {
            kinds[i] = kindList.get(i);
            literals[i] = runs.get(i);
            if (literals[i] != null) {
                for (int cp : literals[i]) {
                    if (isSupplementary(cp)) {
                        byCodePoint[i] = true;
                        anySupplementary = true;
                    }
                }
            }
        }
        this.greedy = greedy;
        this.supplementary = anySupplementary;
    }

    /** What java.util.regex calls supplementary: outside the Basic Multilingual Plane, or a surrogate. */
    private static boolean isSupplementary(int cp) {
        return cp >= Character.MIN_SUPPLEMENTARY_CODE_POINT || (cp <= 0xFFFF && Character.isSurrogate((char) cp));
    }

    /**
     * Reads a pattern; with {@code greedy} a {@code *} takes the longest run that lets the rest match, else the
     * shortest.
     *
     * @throws InvalidPattern for a backslash at the end or before anything but {@code *}, {@code ?}, a backslash,
     *                        a closing brace or a slash
     */
    static ShellPattern compile(String pattern, boolean greedy) throws InvalidPattern {
        List<Integer> kinds = new ArrayList<>();
        List<int[]> runs = new ArrayList<>();
        int[] cps = GoStrings.codePoints(pattern);
        int[] run = new int[cps.length];
        int runLength = 0;
        for (int i = 0; i < cps.length; i++) {
            int tok = cps[i];
            if (tok == '*' || tok == '?') {
                runLength = flush(kinds, runs, run, runLength);
                kinds.add(tok == '*' ? STAR : ANY);
                runs.add(null);
                continue;
            }
            if (tok == '\\') {
                int peek = i + 1 < cps.length ? cps[i + 1] : EOF;
                if (peek == '}' || peek == '/') {
                    continue; // the escape belongs to ${...}, not to the pattern
                }
                i++;
                tok = peek;
                if (tok != '*' && tok != '?' && tok != '\\') {
                    throw new InvalidPattern("invalid pattern (" + pattern + ") in substitution: invalid escape '\\"
                            + (tok == EOF ? "\uFFFD" : new String(Character.toChars(tok))) + "'");
                }
            }
            run[runLength++] = tok;
        }
        flush(kinds, runs, run, runLength);
        return new ShellPattern(runs, kinds, greedy);
    }

    private static int flush(List<Integer> kinds, List<int[]> runs, int[] run, int runLength) {
        if (runLength > 0) {
            kinds.add(LITERALS);
            runs.add(Arrays.copyOf(run, runLength));
        }
        return 0;
    }

    /** The end of the match that starts at the start of {@code s}, or -1 (the regex anchored with {@code ^}). */
    int matchPrefix(String s) {
        return match(s, 0, 0);
    }

    /** The first match that starts at or after {@code from}, as {start, end}, or {@code null}. */
    int[] find(String s, int from) {
        int i = from;
        while (true) {
            int end = match(s, 0, i);
            if (end >= 0) {
                return new int[] {i, end};
            }
            if (i >= s.length()) {
                return null;
            }
            // The regex's search loop steps one char at a time, or one code point when the pattern holds a
            // supplementary character.
            if (supplementary && Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                i += 2;
            } else {
                i++;
            }
        }
    }

    /** The end of a match of nodes {@code node..} at {@code i}, or -1, trying alternatives in the regex's order. */
    private int match(String s, int node, int i) {
        if (node == kinds.length) {
            return i;
        }
        switch (kinds[node]) {
            case ANY: {
                int next = oneNotNewline(s, i);
                return next < 0 ? -1 : match(s, node + 1, next);
            }
            case STAR:
                return greedy ? greedyStar(s, node, i) : lazyStar(s, node, i);
            default: {
                int next = literals(s, node, i);
                return next < 0 ? -1 : match(s, node + 1, next);
            }
        }
    }

    /** Past one code point at {@code i} that is not a newline, or -1. */
    private static int oneNotNewline(String s, int i) {
        if (i >= s.length()) {
            return -1;
        }
        int cp = s.codePointAt(i);
        return cp == '\n' ? -1 : i + Character.charCount(cp);
    }

    /**
     * Takes every code point up to a newline, then gives them back one at a time, never going back past where it
     * started: java.util.regex's greedy {@code .*} in JDK 17.0.21. Older engines could step back before a start
     * on the second half of a surrogate pair; searches from a code point boundary, the only ones the lexer makes,
     * find the same matches either way (see ShellPatternTest).
     */
    private int greedyStar(String s, int node, int i) {
        int start = i;
        int taken = 0;
        while (true) {
            int next = oneNotNewline(s, i);
            if (next < 0) {
                break;
            }
            i = next;
            taken++;
        }
        while (true) {
            int end = match(s, node + 1, i);
            if (end >= 0) {
                return end;
            }
            if (taken == 0) {
                return -1;
            }
            i = Math.max(start, i - Character.charCount(s.codePointBefore(i)));
            taken--;
        }
    }

    /** Tries the rest first, then takes one more code point (java.util.regex's reluctant {@code .*?}). */
    private int lazyStar(String s, int node, int i) {
        while (true) {
            int end = match(s, node + 1, i);
            if (end >= 0) {
                return end;
            }
            int next = oneNotNewline(s, i);
            if (next < 0) {
                return -1;
            }
            i = next;
        }
    }

    /** Past the literal run {@code node} at {@code i}, or -1. */
    private int literals(String s, int node, int i) {
        int[] run = literals[node];
        if (!byCodePoint[node]) {
            if (i + run.length > s.length()) {
                return -1;
            }
            for (int j = 0; j < run.length; j++) {
                if (s.charAt(i + j) != run[j]) {
                    return -1;
                }
            }
            return i + run.length;
        }
        for (int cp : run) {
            if (i >= s.length()) {
                return -1;
            }
            int c = s.codePointAt(i);
            if (c != cp) {
                return -1;
            }
            i += Character.charCount(c);
        }
        return i;
    }
}
