package dev.hoist.builder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The part of a COPY or ADD cache key that stands for its sources in the build context: what copying each
 * matched source would add, read from the context through the {@link StatCache}, so a warm build reads no
 * unchanged file and copies nothing before it knows the step is cached.
 */
final class CopyKeys {
    private CopyKeys() {
    }

    /** A digest of the matched sources of {@code src} (in the order given), each with its files' content. */
    static String digest(CopyTree src, List<String> matched, StatCache stats) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (String m : matched) {
            md.update(("source\0" + m + "\0").getBytes(StandardCharsets.UTF_8));
            src.digest(m, stats, md);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
