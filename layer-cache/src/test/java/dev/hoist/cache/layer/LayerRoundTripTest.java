package dev.hoist.cache.layer;

import dev.hoist.cache.BlobStore;
import dev.hoist.cache.BlobWriter;
import dev.hoist.cache.HoistRoot;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerRoundTripTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void writtenTreeAppliesToTheSameTree(Compression compression) throws Exception {
        Path src = Fixtures.richTree(tmp.resolve("src"));
        Fixtures.Written w = Fixtures.writeTree(compression, src);
        assertEquals(compression, LayerCompression.detect(w.bytes(), w.bytes().length));
        assertEquals(Digest.sha256(w.bytes()), w.layer().digest());
        assertEquals(w.bytes().length, w.layer().size());
        assertEquals(compression.ociLayerMediaType(), w.layer().mediaType());

        Path dst = tmp.resolve("dst");
        AppliedLayer applied = Fixtures.apply(w.bytes(), dst);
        assertEquals(w.layer().diffId(), applied.diffId());
        assertEquals(compression, applied.compression());
        assertEquals(TreeSnapshot.of(src), TreeSnapshot.of(dst));

        // the diffID is the digest of the uncompressed stream
        try (InputStream in = LayerCompression.decompress(new ByteArrayInputStream(w.bytes()))) {
            assertEquals(w.layer().diffId(), Digest.sha256(in.readAllBytes()));
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void writingIntoABlobWriterCommitsTheSameLayer(Compression compression) throws Exception {
        Path src = Fixtures.richTree(tmp.resolve("src"));
        LayerWriter writer = LayerWriter.builder().compression(compression).build();
        Fixtures.Written w = Fixtures.writeTree(writer, src);
        BlobStore blobs = BlobStore.onDisk(HoistRoot.at(tmp.resolve("root")));
        WrittenLayer committed;
        try (BlobWriter blob = blobs.writer()) {
            committed = writer.writeTree(src, blob);
        }
        assertEquals(w.layer(), committed);
        try (InputStream in = blobs.open(committed.digest())) {
            assertArrayEquals(w.bytes(), in.readAllBytes());
        }
    }

    @Test
    void treeHoldsWhatTheFixtureClaims() throws Exception {
        Map<String, String> s = TreeSnapshot.of(Fixtures.richTree(tmp.resolve("src")));
        assertTrue(s.get("setuid").contains("mode=4755"), s.get("setuid"));
        assertTrue(s.get("sticky").contains("mode=1777"), s.get("sticky"));
        assertTrue(s.get("setgid-dir").contains("mode=2775"), s.get("setgid-dir"));
        assertTrue(s.get("private").contains("owner=1234:5678"), s.get("private"));
        assertTrue(s.get("link").contains("owner=42:43"), s.get("link"));
        assertTrue(s.get("dir/hl2").contains("links=dir/hl2") || s.get("hl1").contains("links=dir/hl2"), s.toString());
        assertTrue(s.get("cap").contains("security.capability"), s.get("cap"));
        assertTrue(s.get("null-dev").startsWith("char") && s.get("null-dev").contains("dev=1,3"), s.get("null-dev"));
        assertTrue(s.get("fifo").startsWith("fifo"));
    }

    @Test
    void theSameTreeGivesTheSameBytes() throws Exception {
        Path src = Fixtures.richTree(tmp.resolve("src"));
        Fixtures.Written a = Fixtures.writeTree(Compression.GZIP, src);
        Fixtures.Written b = Fixtures.writeTree(LayerWriter.builder().parallelism(1).build(), src);
        ExecutorService many = Executors.newFixedThreadPool(8);
        try {
            Fixtures.Written c = Fixtures.writeTree(LayerWriter.builder().executor(many).parallelism(8).build(), src);
            assertArrayEquals(a.bytes(), c.bytes());
        } finally {
            many.shutdown();
        }
        assertArrayEquals(a.bytes(), b.bytes());
        assertEquals(a.layer(), b.layer());

        // a copy of the tree (other inodes, same content and metadata) gives the same layer
        Path copy = tmp.resolve("copy");
        Fixtures.apply(a.bytes(), copy);
        Fixtures.Written d = Fixtures.writeTree(Compression.GZIP, copy);
        assertEquals(a.layer(), d.layer());
        Fixtures.Written z1 = Fixtures.writeTree(Compression.ZSTD, src);
        Fixtures.Written z2 = Fixtures.writeTree(Compression.ZSTD, copy);
        assertArrayEquals(z1.bytes(), z2.bytes());
        assertEquals(a.layer().diffId(), z1.layer().diffId());
    }

    @Test
    void warmingUpChangesNoLayer() throws Exception {
        Path src = Fixtures.richTree(tmp.resolve("src"));
        LayerWriter writer = LayerWriter.builder().level(1).build();
        Fixtures.Written before = Fixtures.writeTree(writer, src);
        Thread[] racers = new Thread[3];
        for (int i = 0; i < racers.length; i++) {
            racers[i] = new Thread(writer::warmUp);
            racers[i].start();
        }
        for (Thread t : racers) {
            t.join();
        }
        LayerWriter.builder().build().warmUp();   // done already, by whichever writer
        Fixtures.Written after = Fixtures.writeTree(writer, src);
        assertArrayEquals(before.bytes(), after.bytes());
        assertEquals(before.layer(), after.layer());
    }

    @Test
    void entriesAreSortedAndNormalised() throws Exception {
        Path src = Fixtures.richTree(tmp.resolve("src"));
        Fixtures.Written w = Fixtures.writeTree(Compression.NONE, src);
        List<TarEntry> entries = entries(w.bytes());
        List<String> names = entries.stream().map(TarEntry::name).toList();
        for (int i = 1; i < names.size(); i++) {
            String prev = names.get(i - 1);
            String cur = names.get(i);
            assertTrue(LayerWriter.comparePaths(strip(prev).getBytes(), strip(cur).getBytes()) < 0, prev + " before " + cur);
        }
        assertTrue(names.indexOf("dir/") < names.indexOf("dir/sub/"));
        assertTrue(names.indexOf("dir/sub/") < names.indexOf("dir/sub/deep.txt"));
        // ends in two zero blocks
        byte[] tail = java.util.Arrays.copyOfRange(w.bytes(), w.bytes().length - 1024, w.bytes().length);
        assertArrayEquals(new byte[1024], tail);
        // a hard link names the first path written
        TarEntry hl = entries.stream().filter(e -> e.type() == TarEntry.Type.HARDLINK).findFirst().orElseThrow();
        assertEquals("dir/hl2", hl.linkName()); // "dir/hl2" sorts before "hl1"
        assertEquals("hl1", hl.name());
        // uname/gname are empty: commons-compress sees none
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new ByteArrayInputStream(w.bytes()))) {
            org.apache.commons.compress.archivers.tar.TarArchiveEntry e;
            int n = 0;
            while ((e = in.getNextEntry()) != null) {
                assertEquals("", e.getUserName(), e.getName());
                assertEquals("", e.getGroupName(), e.getName());
                assertEquals(null, e.getLastAccessTime(), e.getName());
                n++;
            }
            assertEquals(entries.size(), n);
        }
    }

    @Test
    void mtimesAreClampedToTheEpoch() throws Exception {
        Path src = Fixtures.richTree(tmp.resolve("src"));
        long epoch = 1_600_010_000L;
        LayerWriter w = LayerWriter.builder().compression(Compression.NONE).clampMtime(Instant.ofEpochSecond(epoch)).build();
        Fixtures.Written written = Fixtures.writeTree(w, src);
        boolean someEarlier = false;
        for (TarEntry e : entries(written.bytes())) {
            assertTrue(e.mtime() <= epoch, e.name() + " " + e.mtime());
            someEarlier |= e.mtime() < epoch;
        }
        assertTrue(someEarlier, "earlier times are kept");
        // touching a file to now does not change the layer
        Fixtures.setTime(src.resolve("a.txt"), Instant.now().getEpochSecond());
        assertEquals(written.layer(), Fixtures.writeTree(w, src).layer());
    }

    @Test
    void largeAndManyFilesSurviveTheParallelPaths() throws Exception {
        Path src = tmp.resolve("src");
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[r.nextInt(40_000)];
            for (int j = 0; j < b.length / 2; j++) {
                b[j] = (byte) r.nextInt();
            }
            Path p = src.resolve("d" + (i % 7)).resolve("f" + i);
            Files.createDirectories(p.getParent());
            Files.write(p, b);
        }
        byte[] huge = new byte[5 * 1024 * 1024];
        r.nextBytes(huge);
        Files.write(src.resolve("huge"), huge);
        Fixtures.Written w = Fixtures.writeTree(Compression.GZIP, src);
        Path dst = tmp.resolve("dst");
        LayerApplier.builder().writerThreads(3).build().apply(new ByteArrayInputStream(w.bytes()), Files.createDirectories(dst));
        assertEquals(TreeSnapshot.of(src), TreeSnapshot.of(dst));
    }

    @Test
    void bigFileHeadersUsePax() throws Exception {
        // a header for a 10 GiB file: the size goes into a pax record that other readers understand
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter tw = new TarWriter(out);
        long size = 10L * 1024 * 1024 * 1024;
        tw.writeHeader(new TarEntry("huge.img", TarEntry.Type.FILE, 0644, 3_000_000, 7, size, 1_700_000_000L, 0, "", 0, 0, null));
        byte[] header = out.toByteArray();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new ByteArrayInputStream(header))) {
            var e = in.getNextEntry();
            assertEquals("huge.img", e.getName());
            assertEquals(size, e.getSize());
            assertEquals(3_000_000L, e.getLongUserId());
        }
        TarEntry e = new TarReader(new ByteArrayInputStream(header)).next();
        assertEquals(size, e.size());
        assertEquals(3_000_000L, e.uid());
    }

    static List<TarEntry> entries(byte[] tar) throws IOException, LayerException {
        TarReader r = new TarReader(LayerCompression.decompress(new ByteArrayInputStream(tar)));
        List<TarEntry> out = new ArrayList<>();
        TarEntry e;
        while ((e = r.next()) != null) {
            out.add(e);
        }
        return out;
    }

    private static String strip(String name) {
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }
}
