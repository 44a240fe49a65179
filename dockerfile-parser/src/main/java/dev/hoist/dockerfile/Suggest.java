package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.GoStrings;

import java.util.List;
import java.util.Locale;

/** "Did you mean ...?": the closest option within edit distance 2, as BuildKit suggests. Stateless. */
final class Suggest {

    private Suggest() {
    }

    /** The closest option to {@code value}, cased like {@code value} when not case-sensitive, or {@code null}. */
    static String closest(String value, List<String> options, boolean caseSensitive) {
        String val = caseSensitive ? value : value.toLowerCase(Locale.ROOT);
        String match = null;
        int min = 3;
        for (String option : options) {
            String opt = caseSensitive ? option : option.toLowerCase(Locale.ROOT);
            if (val.equals(opt)) {
                return null; // an exact match means the error was about something else
            }
            int dist = levenshtein(val, opt);
            if (dist < min) {
                match = caseSensitive ? opt : matchCase(opt, value);
                min = dist;
            }
        }
        return match;
    }

    /** {@code message} with " (did you mean X?)" when there is a close option. */
    static String wrap(String message, String value, List<String> options, boolean caseSensitive) {
        String match = closest(value, options, caseSensitive);
        return match == null ? message : message + " (did you mean " + match + "?)";
    }

    private static String matchCase(String val, String orig) {
        if (orig.equals(orig.toLowerCase(Locale.ROOT))) {
            return val.toLowerCase(Locale.ROOT);
        }
        if (orig.equals(orig.toUpperCase(Locale.ROOT))) {
            return val.toUpperCase(Locale.ROOT);
        }
        return val;
    }

    static int levenshtein(String a, String b) {
        int[] x = GoStrings.codePoints(a);
        int[] y = GoStrings.codePoints(b);
        int[] prev = new int[y.length + 1];
        int[] cur = new int[y.length + 1];
        for (int j = 0; j <= y.length; j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= x.length; i++) {
            cur[0] = i;
            for (int j = 1; j <= y.length; j++) {
                int cost = x[i - 1] == y[j - 1] ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[y.length];
    }
}
