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
}
