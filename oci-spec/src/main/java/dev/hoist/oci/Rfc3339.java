package dev.hoist.oci;

import java.time.Instant;

/** Timestamps as Go's time.RFC3339Nano writes them (UTC, trailing zeros of the fraction dropped). Stateless. */
public final class Rfc3339 {
    private Rfc3339() {
    }

    /** Written by hand for years 0-9999 (DateTimeFormatter's first use costs a cold start ~2 ms). */
    static String format(Instant instant) {
        long epochSecond = instant.getEpochSecond();
        long[] date = civil(Math.floorDiv(epochSecond, 86_400L));
        long year = date[0];
        StringBuilder sb = new StringBuilder(30);
        if (year < 0 || year > 9999) {
            sb.append(java.time.format.DateTimeFormatter.ofPattern("uuuu").format(instant.atOffset(java.time.ZoneOffset.UTC)));
        } else {
            pad(sb, (int) year, 4);
        }
        sb.append('-');
        int secondOfDay = (int) Math.floorMod(epochSecond, 86_400L);
        pad(sb, (int) date[1], 2).append('-');
        pad(sb, (int) date[2], 2).append('T');
        pad(sb, secondOfDay / 3600, 2).append(':');
        pad(sb, secondOfDay / 60 % 60, 2).append(':');
        pad(sb, secondOfDay % 60, 2);
        return sb.append(fraction(instant.getNano())).append('Z').toString();
    }

    /** ".123" for 123 ms: the nanoseconds without trailing zeros; empty for none. */
    private static String fraction(int nanos) {
        if (nanos == 0) {
            return "";
        }
        int digits = 9;
        while (nanos % 10 == 0) {
            nanos /= 10;
            digits--;
        }
        return pad(new StringBuilder(10).append('.'), nanos, digits).toString();
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
            // the checks LocalDateTime.of and ZoneOffset.ofTotalSeconds make (no leap second, offsets to ±18:00)
            if (month < 1 || month > 12 || day < 1 || day > lengthOfMonth(year, month) || hour > 23 || minute > 59
                    || second > 59 || Math.abs(offsetSeconds) > 18 * 3600) {
                return null;
            }
            long secondOfDay = hour * 3600L + minute * 60L + second;
            return Instant.ofEpochSecond(epochDay(year, month, day) * 86_400L + secondOfDay - offsetSeconds, nanos);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /*
     * Calendar arithmetic by hand, proleptic Gregorian as java.time's: LocalDateTime and its chronology load some
     * thirty classes, a millisecond of every command that reads the image store.
     */

    static boolean isLeap(long year) {
        return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    }

    static int lengthOfMonth(long year, int month) {
        return switch (month) {
            case 2 -> isLeap(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days from 1970-01-01 to the date (Howard Hinnant's days_from_civil). */
    static long epochDay(long year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }

    /** {year, month, day} of a day counted from 1970-01-01 (civil_from_days). */
    public static long[] civil(long epochDay) {
        long z = epochDay + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        return new long[] {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
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
