package dev.hoist.cache;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class StoreErrorsTest {
    private final HoistRoot root = HoistRoot.at(Path.of("/var/lib/hoist"));

    @Test
    void diskFullSaysWhichRootAndThatNothingWasStored() {
        StoreException e = StoreErrors.writing(root, "a blob", new IOException("No space left on device"));
        assertEquals("no space left on the filesystem of hoist root /var/lib/hoist while writing a blob; nothing was"
                + " stored. Free some space (`hoist prune` removes unused blobs) or choose another root with --root"
                + " or HOIST_ROOT", e.getMessage());
    }

    @Test
    void quotaCountsAsFull() {
        StoreException e = StoreErrors.writing(root, "a blob",
                new FileSystemException("/var/lib/hoist/tmp/x", null, "Disk quota exceeded"));
        assertEquals(true, e.getMessage().startsWith("no space left"), e.getMessage());
    }

    @Test
    void permissionDenied() {
        StoreException e = StoreErrors.failed(root, "removing blob sha256:ab", "it is still there",
                new AccessDeniedException("/var/lib/hoist/blobs/sha256/ab"));
        assertEquals("permission denied while removing blob sha256:ab under hoist root /var/lib/hoist; it is still"
                + " there. Run hoist as the user who owns /var/lib/hoist, or choose another root with --root or"
                + " HOIST_ROOT", e.getMessage());
    }

    @Test
    void readOnlyFilesystem() {
        StoreException e = StoreErrors.writing(root, "the image store",
                new FileSystemException("/var/lib/hoist/images.json", null, "Read-only file system"));
        assertEquals("hoist root /var/lib/hoist is on a read-only filesystem, failed writing the image store; nothing"
                + " was stored. Remount it read-write or choose another root with --root or HOIST_ROOT", e.getMessage());
    }

    @Test
    void otherFailuresKeepTheirDetail() {
        StoreException e = StoreErrors.writing(root, "a blob", new IOException("Input/output error"));
        assertEquals("failed writing a blob under hoist root /var/lib/hoist: Input/output error; nothing was stored",
                e.getMessage());
        StoreException already = new StoreException("x");
        assertSame(already, StoreErrors.writing(root, "a blob", already));
    }
}
