package dev.hoist.oci;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Timestamps as Go's time.RFC3339Nano writes them (UTC, trailing zeros of the fraction dropped). Stateless. */
public final class Rfc3339 {
    private Rfc3339() {
    }

    /** Written by hand for years 0-9999 (DateTimeFormatter's first use costs a cold start ~2 ms). */
    static String format(Instant instant) {
        OffsetDateTime t = instant.atOffset(ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(30);
        if (t.getYear() < 0 || t.getYear() > 9999) {
            sb.append(DateTimeFormatter.ofPattern("uuuu").format(t)).append('-');
        } else {
            pad(sb, t.getYear(), 4).append('-');
        }
        pad(sb, t.getMonthValue(), 2).append('-');
        pad(sb, t.getDayOfMonth(), 2).append('T');
        pad(sb, t.getHour(), 2).append(':');
        pad(sb, t.getMinute(), 2).append(':');
        pad(sb, t.getSecond(), 2);
        int nanos = t.getNano();
        if (nanos != 0) {
            int digits = 9;
            while (nanos % 10 == 0) {
                nanos /= 10;
                digits--;
            }
            pad(sb.append('.'), nanos, digits);
        }
        return sb.append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        String v = Integer.toString(value);
        for (int i = v.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(v);
    }

    /**
     * Parses an RFC 3339 timestamp with any offset ({@code 2024-01-02T03:04:05.123456789Z},
     * {@code …+02:00}); null if {@code text} is null or not a timestamp. Parsed by hand: the JDK's
     * formatters load locale data that costs a cold CLI start ~20 ms.
     */
    public static Instant parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            int n = text.length();
            if (n < 20 || text.charAt(4) != '-' || text.charAt(7) != '-' || (text.charAt(10) != 'T' && text.charAt(10) != 't')
                    || text.charAt(13) != ':' || text.charAt(16) != ':') {
                return null;
            }
            int year = digits(text, 0, 4);
            int month = digits(text, 5, 7);
            int day = digits(text, 8, 10);
            int hour = digits(text, 11, 13);
            int minute = digits(text, 14, 16);
            int second = digits(text, 17, 19);
            int i = 19;
            int nanos = 0;
            if (i < n && text.charAt(i) == '.') {
                int start = ++i;
                while (i < n && Character.isDigit(text.charAt(i))) {
                    i++;
                }
                if (i == start || i - start > 9) {
                    return null;
                }
                nanos = digits(text, start, i);
                for (int k = i - start; k < 9; k++) {
                    nanos *= 10;
                }
            }
            if (i >= n) {
                return null;
            }
            int offsetSeconds;
            char z = text.charAt(i);
            if ((z == 'Z' || z == 'z') && i + 1 == n) {
                offsetSeconds = 0;
            } else if ((z == '+' || z == '-') && i + 6 == n && text.charAt(i + 3) == ':') {
                offsetSeconds = (digits(text, i + 1, i + 3) * 3600 + digits(text, i + 4, i + 6) * 60) * (z == '-' ? -1 : 1);
            } else {
                return null;
            }
            return LocalDateTime.of(year, month, day, hour, minute, second, nanos)
                    .toInstant(ZoneOffset.ofTotalSeconds(offsetSeconds));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return null;
        }
    }

    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new NumberFormatException(s);
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
