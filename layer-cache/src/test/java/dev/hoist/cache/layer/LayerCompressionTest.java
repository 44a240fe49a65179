package dev.hoist.cache.layer;

import dev.hoist.oci.MediaTypes.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerCompressionTest {
    private static final int B = ParallelGzipOutputStream.BLOCK_SIZE;

    static byte[] mixed(int size, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        int i = 0;
        while (i < size) {
            int run = Math.min(size - i, 1 + r.nextInt(40_000));
            boolean random = r.nextBoolean();
            for (int j = 0; j < run; j++) {
                b[i + j] = random ? (byte) r.nextInt() : (byte) ("layer text " + (j % 97)).charAt(j % 10);
            }
            i += run;
        }
        return b;
    }

    static byte[] gzip(byte[] data, int level, int chunk, ExecutorService pool, int parallelism) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = pool == null ? LayerCompression.compress(out, Compression.GZIP, level)
                : LayerCompression.compress(out, Compression.GZIP, level, pool, parallelism)) {
            for (int off = 0; off < data.length; off += chunk) {
                z.write(data, off, Math.min(chunk, data.length - off));
            }
        }
        return out.toByteArray();
    }

    static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4095, 4096, 32 * 1024, B - 1, B, B + 1, 3 * B + 12345})
    void gzipRoundTripsAndDoesNotDependOnThreadsOrWriteSizes(int size) throws Exception {
        byte[] data = mixed(size, size);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            byte[] single = gzip(data, 6, 8192, null, 1);
            assertArrayEquals(data, gunzip(single));
            if (size <= B + 1) {
                assertArrayEquals(single, gzip(data, 6, 1, pool, 4));
            }
            assertArrayEquals(single, gzip(data, 6, 1 + size / 3, pool, 4));
            assertArrayEquals(single, gzip(data, 6, 1 << 20, pool, 2));
            // header: no name, no time, OS unknown
            assertArrayEquals(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff}, Arrays.copyOf(single, 10));
        } finally {
            pool.shutdown();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 6, 9})
    void everyLevelDecompresses(int level) throws Exception {
        byte[] data = mixed(2 * B + 999, 7);
        assertArrayEquals(data, gunzip(gzip(data, level, 65536, null, 1)));
    }

    @Test
    void randomDataIsStoredAndRepetitiveDataIsDeflated() throws Exception {
        byte[] random = new byte[4 * B];
        new Random(3).nextBytes(random);
        byte[] gz = gzip(random, 6, 65536, null, 1);
        assertArrayEquals(random, gunzip(gz));
        assertTrue(gz.length < random.length * 1.001 + 100, "stored: " + gz.length);
        byte[] text = new byte[4 * B];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) "the quick brown fox jumps over the lazy dog\n".charAt(i % 44);
        }
        byte[] gzText = gzip(text, 6, 65536, null, 1);
        assertArrayEquals(text, gunzip(gzText));
        assertTrue(gzText.length < text.length / 50, "deflated: " + gzText.length);
        // a repeat of data just before a block boundary is found across the boundary (dictionary)
        byte[] twice = new byte[2 * B];
        byte[] chunk = new byte[20_000];
        Random r = new Random(4);
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) ('a' + r.nextInt(26)); // about 4.7 bits a byte: deflate saves ~40% on its own
        }
        Arrays.fill(twice, (byte) 'x');
        System.arraycopy(chunk, 0, twice, B - 20_000, 20_000);
        System.arraycopy(chunk, 0, twice, B, 20_000);
        byte[] gzTwice = gzip(twice, 6, 65536, null, 1);
        assertArrayEquals(twice, gunzip(gzTwice));
        assertTrue(gzTwice.length < 16_000, "the second copy refers to the first: " + gzTwice.length);
    }

    @Test
    void gzipOutputPassesGzipTest() throws Exception {
        byte[] gz = gzip(mixed(3 * B, 11), 6, 4096, null, 1);
        Process p = new ProcessBuilder("gzip", "-t").start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(gz);
        }
        assertEquals(0, p.waitFor(), new String(p.getErrorStream().readAllBytes()));
    }

    @Test
    void detectsCompressionByMagic() throws Exception {
        byte[] data = mixed(100_000, 5);
        byte[] gz = gzip(data, 6, 4096, null, 1);
        ByteArrayOutputStream zout = new ByteArrayOutputStream();
        try (OutputStream z = LayerCompression.compress(zout, Compression.ZSTD, 3)) {
            z.write(data);
        }
        byte[] zst = zout.toByteArray();
        assertEquals(Compression.GZIP, LayerCompression.detect(new ByteArrayInputStream(gz)).compression());
        assertEquals(Compression.ZSTD, LayerCompression.detect(new ByteArrayInputStream(zst)).compression());
        assertEquals(Compression.NONE, LayerCompression.detect(new ByteArrayInputStream(data)).compression());
        assertEquals(Compression.NONE, LayerCompression.detect(new ByteArrayInputStream(new byte[1])).compression());
        for (byte[] b : new byte[][] {gz, zst, data}) {
            try (InputStream in = LayerCompression.decompress(new ByteArrayInputStream(b))) {
                assertArrayEquals(data, in.readAllBytes());
            }
        }
    }

    @Test
    void concatenatedGzipMembersAreOneStream() throws Exception {
        byte[] a = mixed(5000, 1);
        byte[] b = mixed(7000, 2);
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(gzip(a, 6, 4096, null, 1));
        both.write(gzip(b, 6, 4096, null, 1));
        try (InputStream in = LayerCompression.decompress(new ByteArrayInputStream(both.toByteArray()))) {
            byte[] all = in.readAllBytes();
            assertEquals(a.length + b.length, all.length);
            assertArrayEquals(b, Arrays.copyOfRange(all, a.length, all.length));
        }
    }
}
