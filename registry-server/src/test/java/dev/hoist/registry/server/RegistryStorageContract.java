package dev.hoist.registry.server;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.distribution.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link RegistryStorage} must do. An implementation's test extends this and says how to open
 * (and reopen, over the same data) a storage.
 */
abstract class RegistryStorageContract {
    protected RegistryStorage storage;

    /** A storage over fresh data. */
    protected abstract RegistryStorage open() throws IOException;

    /** Closes {@code s} and opens a storage over the same data, as after a restart. */
    protected abstract RegistryStorage reopen(RegistryStorage s) throws IOException;

    @BeforeEach
    void setUp() throws IOException {
        storage = open();
    }

    @AfterEach
    void tearDown() throws IOException {
        storage.close();
    }

    static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    BlobInfo put(String repo, String content) throws Exception {
        RegistryStorage.UploadStatus u = storage.startUpload(repo);
        storage.appendUpload(repo, u.id(), 0, -1, Long.MAX_VALUE, in(content));
        return storage.finishUpload(repo, u.id(), Digest.sha256(content));
    }

    static String read(RegistryStorage.BlobContent c) throws IOException {
        try (c) {
            ByteBuffer bb = ByteBuffer.allocate((int) c.size());
            while (bb.hasRemaining() && c.channel().read(bb) > 0) {
                // reading
            }
            return new String(bb.array(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void blobsAreVisiblePerRepository() throws Exception {
        BlobInfo b = put("a/repo", "content");
        assertEquals(7, b.size());
        assertEquals(b, storage.statBlob("a/repo", b.digest()));
        assertEquals(b, storage.statBlob(b.digest()));
        assertNull(storage.statBlob("b/repo", b.digest()));
        assertNull(storage.openBlob("b/repo", b.digest()));
        assertEquals("content", read(storage.openBlob("a/repo", b.digest())));
        assertEquals(b, storage.linkBlob("b/repo", b.digest()));
        assertEquals("content", read(storage.openBlob("b/repo", b.digest())));
        assertNull(storage.linkBlob("b/repo", Digest.sha256("absent")));
        assertTrue(storage.unlinkBlob("a/repo", b.digest()));
        assertFalse(storage.unlinkBlob("a/repo", b.digest()));
        assertNull(storage.statBlob("a/repo", b.digest()));
        assertNotNull(storage.statBlob("b/repo", b.digest()));
        assertEquals(Set.of(b.digest()), storage.blobLinks("b/repo"));
    }

    @Test
    void chunksAppendInOrderRefusedChunksLeaveNoTraceCutOnesKeepWhatArrived() throws Exception {
        RegistryStorage.UploadStatus u = storage.startUpload("r");
        assertEquals(0, u.offset());
        assertEquals(5, storage.appendUpload("r", u.id(), 0, 5, 100, in("hello")).offset());
        RegistryException gap = assertThrows(RegistryException.class, () -> storage.appendUpload("r", u.id(), 7, -1, 100, in("x")));
        assertEquals(416, gap.status());
        RegistryException longer = assertThrows(RegistryException.class, () -> storage.appendUpload("r", u.id(), 5, 2, 100, in("abc")));
        assertEquals(ErrorCode.SIZE_INVALID, longer.code());
        RegistryException shorter = assertThrows(RegistryException.class, () -> storage.appendUpload("r", u.id(), 5, 9, 100, in("abc")));
        assertEquals(ErrorCode.SIZE_INVALID, shorter.code());
        RegistryException tooBig = assertThrows(RegistryException.class, () -> storage.appendUpload("r", u.id(), -1, -1, 8, in("abcd")));
        assertEquals(413, tooBig.status());
        InputStream failing = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ < 3) {
                    return 'z';
                }
                throw new IOException("client went away");
            }
        };
        // Data that fails midway (the client went away): what arrived is kept, to resume from.
        assertThrows(IOException.class, () -> storage.appendUpload("r", u.id(), -1, -1, 100, failing));
        assertEquals(8, storage.uploadStatus("r", u.id()).offset());
        storage.appendUpload("r", u.id(), 8, -1, 100, in(" world"));
        RegistryException bad = assertThrows(RegistryException.class, () -> storage.finishUpload("r", u.id(), Digest.sha256("nope")));
        assertEquals(ErrorCode.DIGEST_INVALID, bad.code());
        assertEquals(14, storage.uploadStatus("r", u.id()).offset());
        BlobInfo b = storage.finishUpload("r", u.id(), Digest.sha256("hellozzz world"));
        assertEquals("hellozzz world", read(storage.openBlob("r", b.digest())));
        RegistryException ended = assertThrows(RegistryException.class, () -> storage.uploadStatus("r", u.id()));
        assertEquals(ErrorCode.BLOB_UPLOAD_UNKNOWN, ended.code());
    }

    @Test
    void uploadsBelongToTheirRepositoryAndCanBeCancelled() throws Exception {
        RegistryStorage.UploadStatus u = storage.startUpload("r");
        assertEquals(ErrorCode.BLOB_UPLOAD_UNKNOWN, assertThrows(RegistryException.class, () -> storage.uploadStatus("other", u.id())).code());
        assertEquals(ErrorCode.BLOB_UPLOAD_UNKNOWN, assertThrows(RegistryException.class, () -> storage.uploadStatus("r", "../../x")).code());
        assertEquals(1, storage.uploads().size());
        storage.cancelUpload("r", u.id());
        assertEquals(0, storage.uploads().size());
        assertThrows(RegistryException.class, () -> storage.appendUpload("r", u.id(), 0, -1, 10, in("x")));
    }

    @Test
    void uploadsSurviveARestartAndResume() throws Exception {
        RegistryStorage.UploadStatus u = storage.startUpload("r");
        storage.appendUpload("r", u.id(), 0, -1, 100, in("first "));
        storage = reopen(storage);
        assertEquals(6, storage.uploadStatus("r", u.id()).offset());
        storage.appendUpload("r", u.id(), 6, -1, 100, in("second"));
        Digest d512 = Digest.DigestAlgorithm.SHA512.digest("first second".getBytes(StandardCharsets.UTF_8));
        BlobInfo b = storage.finishUpload("r", u.id(), d512);
        assertEquals("first second", read(storage.openBlob("r", b.digest())));
    }

    @Test
    void staleUploadsExpire() throws Exception {
        RegistryStorage.UploadStatus old = storage.startUpload("r");
        assertEquals(0, storage.expireUploads(Instant.now().minusSeconds(60)));
        assertEquals(1, storage.expireUploads(Instant.now().plusSeconds(1)));
        assertThrows(RegistryException.class, () -> storage.uploadStatus("r", old.id()));
    }

    @Test
    void anUploadEndedWhileItsStatusIsReadStaysEnded() throws Exception {
        // A status read that comes while a session is expired or cancelled must not bring it back from its
        // directory: a session nothing lists any more, which no expiry would ever end.
        AtomicReference<String> polled = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread poller = new Thread(() -> {
            while (!stop.get()) {
                String id = polled.get();
                if (id == null) {
                    Thread.onSpinWait();
                    continue;
                }
                try {
                    storage.uploadStatus("r", id);
                } catch (RegistryException | IOException e) {
                    // ended
                }
            }
        }, "upload-status-poller");
        poller.start();
        try {
            for (int i = 0; i < 300; i++) {
                String id = storage.startUpload("r").id();
                polled.set(id);
                if (i % 2 == 0) {
                    int expired = 0;
                    while (expired == 0) {
                        expired = storage.expireUploads(Instant.now().plusSeconds(60)); // 0 while a read holds it
                    }
                    assertEquals(1, expired);
                } else {
                    storage.cancelUpload("r", id);
                }
                RegistryException e = assertThrows(RegistryException.class, () -> storage.uploadStatus("r", id),
                        "round " + i + ": the " + (i % 2 == 0 ? "expired" : "cancelled") + " upload came back");
                assertEquals(ErrorCode.BLOB_UPLOAD_UNKNOWN, e.code());
            }
        } finally {
            stop.set(true);
            poller.join();
        }
        assertEquals(List.of(), storage.uploads());
    }

    static StoredManifest manifest(String text, Digest subject) throws Exception {
        Descriptor config = Descriptor.of(MediaTypes.OCI_CONFIG, text.getBytes(StandardCharsets.UTF_8));
        ImageManifest.Builder b = ImageManifest.builder().config(config).artifactType("application/x-" + text);
        if (subject != null) {
            b.subject(new Descriptor(MediaTypes.OCI_MANIFEST, subject, 10));
        }
        ImageManifest m = b.build();
        return Manifests.stored(m, m.digest());
    }

    @Test
    void manifestsTagsAndReferrers() throws Exception {
        StoredManifest m = manifest("one", null);
        storage.putManifest("app", m, List.of("v1", "latest"));
        assertArrayEquals(m.bytes(), storage.getManifest("app", m.digest()).bytes());
        assertNull(storage.getManifest("other", m.digest()));
        assertEquals(m.digest(), storage.resolveTag("app", "v1"));
        assertNull(storage.resolveTag("app", "v2"));
        assertEquals(List.of("latest", "v1"), storage.tags("app"));
        assertNull(storage.tags("nothing"));
        assertEquals(Set.of(m.digest()), storage.revisions("app"));
        assertTrue(storage.repositories().contains("app"));

        StoredManifest two = manifest("two", null);
        storage.putManifest("app", two, List.of("v1"));
        assertEquals(two.digest(), storage.resolveTag("app", "v1"));
        assertTrue(storage.deleteTag("app", "latest"));
        assertFalse(storage.deleteTag("app", "latest"));
        assertNotNull(storage.getManifest("app", m.digest()));

        StoredManifest ref = manifest("sig", two.digest());
        storage.putManifest("app", ref, List.of());
        assertEquals(List.of(ref.digest()), storage.referrers("app", two.digest()).stream().map(StoredManifest::digest).toList());
        assertEquals("application/x-sig", storage.referrers("app", two.digest()).get(0).artifactType());
        assertTrue(storage.deleteManifest("app", ref.digest()));
        assertEquals(List.of(), storage.referrers("app", two.digest()));

        assertTrue(storage.deleteManifest("app", two.digest()));
        assertNull(storage.resolveTag("app", "v1"));
        assertFalse(storage.deleteManifest("app", two.digest()));

        storage = reopen(storage);
        assertNotNull(storage.getManifest("app", m.digest()));
        assertNull(storage.getManifest("app", two.digest()));
        assertEquals(List.of(), storage.tags("app"));
    }

    @Test
    void deletingABlobRemovesItEverywhere() throws Exception {
        BlobInfo b = put("x", "shared");
        storage.linkBlob("y", b.digest());
        assertTrue(storage.blobs().contains(b));
        assertNotNull(storage.blobModified(b.digest()));
        storage.deleteBlob(b.digest());
        assertNull(storage.statBlob(b.digest()));
        assertNull(storage.statBlob("y", b.digest()));
        assertFalse(storage.blobs().contains(b));
        assertNull(storage.blobModified(b.digest()));
    }

    @Test
    void concurrentUploadsOfTheSameBlob() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<BlobInfo>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String repo = "c" + (i % 4);
                fs.add(pool.submit(() -> put(repo, "same content for all")));
            }
            for (Future<BlobInfo> f : fs) {
                assertEquals(Digest.sha256("same content for all"), f.get().digest());
            }
            for (int i = 0; i < 4; i++) {
                assertEquals("same content for all", read(storage.openBlob("c" + i, Digest.sha256("same content for all"))));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
