package dev.hoist.cache.archive;

import java.io.IOException;

/**
 * An image archive or layout is unusable: not a tar, incomplete, inconsistent or hostile. Nothing was tagged;
 * blobs already stored stay until {@code hoist prune}. The message names the file and what is wrong with it.
 */
public class ArchiveException extends IOException {

    public ArchiveException(String message) {
        super(message);
    }

    public ArchiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
