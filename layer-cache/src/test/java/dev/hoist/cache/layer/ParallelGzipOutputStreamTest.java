package dev.hoist.cache.layer;

import dev.hoist.oci.Digester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelGzipOutputStreamTest {
    private static final int SEGMENT = ParallelGzipOutputStream.SEGMENT;
    private static final int B = ParallelGzipOutputStream.BLOCK_SIZE;

    /**
     * Segments of zeros, random bytes, text, and random bytes over alphabets of 200-256 values (byte entropy
     * around the 7.8-bit threshold, on both sides of it), in runs that cross segment and block boundaries,
     * ending in a partial block and a short segment.
     */
    static byte[] mixedSegments(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] text = "FROM busybox\nRUN echo the quick brown fox jumps over the lazy dog > /etc/motd\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[size];
        int i = 0;
        while (i < size) {
            int run = Math.min(size - i, SEGMENT / 2 + r.nextInt(3 * SEGMENT));
            int kind = r.nextInt(5);
            int alphabet = 200 + r.nextInt(57);
            for (int j = i; j < i + run; j++) {
                b[j] = switch (kind) {
                    case 0 -> 0;
                    case 1 -> (byte) r.nextInt(256);
                    case 2 -> text[j % text.length];
                    default -> (byte) r.nextInt(alphabet);
                };
            }
            i += run;
        }
        return b;
    }

    /**
     * Long runs of one byte (zeros, then 'a', then zeros again) between random data: whole blocks of one
     * repeated byte, after a dictionary of it or not, and runs that start and end inside blocks.
     */
    static byte[] uniformRuns() {
        byte[] b = new byte[9 * B + 100];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < B + 1000; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        // zeros up to 4 B + 7, then 'a' for two blocks and a bit, random for a while, zeros to the end
        Arrays.fill(b, 4 * B + 7, 6 * B + 50, (byte) 'a');
        for (int i = 6 * B + 50; i < 7 * B; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    static String gzipDigest(byte[] data, int level) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new ParallelGzipOutputStream(out, level, Runnable::run, 1)) {
            z.write(data);
        }
        Digester d = Digester.sha256();
        byte[] gz = out.toByteArray();
        d.update(gz, 0, gz.length);
        return gz.length + " " + d.digest();
    }

    /** The output format is part of every layer digest: these were produced before any change to the stream. */
    @ParameterizedTest
    @CsvSource({
        "1, 799821 sha256:ef7c692c9eaba56ca5805187e08a8ba6de3dce57b4f5200f9150c427eb94430b",
        "6, 797884 sha256:07ce657ca6443dd84ed1ecf3f8caf79a9b4788e3a964fd160ce4d8d11ad77385",
    })
    void outputBytesDoNotChange(int level, String expected) throws Exception {
        assertEquals(expected, gzipDigest(mixedSegments(5 * B + 3 * SEGMENT + 1234, 42), level));
    }

    @ParameterizedTest
    @CsvSource({
        "1, 533688 sha256:1779ab0df672b7c6a7b9ec3595214adab2b4873b92312a96d822febc6b8bb8b9",
        "6, 527461 sha256:c38c2d8a0f3e91a07bdea6be1bcad6b79cb7bdbb5ee6cff4dedd2829760613f1",
    })
    void outputBytesOfLongRunsDoNotChange(int level, String expected) throws Exception {
        assertEquals(expected, gzipDigest(uniformRuns(), level));
    }

    /** The decision as first written: one histogram, counted byte by byte. */
    private static boolean referenceIncompressible(byte[] data, int off, int len) {
        if (len < SEGMENT) {
            return false;
        }
        int[] histogram = new int[256];
        for (int i = off; i < off + len; i++) {
            histogram[data[i] & 0xff]++;
        }
        double sum = 0;
        for (int c : histogram) {
            sum += c == 0 ? 0 : c * (Math.log(c) / Math.log(2));
        }
        return 12 - sum / len >= 7.8;
    }

    private static double referenceEntropy(byte[] data, int off) {
        int[] histogram = new int[256];
        for (int i = off; i < off + SEGMENT; i++) {
            histogram[data[i] & 0xff]++;
        }
        double sum = 0;
        for (int c : histogram) {
            sum += c == 0 ? 0 : c * (Math.log(c) / Math.log(2));
        }
        return 12 - sum / SEGMENT;
    }

    private static void assertSameDecision(byte[] data, int off, int len, int[] scratch) {
        assertEquals(referenceIncompressible(data, off, len), ParallelGzipOutputStream.incompressible(data, off, len, scratch),
                () -> "segment at " + off + " of " + len + " bytes");
    }

    @Test
    void incompressibleDecidesAsTheReferenceOnZerosRandomTextAndMixedSegments() {
        int[] scratch = new int[ParallelGzipOutputStream.HISTOGRAM_SCRATCH];
        byte[] mixed = mixedSegments(3 * B + 777, 7);
        for (int off = 0; off + SEGMENT <= mixed.length; off += 997) {
            assertSameDecision(mixed, off, SEGMENT, scratch);
        }
        SplittableRandom r = new SplittableRandom(1);
        byte[] seg = new byte[SEGMENT + 3];
        for (int round = 0; round < 200; round++) {
            Arrays.fill(seg, (byte) r.nextInt(256));
            assertSameDecision(seg, round % 4, SEGMENT, scratch);
            assertFalse(ParallelGzipOutputStream.incompressible(seg, 0, SEGMENT, scratch));
            for (int i = 0; i < seg.length; i++) {
                seg[i] = (byte) r.nextInt(256);
            }
            assertSameDecision(seg, round % 4, SEGMENT, scratch);
            assertTrue(ParallelGzipOutputStream.incompressible(seg, round % 4, SEGMENT, scratch));
            byte[] text = "usr/lib/x86_64-linux-gnu/libc.so.6\0 ELF \u007f".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < seg.length; i++) {
                seg[i] = text[(i + round) % text.length];
            }
            assertSameDecision(seg, round % 4, SEGMENT, scratch);
        }
    }

    @Test
    void incompressibleDecidesAsTheReferenceNearTheThreshold() {
        int[] scratch = new int[ParallelGzipOutputStream.HISTOGRAM_SCRATCH];
        SplittableRandom r = new SplittableRandom(2);
        byte[] seg = new byte[SEGMENT];
        int below = 0;
        int above = 0;
        for (int round = 0; round < 4000; round++) {
            // uniform over 226-236 values gives sample entropies of about 7.78-7.84 bits
            int alphabet = 226 + r.nextInt(11);
            for (int i = 0; i < seg.length; i++) {
                seg[i] = (byte) r.nextInt(alphabet);
            }
            assertSameDecision(seg, 0, SEGMENT, scratch);
            double e = referenceEntropy(seg, 0);
            if (Math.abs(e - 7.8) < 0.005) {
                if (e < 7.8) {
                    below++;
                } else {
                    above++;
                }
            }
        }
        assertTrue(below > 50 && above > 50, "near the threshold: " + below + " below, " + above + " above");
    }

    @Test
    void incompressibleDecidesAsTheReferenceAroundTheEqualRunEarlyOut() {
        int[] scratch = new int[ParallelGzipOutputStream.HISTOGRAM_SCRATCH];
        SplittableRandom r = new SplittableRandom(3);
        byte[] seg = new byte[SEGMENT];
        int run0 = ParallelGzipOutputStream.EQUAL_RUN;
        for (int run : new int[] {1, 2, 3, 4, 5, 300, 400, run0 - 2, run0 - 1, run0, run0 + 1, SEGMENT - 1, SEGMENT}) {
            for (int where : new int[] {0, 1, 2048, SEGMENT - run}) {
                int at = Math.min(where, SEGMENT - run);
                for (int round = 0; round < 20; round++) {
                    for (int i = 0; i < seg.length; i++) {
                        seg[i] = (byte) r.nextInt(256);
                    }
                    Arrays.fill(seg, at, at + run, (byte) r.nextInt(256));
                    assertSameDecision(seg, 0, SEGMENT, scratch);
                }
            }
        }
    }

    @Test
    void shortSegmentsAreNeverStored() {
        int[] scratch = new int[ParallelGzipOutputStream.HISTOGRAM_SCRATCH];
        byte[] random = new byte[SEGMENT];
        new SplittableRandom(4).nextBytes(random);
        for (int len : new int[] {0, 1, 3, 4, 5, 511, 512, 513, SEGMENT - 1}) {
            assertSameDecision(random, 0, len, scratch);
            assertSameDecision(random, SEGMENT - len, len, scratch);
        }
    }

    @Test
    void outputDoesNotDependOnThreads() throws Exception {
        assertSameInParallel(mixedSegments(4 * B + 5, 9));
        assertSameInParallel(uniformRuns());
    }

    private static void assertSameInParallel(byte[] data) throws Exception {
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        try (OutputStream z = new ParallelGzipOutputStream(single, 1, Runnable::run, 1)) {
            z.write(data);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            ByteArrayOutputStream parallel = new ByteArrayOutputStream();
            try (OutputStream z = new ParallelGzipOutputStream(parallel, 1, pool, 3)) {
                for (int off = 0; off < data.length; off += 100_003) {
                    z.write(data, off, Math.min(100_003, data.length - off));
                }
            }
            assertArrayEquals(single.toByteArray(), parallel.toByteArray());
        } finally {
            pool.shutdown();
        }
    }
}
