package dev.hoist.cache;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileBlobStoreTest {
    @TempDir
    Path dir;
    HoistRoot root;
    BlobStore blobs;

    @BeforeEach
    void setUp() {
        root = HoistRoot.at(dir);
        blobs = BlobStore.onDisk(root);
    }

    @Test
    void putStatOpenListDelete() throws Exception {
        byte[] a = Content.bytes(1, 100_000);
        byte[] b = "hello".getBytes();
        BlobInfo ia = blobs.put(new ByteArrayInputStream(a));
        Descriptor db = blobs.put(MediaTypes.OCI_CONFIG, b);

        assertEquals(Digest.sha256(a), ia.digest());
        assertEquals(a.length, ia.size());
        assertEquals(new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(b), 5), db);
        assertEquals(a.length, blobs.stat(ia.digest()).orElseThrow().size());
        assertTrue(blobs.contains(db.digest()));
        try (InputStream in = blobs.open(ia.digest())) {
            assertArrayEquals(a, in.readAllBytes());
        }
        assertArrayEquals(b, blobs.readAllBytes(db.digest()));
        assertEquals(root.blobPath(ia.digest()), blobs.path(ia.digest()));
        assertArrayEquals(a, Files.readAllBytes(blobs.path(ia.digest())));

        List<Digest> listed = blobs.list().stream().map(BlobInfo::digest).toList();
        assertEquals(List.of(ia.digest(), db.digest()).stream().sorted().toList(), listed);

        assertTrue(blobs.delete(ia.digest()));
        assertFalse(blobs.delete(ia.digest()));
        assertTrue(blobs.stat(ia.digest()).isEmpty());
        assertThrows(BlobNotFoundException.class, () -> blobs.open(ia.digest()));
        assertThrows(BlobNotFoundException.class, () -> blobs.path(ia.digest()));
        assertEquals(List.of(db.digest()), blobs.list().stream().map(BlobInfo::digest).toList());
        assertTempEmpty();
    }

    @Test
    void putWithTheExpectedDigestAndSize() throws Exception {
        byte[] a = Content.bytes(2, 5000);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, a);
        assertEquals(d, blobs.put(d, new ByteArrayInputStream(a)));
        assertTrue(blobs.contains(d.digest()));
    }

    @Test
    void sha512BlobsLiveInTheirOwnDirectory() throws Exception {
        byte[] a = Content.bytes(3, 1000);
        Digest d = Digest.DigestAlgorithm.SHA512.digest(a);
        blobs.put(new ByteArrayInputStream(a), d, a.length);
        assertTrue(Files.isRegularFile(dir.resolve("blobs/sha512/" + d.hex())));
        assertArrayEquals(a, blobs.readAllBytes(d));
        assertEquals(List.of(d), blobs.list().stream().map(BlobInfo::digest).toList());
    }

    @Test
    void wrongDigestIsRefusedAndNothingIsStored() throws Exception {
        byte[] a = Content.bytes(4, 10_000);
        Digest wrong = Digest.sha256("something else");
        DigestMismatchException e = assertThrows(DigestMismatchException.class,
                () -> blobs.put(new ByteArrayInputStream(a), wrong, -1));
        assertEquals(wrong, e.expected());
        assertEquals(Digest.sha256(a), e.actual());
        assertTrue(e.getMessage().contains(wrong.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(Digest.sha256(a).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was stored"), e.getMessage());
        assertTrue(blobs.list().isEmpty());
        assertTrue(blobs.stat(wrong).isEmpty());
        assertTrue(blobs.stat(Digest.sha256(a)).isEmpty());
        assertTempEmpty();
    }

    @Test
    void wrongSizeIsRefused() throws Exception {
        byte[] a = Content.bytes(5, 10_000);
        Digest d = Digest.sha256(a);
        // too long: reading stops once it has more than promised
        DigestMismatchException longer = assertThrows(DigestMismatchException.class,
                () -> blobs.put(new ByteArrayInputStream(a), d, 100));
        assertNull(longer.actual());
        // too short
        DigestMismatchException shorter = assertThrows(DigestMismatchException.class,
                () -> blobs.put(new ByteArrayInputStream(a), null, 20_000));
        assertEquals(d, shorter.actual());
        assertEquals(10_000, shorter.actualSize());
        assertTrue(blobs.list().isEmpty());
        assertTempEmpty();
    }

    @Test
    void failingSourceStoresNothing() throws IOException {
        InputStream broken = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 1000) {
                    throw new IOException("connection reset");
                }
                return 7;
            }
        };
        IOException e = assertThrows(IOException.class, () -> blobs.put(broken));
        assertEquals("connection reset", e.getMessage());
        assertTempEmpty();
    }

    @Test
    void writerCommitsContentKnownOnlyAtTheEnd() throws Exception {
        BlobInfo info;
        try (BlobWriter w = blobs.writer()) {
            try (OutputStream gz = new GZIPOutputStream(w.stream())) {
                gz.write(Content.bytes(6, 50_000));
            }
            assertTrue(blobs.list().isEmpty(), "nothing is visible before commit");
            info = w.commit(null);
            assertEquals(info.size(), w.size());
        }
        byte[] stored = blobs.readAllBytes(info.digest());
        assertEquals(Digest.sha256(stored), info.digest());
        assertEquals(stored.length, info.size());
        assertTempEmpty();
    }

    @Test
    void writerRefusesAMismatchAndAborts() throws Exception {
        try (BlobWriter w = blobs.writer()) {
            w.stream().write("abc".getBytes());
            assertThrows(DigestMismatchException.class, () -> w.commit(Digest.sha256("abd")));
            assertThrows(IllegalStateException.class, () -> w.commit(null));
            assertThrows(IOException.class, () -> w.stream().write(1));
        }
        try (BlobWriter w = blobs.writer()) {
            w.stream().write("abc".getBytes());
            assertThrows(DigestMismatchException.class, () -> w.commit(Digest.sha256("abc"), 4));
        }
        assertTrue(blobs.list().isEmpty());
        assertTempEmpty();
    }

    @Test
    void abortAndCloseDiscard() throws Exception {
        BlobWriter w = blobs.writer();
        w.stream().write(Content.bytes(7, 1000));
        w.abort();
        w.abort();
        try (BlobWriter w2 = blobs.writer()) {
            w2.stream().write(1);
        }
        assertTrue(blobs.list().isEmpty());
        assertTempEmpty();
    }

    @Test
    void corruptBlobIsDetectedOnReadAndByVerify() throws Exception {
        byte[] a = Content.bytes(8, 200_000);
        Digest d = blobs.put(new ByteArrayInputStream(a)).digest();
        assertEquals(d, blobs.verify(d).digest());
        flipByte(root.blobPath(d), 123_456);

        CorruptBlobException onRead;
        try (InputStream in = blobs.open(d)) {
            onRead = assertThrows(CorruptBlobException.class, in::readAllBytes);
        }
        Digest actual = onRead.actual();
        assertEquals(d, onRead.digest());
        assertFalse(d.equals(actual));
        assertEquals("blob " + d + " is corrupt on disk (hashes to " + actual
                + "); run `hoist prune --verify` to remove it, then pull the image again", onRead.getMessage());

        CorruptBlobException onVerify = assertThrows(CorruptBlobException.class, () -> blobs.verify(d));
        assertEquals(actual, onVerify.actual());
        assertThrows(CorruptBlobException.class, () -> blobs.readAllBytes(d));
    }

    @Test
    void truncatedBlobIsCorrupt() throws Exception {
        Digest d = blobs.put(new ByteArrayInputStream(Content.bytes(9, 1000))).digest();
        Path p = root.blobPath(d);
        p.toFile().setWritable(true);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(999);
        }
        assertThrows(CorruptBlobException.class, () -> blobs.verify(d));
    }

    @Test
    void putAgainRepairsACorruptBlob() throws Exception {
        byte[] a = Content.bytes(10, 3000);
        Digest d = blobs.put(new ByteArrayInputStream(a)).digest();
        flipByte(root.blobPath(d), 5);
        blobs.put(new ByteArrayInputStream(a), d, a.length);
        assertEquals(d, blobs.verify(d).digest());
    }

    @Test
    void aReaderOpenedBeforeDeleteKeepsReading() throws Exception {
        byte[] a = Content.bytes(11, 300_000);
        Digest d = blobs.put(new ByteArrayInputStream(a)).digest();
        try (InputStream in = blobs.open(d)) {
            blobs.delete(d);
            assertArrayEquals(a, in.readAllBytes());
        }
    }

    @Test
    void concurrentWritersOfTheSameAndOfDifferentBlobs() throws Exception {
        int threads = 8;
        byte[] same = Content.bytes(12, 2 * 1024 * 1024);
        Digest sameDigest = Digest.sha256(same);
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Digest>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = 100 + t;
                results.add(pool.submit(() -> {
                    start.await();
                    Digest s = blobs.put(new ByteArrayInputStream(same), sameDigest, same.length).digest();
                    byte[] own = Content.bytes(seed, 300_000);
                    Digest o;
                    try (BlobWriter w = blobs.writer()) {
                        for (int off = 0; off < own.length; off += 1000) {
                            w.stream().write(own, off, Math.min(1000, own.length - off));
                        }
                        o = w.commit(Digest.sha256(own)).digest();
                    }
                    return List.of(s, o);
                }));
            }
            for (Future<List<Digest>> f : results) {
                assertEquals(sameDigest, f.get().get(0));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads + 1, blobs.list().size());
        for (BlobInfo b : blobs.list()) {
            blobs.verify(b.digest());
        }
        assertTempEmpty();
    }

    @Test
    void readersNeverSeeAPartialBlob() throws Exception {
        byte[] a = Content.bytes(13, 4 * 1024 * 1024);
        Digest d = Digest.sha256(a);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger seen = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch readerStarted = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            readerStarted.countDown();
            while (!done.get() || seen.get() == 0) {
                try {
                    if (blobs.stat(d).isPresent()) {
                        // whatever is visible is whole: reading to the end verifies it
                        assertEquals(a.length, blobs.readAllBytes(d).length);
                        seen.incrementAndGet();
                    }
                } catch (StoreException | RuntimeException | AssertionError e) {
                    failure.set(e);
                    return;
                }
            }
        });
        reader.start();
        readerStarted.await();
        try (BlobWriter w = blobs.writer()) {
            for (int off = 0; off < a.length; off += 4096) {
                w.stream().write(a, off, 4096);
                w.stream().flush();
            }
            w.commit(d);
        }
        done.set(true);
        reader.join();
        assertNull(failure.get());
        assertTrue(seen.get() > 0);
    }

    static void flipByte(Path p, long at) throws IOException {
        p.toFile().setWritable(true);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
    }

    private void assertTempEmpty() throws IOException {
        if (Files.isDirectory(root.tmpDir())) {
            try (var s = Files.list(root.tmpDir())) {
                assertEquals(List.of(), s.toList());
            }
        }
    }
}
