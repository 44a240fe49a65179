package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.GoStrings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The instruction layer's hand-written checks against the regexes, lambdas and streams they replaced (kept below
 * as the reference): hand-picked edge cases, then thousands of seeded random strings.
 */
class InstructionScannersTest {

    private static final int RANDOM_CASES = 20_000;

    /** The code the checks replaced, as it was. */
    private static final class Before {
        static final Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9-_.]*$");
        static final Pattern ONBUILD_PREFIX = Pattern.compile("(?i)^[\\t\\n\\f\\r ]*ONBUILD[\\t\\n\\f\\r ]*");
        static final Pattern RAM = Pattern.compile("(?i)^(\\d+(?:\\.\\d+)*) ?([kmgtp])?i?b?$");

        static Long ramInBytes(String value) {
            Matcher m = RAM.matcher(value);
            if (!m.matches()) {
                return null;
            }
            double size = Double.parseDouble(m.group(1).replaceAll("^(\\d+\\.\\d+).*$", "$1"));
            long mult = 1;
            if (m.group(2) != null) {
                mult = switch (Character.toLowerCase(m.group(2).charAt(0))) {
                    case 'k' -> 1L << 10;
                    case 'm' -> 1L << 20;
                    case 'g' -> 1L << 30;
                    case 't' -> 1L << 40;
                    default -> 1L << 50;
                };
            }
            return (long) (size * mult);
        }

        static void validateMount(String spec) throws DockerfileException {
            RunMount.parse(spec, null);
            if (spec.chars().noneMatch(c -> c == '$' || c == '\\' || c == '\'' || c == '"' || c == '`')) {
                RunMount.parse(spec, w -> w);
            }
        }

        static String formatDuration(Duration d) {
            long n = d.toNanos();
            if (n == 0) {
                return "0s";
            }
            boolean neg = n < 0;
            long u = Math.abs(n);
            StringBuilder sb = new StringBuilder();
            if (u < 1_000_000_000L) {
                String unit;
                long div;
                if (u < 1_000L) {
                    return (neg ? "-" : "") + u + "ns";
                } else if (u < 1_000_000L) {
                    unit = "\u00b5s";
                    div = 1_000L;
                } else {
                    unit = "ms";
                    div = 1_000_000L;
                }
                sb.append(fraction(u, div)).append(unit);
            } else {
                long secsTotalNanos = u;
                long hours = secsTotalNanos / 3_600_000_000_000L;
                secsTotalNanos -= hours * 3_600_000_000_000L;
                long minutes = secsTotalNanos / 60_000_000_000L;
                secsTotalNanos -= minutes * 60_000_000_000L;
                if (hours > 0) {
                    sb.append(hours).append('h');
                }
                if (hours > 0 || minutes > 0) {
                    sb.append(minutes).append('m');
                }
                sb.append(fraction(secsTotalNanos, 1_000_000_000L)).append('s');
            }
            return (neg ? "-" : "") + sb;
        }

        private static String fraction(long v, long div) {
            long whole = v / div;
            long rest = v % div;
            if (rest == 0) {
                return Long.toString(whole);
            }
            String frac = String.format("%0" + Long.toString(div).length() + "d", rest).substring(1);
            frac = frac.replaceAll("0+$", "");
            return whole + "." + frac;
        }

        static String allowed(String instruction, List<String> names) {
            if (names.isEmpty()) {
                return instruction + " accepts no flags";
            }
            return instruction + " accepts " + names.stream().sorted().map(n -> "--" + n)
                    .collect(Collectors.joining(", "));
        }
    }

    private static final String[] PIECES = {
        "a", "z", "A", "Z", "k", "K", "m", "g", "T", "p", "i", "I", "b", "B", "0", "1", "9", "64", ".", "..", "-",
        "_", " ", "  ", "\t", "\n", "\u000B", "\f", "\r", "\u00a0", "\u0085", "\u00e9", "\u0131", "\u212a",
        "\uD83D\uDE00", "\uD800", "=", ",", "$", "'", "\"", "\\", "`", "onbuild", "ONBUILD", "OnBuild", "ONBUIL",
        "RUN", "type=", "tmpfs", "cache", "size=", "target=/x", "mode=0755", "from=", "uid=1", "ro", "rw",
        "required", "id=", "sharing=locked", "source=",
    };

    private static String random(Random r) {
        StringBuilder sb = new StringBuilder();
        int pieces = r.nextInt(5) == 0 ? r.nextInt(25) : r.nextInt(6);
        for (int i = 0; i < pieces; i++) {
            sb.append(PIECES[r.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }

    private static List<String> inputs(long seed, String... edges) {
        List<String> out = new ArrayList<>(List.of("", " ", "a", "0", "\n", "a\n"));
        out.addAll(List.of(edges));
        Random r = new Random(seed);
        for (int i = 0; i < RANDOM_CASES; i++) {
            out.add(random(r));
        }
        return out;
    }

    @Test
    void stageNamesAreCheckedAsTheRegexCheckedThem() {
        for (String s : inputs(1, "a-_.9", "9a", "-a", "a b", "build", "\u00e9", "a\u212a", "a$")) {
            assertEquals(Before.STAGE_NAME.matcher(s).matches(), InstructionParser.isStageName(s), GoStrings.quote(s));
        }
    }

    @Test
    void onbuildIsTakenOffAsReplaceFirstTookItOff() {
        List<String> all = inputs(2, "ONBUILD RUN x", "  onbuild\t\nRUN", "ONBUILDRUN", "ONBUIL", "\u000BONBUILD x",
                "onbu\u0131ld x", "ONBUILD", "ONBUILD   ", "x ONBUILD");
        Random r = new Random(3);
        String[] heads = {"ONBUILD", "onbuild ", " OnBuild\t", "\nONBUILD\r\n", "ONBUILD\u000B", "ONBUİLD "};
        for (int i = 0; i < RANDOM_CASES; i++) {
            all.add(heads[r.nextInt(heads.length)] + random(r));
        }
        for (String s : all) {
            assertEquals(Before.ONBUILD_PREFIX.matcher(s).replaceFirst(""), InstructionParser.withoutOnbuild(s),
                    GoStrings.quote(s));
        }
    }

    @Test
    void ramSizesAreReadAsTheRegexReadThem() {
        List<String> all = inputs(4, "64m", "64M", "64 m", "64  m", "1.5g", "1.2.3k", "1.", ".5", "1..2", "100",
                "10kib", "10KiB", "10kb", "10ib", "10b", "10bi", "10 ", "10x", "99999999999999999999999p", "1.5e3",
                "\u0661\u0662", "1\n", "1 k i b");
        Random r = new Random(5);
        String[] digits = {"0", "1", "7", "42", "123456789", ".", ".5", "00"};
        String[] tails = {"", " ", "k", "M", "gi", "Tib", "pB", "b", "i", "x", "\n", " k", "kk"};
        for (int i = 0; i < RANDOM_CASES; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = r.nextInt(5); j >= 0; j--) {
                sb.append(digits[r.nextInt(digits.length)]);
            }
            all.add(sb.append(tails[r.nextInt(tails.length)]).toString());
        }
        for (String s : all) {
            assertEquals(Before.ramInBytes(s), RunMount.ramInBytes(s), GoStrings.quote(s));
        }
    }

    @Test
    void mountSpecsAreValidatedAsBefore() {
        List<String> all = inputs(6, "type=cache,target=/root/.cache", "type=tmpfs,size=64m,target=/t",
                "type=tmpfs,size=6x", "type=bind,mode=0755", "type=secret,id=$X", "type=secret", "\"a,b\"",
                "type=cache,sharing=weird", "from=$X", "from=x$", "type=tmpfs,size=$S");
        Random r = new Random(7);
        for (int i = 0; i < RANDOM_CASES; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = r.nextInt(4); j >= 0; j--) {
                sb.append(j == 0 ? "" : ",").append(random(r));
            }
            all.add(sb.toString());
        }
        for (String s : all) {
            assertEquals(outcome(true, s), outcome(false, s), GoStrings.quote(s));
        }
    }

    private static String outcome(boolean before, String spec) {
        try {
            if (before) {
                Before.validateMount(spec);
            } else {
                InstructionParser.validateMount(spec);
            }
            return "ok";
        } catch (DockerfileException e) {
            return "error: " + e.getMessage();
        }
    }

    @Test
    void durationsAreFormattedAsBefore() {
        Random r = new Random(8);
        List<Long> nanos = new ArrayList<>(List.of(0L, 1L, 999L, 1_000L, 1_500L, 1_000_000L, 1_000_001L,
                1_234_500_000L, 60_000_000_000L, 3_600_000_000_001L, Long.MAX_VALUE, -1L, -1_500_000L,
                Long.MIN_VALUE + 1));
        for (int i = 0; i < RANDOM_CASES; i++) {
            long scale = (long) Math.pow(10, r.nextInt(16));
            nanos.add(r.nextLong() % scale * (r.nextInt(4) == 0 ? 10 : 1));
        }
        for (long n : nanos) {
            Duration d = Duration.ofNanos(n);
            assertEquals(Before.formatDuration(d), Go.formatDuration(d), Long.toString(n));
        }
    }

    @Test
    void theAcceptedFlagsAreListedAsBefore() {
        Random r = new Random(9);
        String[] names = {"from", "chown", "chmod", "link", "parents", "exclude", "a", "b-c", "mount", "network"};
        for (int i = 0; i < 2_000; i++) {
            BuildFlags flags = new BuildFlags("copy", List.of("--nope"));
            List<String> defined = new ArrayList<>();
            List<String> used = new ArrayList<>();
            for (String name : names) {
                if (r.nextBoolean()) {
                    BuildFlags.Flag f = flags.addString(name, "");
                    defined.add(name);
                    if (r.nextBoolean()) {
                        f.used = true;
                        used.add(name);
                    }
                }
            }
            assertEquals(used, flags.used());
            String message = "";
            try {
                flags.parse();
            } catch (DockerfileException e) {
                message = e.getMessage();
            }
            String expected = Before.allowed("COPY", defined);
            assertEquals(expected, message.substring(message.indexOf("; ") + 2));
        }
    }

    @Test
    void stageIndexesAreDigitsAsTheRegexHadThem() {
        for (String s : inputs(10, "0", "12", "1a", "\u0661", "+1", "-1", "1 ")) {
            assertEquals(s.matches("[0-9]+"), Dockerfile.isDigits(s), GoStrings.quote(s));
        }
    }

    @Test
    void editDistancesAreAsWithStreams() {
        Random r = new Random(11);
        for (int i = 0; i < RANDOM_CASES; i++) {
            String a = random(r);
            String b = random(r);
            assertEquals(levenshtein(a, b), Suggest.levenshtein(a, b), GoStrings.quote(a) + " " + GoStrings.quote(b));
        }
    }

    private static int levenshtein(String a, String b) {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        int[][] d = new int[x.length + 1][y.length + 1];
        for (int i = 0; i <= x.length; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= y.length; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= x.length; i++) {
            for (int j = 1; j <= y.length; j++) {
                int cost = x[i - 1] == y[j - 1] ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
            }
        }
        return d[x.length][y.length];
    }
}
