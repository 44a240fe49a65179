package dev.hoist.cache.layer;

import java.io.IOException;
import java.nio.file.Path;

/** Reads overlayfs's markers in a layer directory: whiteouts (0/0 character devices) and opaque directories. */
public final class OverlayMarkers {
    private OverlayMarkers() {
    }

    /** Whether {@code p} is a whiteout: a character device with device number 0/0. */
    public static boolean isWhiteout(Path p) throws IOException {
        FileStat st = FileStat.of(p);
        return st.isCharDevice() && st.rdev() == 0;
    }

    /** Whether the directory {@code dir} is marked opaque (hides what lower layers have in it). */
    public static boolean isOpaque(Path dir) throws IOException {
        for (String name : new String[] {"trusted.overlay.opaque", "user.overlay.opaque"}) {
            byte[] v = Posix.lgetxattr(dir, name);
            if (v != null && v.length >= 1 && v[0] == 'y') {
                return true;
            }
        }
        return false;
    }
}
