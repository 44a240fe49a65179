package dev.hoist.registry.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The storage contract on the filesystem, and what is particular to it: the lock, the layout. */
class FilesystemStorageTest extends RegistryStorageContract {
    @TempDir
    Path dir;

    @Override
    protected RegistryStorage open() throws IOException {
        return RegistryStorage.filesystem(dir, new StorageOptions(true, 1 << 20));
    }

    @Override
    protected RegistryStorage reopen(RegistryStorage s) throws IOException {
        s.close();
        return open();
    }

    @Test
    void oneProcessAtATime() {
        IOException e = assertThrows(IOException.class, this::open);
        assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }

    @Test
    void layoutAsTheCncfRegistry() throws Exception {
        BlobInfo b = put("team/app", "layout");
        assertTrue(Files.isRegularFile(dir.resolve("blobs/sha256/" + b.digest().hex().substring(0, 2) + "/" + b.digest().hex())));
        assertTrue(Files.exists(dir.resolve("repositories/team/app/_layers/sha256/" + b.digest().hex())));
        try (var s = Files.list(dir.resolve("tmp"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void aChunkCutByACrashIsNotPartOfTheUpload() throws Exception {
        RegistryStorage.UploadStatus u = storage.startUpload("r");
        storage.appendUpload("r", u.id(), 0, -1, 100, in("acknowledged"));
        storage.close();
        // What a killed process leaves: bytes of a chunk that was never acknowledged.
        Files.writeString(dir.resolve("uploads").resolve(u.id()).resolve("data"), "acknowledged + half a chunk");
        storage = open();
        assertEquals(12, storage.uploadStatus("r", u.id()).offset());
        storage.appendUpload("r", u.id(), 12, -1, 100, in("!"));
        assertEquals("acknowledged!", read(storage.openBlob("r", storage.finishUpload("r", u.id(),
                dev.hoist.oci.Digest.sha256("acknowledged!")).digest())));
    }
}
