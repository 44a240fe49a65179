package dev.hoist.builder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of a COPY or ADD cache key that stands for its sources in the build context: what copying each
 * matched source would add, read from the context through the {@link StatCache}, so a warm build reads no
 * unchanged file and copies nothing before it knows the step is cached.
 */
final class CopyKeys {
    private CopyKeys() {
    }

    /**
     * A digest of the sources, with the status of each file and directory it read: the key is computed before
     * the copy, so {@link #changed} tells whether what was copied can still be what was hashed.
     */
    record Hashed(String digest, Map<Path, StatCache.Stamp> read) {
        Hashed {
            read = Map.copyOf(read);
        }

        /**
         * The files and directories whose status differs from when they were hashed (or that are gone), in no
         * particular order. The change time of {@code linked} files is not compared: linking them for the copy
         * moved it (see {@link CopyTree#linkingUnchanged}), while a write would also move their modification time.
         */
        List<Path> changed(Collection<Path> linked) {
            java.util.Set<Path> links = new java.util.HashSet<>(linked);
            List<Path> out = new ArrayList<>();
            for (Map.Entry<Path, StatCache.Stamp> e : read.entrySet()) {
                StatCache.Stamp now;
                try {
                    now = StatCache.Stamp.of(StatCache.stat(e.getKey()));
                } catch (IOException gone) {
                    out.add(e.getKey());
                    continue;
                }
                if (!e.getValue().sameAs(now, !links.contains(e.getKey()))) {
                    out.add(e.getKey());
                }
            }
            return out;
        }
    }

    /** A digest of the matched sources of {@code src} (in the order given), each with its files' content. */
    static Hashed digest(CopyTree src, List<String> matched, StatCache stats) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Map<Path, StatCache.Stamp> read = new LinkedHashMap<>();
        for (String m : matched) {
            md.update(("source\0" + m + "\0").getBytes(StandardCharsets.UTF_8));
            src.digest(m, stats, md, read);
        }
        return new Hashed(HexFormat.of().formatHex(md.digest()), read);
    }
}
