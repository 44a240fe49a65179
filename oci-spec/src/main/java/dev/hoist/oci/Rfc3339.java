package dev.hoist.oci;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Timestamps as Go's time.RFC3339Nano writes them (UTC, trailing zeros of the fraction dropped). Stateless. */
final class Rfc3339 {
    private Rfc3339() {
    }

    static String format(Instant instant) {
        OffsetDateTime t = instant.atOffset(ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").format(t));
        int nanos = t.getNano();
        if (nanos != 0) {
            String frac = String.format("%09d", nanos);
            int end = frac.length();
            while (frac.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(frac, 0, end);
        }
        return sb.append('Z').toString();
    }

    /** Parses an RFC 3339 timestamp with any offset; null if {@code text} is null or not a timestamp. */
    static Instant parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
