package dev.hoist.cache;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.Locale;

/** Turns low-level I/O failures under a hoist root into messages that tell the user what to do. */
final class StoreErrors {
    private StoreErrors() {
    }

    /**
     * A failure while writing {@code what} under {@code root}, after which nothing was stored.
     * A {@link StoreException} passes through unchanged.
     */
    static StoreException writing(HoistRoot root, String what, IOException e) {
        return failed(root, "writing " + what, "nothing was stored", e);
    }

    /**
     * A failure while {@code doing} something under {@code root} (e.g. "removing blob sha256:…"), with
     * {@code outcome} saying what state it left (e.g. "nothing was removed").
     */
    static StoreException failed(HoistRoot root, String doing, String outcome, IOException e) {
        if (e instanceof StoreException se) {
            return se;
        }
        String text = describe(e).toLowerCase(Locale.ROOT);
        String where = "hoist root " + root.path();
        String other = "choose another root with --root or " + HoistRoot.ENV;
        if (text.contains("no space left") || text.contains("quota exceeded")) {
            return new StoreException("no space left on the filesystem of " + where + " while " + doing
                    + "; " + outcome + ". Free some space (`hoist prune` removes unused blobs) or " + other, e);
        }
        if (e instanceof AccessDeniedException || text.contains("permission denied")
                || text.contains("operation not permitted")) {
            return new StoreException("permission denied while " + doing + " under " + where + "; " + outcome
                    + ". Run hoist as the user who owns " + root.path() + ", or " + other, e);
        }
        if (text.contains("read-only file system")) {
            return new StoreException(where + " is on a read-only filesystem, failed " + doing + "; " + outcome
                    + ". Remount it read-write or " + other, e);
        }
        return new StoreException("failed " + doing + " under " + where + ": " + describe(e) + "; " + outcome, e);
    }

    /** A failure while reading {@code what} under {@code root}. */
    static StoreException reading(HoistRoot root, String what, IOException e) {
        if (e instanceof StoreException se) {
            return se;
        }
        String text = describe(e).toLowerCase(Locale.ROOT);
        if (e instanceof AccessDeniedException || text.contains("permission denied")) {
            return new StoreException("permission denied reading " + what + " under hoist root " + root.path()
                    + "; run hoist as the user who owns it, or choose another root with --root or "
                    + HoistRoot.ENV, e);
        }
        return new StoreException("cannot read " + what + " under hoist root " + root.path() + ": "
                + describe(e), e);
    }

    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t instanceof FileSystemException fse && fse.getReason() != null
                    ? fse.getFile() + ": " + fse.getReason()
                    : t.getMessage();
            if (m == null) {
                m = t.getClass().getSimpleName();
            }
            if (sb.indexOf(m) < 0) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(m);
            }
        }
        return sb.toString();
    }
}
