package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.GoStrings;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/** Go's {@code time.ParseDuration} and {@code strconv.ParseInt}, with their error messages. Stateless. */
final class Go {

    private Go() {
    }

    private static final Map<String, Long> UNITS = Map.of(
            "ns", 1L, "us", 1_000L, "\u00b5s", 1_000L, "\u03bcs", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    /** Go's {@code time.ParseDuration}, e.g. {@code 1h30m}, {@code 1.5s}, {@code 300ms}. */
    static Duration parseDuration(String orig) throws DockerfileException {
        String s = orig;
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw invalidDuration(orig);
        }
        BigInteger total = BigInteger.ZERO;
        while (!s.isEmpty()) {
            char c = s.charAt(0);
            if (!(c == '.' || (c >= '0' && c <= '9'))) {
                throw invalidDuration(orig);
            }
            int i = 0;
            while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 0x80) {
                i++;
            }
            String intPart = s.substring(0, i);
            s = s.substring(i);
            String fracPart = "";
            if (s.startsWith(".")) {
                s = s.substring(1);
                int j = 0;
                while (j < s.length() && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
                    j++;
                }
                fracPart = s.substring(0, j);
                s = s.substring(j);
                if (intPart.isEmpty() && fracPart.isEmpty()) {
                    throw invalidDuration(orig);
                }
            } else if (intPart.isEmpty()) {
                throw invalidDuration(orig);
            }
            int u = 0;
            while (u < s.length() && s.charAt(u) != '.' && !(s.charAt(u) >= '0' && s.charAt(u) <= '9')) {
                u++;
            }
            if (u == 0) {
                throw new DockerfileException("time: missing unit in duration " + goQuote(orig));
            }
            String unit = s.substring(0, u);
            s = s.substring(u);
            Long scale = UNITS.get(unit);
            if (scale == null) {
                throw new DockerfileException("time: unknown unit " + goQuote(unit) + " in duration "
                        + goQuote(orig));
            }
            BigInteger v = intPart.isEmpty() ? BigInteger.ZERO : new BigInteger(intPart);
            BigInteger nanos = v.multiply(BigInteger.valueOf(scale));
            if (!fracPart.isEmpty()) {
                BigInteger f = new BigInteger(fracPart);
                BigInteger denom = BigInteger.TEN.pow(fracPart.length());
                nanos = nanos.add(f.multiply(BigInteger.valueOf(scale)).divide(denom));
            }
            total = total.add(nanos);
            if (total.bitLength() > 63) {
                throw invalidDuration(orig);
            }
        }
        long n = total.longValueExact();
        return Duration.ofNanos(neg ? -n : n);
    }

    private static DockerfileException invalidDuration(String orig) {
        return new DockerfileException("time: invalid duration " + goQuote(orig));
    }

    /** Go's duration quoting: plain double quotes around the text. */
    private static String goQuote(String s) {
        return "\"" + s + "\"";
    }

    /** Go's {@code time.Duration.String()}, e.g. {@code 1m30s}, {@code 1ms}, {@code 0s}. */
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
        // rest as the digits after the point (div is a power of ten), without trailing zeros; no String.format or
        // replaceAll, which would compile regexes
        String digits = Long.toString(rest);
        String frac = "0".repeat(Math.max(0, Long.toString(div).length() - digits.length())) + digits;
        int end = frac.length();
        while (end > 1 && frac.charAt(end - 1) == '0') {
            end--;
        }
        return whole + "." + frac.substring(1, end);
    }

    /** Go's {@code strconv.ParseInt(s, 10, 32)}. */
    static int parseInt32(String s) throws DockerfileException {
        String digits = s;
        if (!digits.isEmpty() && (digits.charAt(0) == '+' || digits.charAt(0) == '-')) {
            digits = digits.substring(1);
        }
        boolean ok = !digits.isEmpty();
        for (int i = 0; i < digits.length() && ok; i++) {
            ok = digits.charAt(i) >= '0' && digits.charAt(i) <= '9';
        }
        if (!ok) {
            throw new DockerfileException("strconv.ParseInt: parsing " + GoStrings.quote(s) + ": invalid syntax");
        }
        BigInteger v = new BigInteger(s.startsWith("+") ? s.substring(1) : s);
        if (v.bitLength() > 31) {
            throw new DockerfileException("strconv.ParseInt: parsing " + GoStrings.quote(s)
                    + ": value out of range");
        }
        return v.intValueExact();
    }
}
