package dev.hoist.oci;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class Rfc3339Test {
    @Test
    void parsesWhatDockerAndGoWrite() {
        for (String s : new String[] {"2026-11-22T19:35:30.480614832Z", "1970-01-01T00:00:00Z", "2024-02-29T23:59:59.5+02:00",
                "2015-10-31T22:22:56.015925234Z", "2019-01-01T01:02:03.1-07:30", "2020-06-01t10:00:00z"}) {
            assertEquals(OffsetDateTime.parse(s.toUpperCase()).toInstant(), Rfc3339.parse(s), s);
        }
    }

    @Test
    void refusesWhatIsNotATimestamp() {
        for (String s : new String[] {"", "yesterday", "2026-11-22", "2026-11-22T19:35:30", "2026-13-01T00:00:00Z",
                "2026-02-30T00:00:00Z", "2026-11-22T19:35:30.Z", "2026-11-22T19:35:30.1234567890Z", "2026-11-22T19:35:30+0200",
                "2026-11-22T19:35:30Zjunk", "2026-11-22 19:35:30Z"}) {
            assertNull(Rfc3339.parse(s), s);
        }
        assertNull(Rfc3339.parse(null));
    }

    @Test
    void roundTripsWithFormat() {
        Instant t = Instant.parse("2026-11-22T19:35:30.480614832Z");
        assertEquals(t, Rfc3339.parse(Rfc3339.format(t)));
        assertEquals("1970-01-01T00:00:00Z", Rfc3339.format(Instant.EPOCH));
        assertEquals("0001-02-03T04:05:06.00789Z", Rfc3339.format(Instant.parse("0001-02-03T04:05:06.00789Z")));
        assertEquals("2024-12-31T23:59:59.999999999Z", Rfc3339.format(Instant.parse("2024-12-31T23:59:59.999999999Z")));
        assertEquals("2024-06-01T10:00:00.1Z", Rfc3339.format(Instant.parse("2024-06-01T10:00:00.100Z")));
        assertEquals("+10000-01-01T00:00:00Z", Rfc3339.format(Instant.parse("+10000-01-01T00:00:00Z")));
    }

    /** The hand-written calendar must agree with java.time's, which parse and format used before. */
    @Test
    void agreesWithJavaTimeOnRandomTimestamps() {
        java.util.Random r = new java.util.Random(3339);
        for (int n = 0; n < 200_000; n++) {
            int year = r.nextInt(10) == 0 ? r.nextInt(10_000) : 1900 + r.nextInt(250);
            int month = r.nextInt(14);
            int day = r.nextInt(33);
            int hour = r.nextInt(26);
            int minute = r.nextInt(62);
            int second = r.nextInt(62);
            String frac = r.nextBoolean() ? "" : "." + String.format("%09d", r.nextInt(1_000_000_000)).substring(0, 1 + r.nextInt(9));
            int off = r.nextInt(4) == 0 ? 0 : r.nextInt(40 * 3600) - 20 * 3600;
            String zone = off == 0 && r.nextBoolean() ? "Z"
                    : String.format("%s%02d:%02d", off < 0 ? "-" : "+", Math.abs(off) / 3600, Math.abs(off) / 60 % 60);
            String text = String.format("%04d-%02d-%02dT%02d:%02d:%02d%s%s", year, month, day, hour, minute, second, frac, zone);
            assertEquals(javaTime(text), Rfc3339.parse(text), text);
            Instant t = Instant.ofEpochSecond(r.nextLong() % 253_402_300_799L, r.nextInt(1_000_000_000));
            if (t.getEpochSecond() >= -62_167_219_200L) {
                assertEquals(t, Rfc3339.parse(Rfc3339.format(t)), t.toString());
                assertEquals(java.time.format.DateTimeFormatter.ISO_INSTANT.format(t).replaceAll("(\\.\\d*?)0+Z$", "$1Z")
                        .replaceAll("\\.Z$", "Z"), Rfc3339.format(t), t.toString());
            }
        }
    }

    private static Instant javaTime(String text) {
        try {
            OffsetDateTime t = OffsetDateTime.parse(text);
            return t.getSecond() == 60 ? null : t.toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
