package dev.hoist.cache.layer;

import dev.hoist.oci.Digester;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip stream whose deflate work runs on several threads, as pigz does: the input is cut into blocks of
 * {@link #BLOCK_SIZE} bytes, each block is deflated on its own with the 32 KiB before it as preset
 * dictionary and ends with a sync flush, and the results are written in order as one gzip member with the
 * CRC-32 and length of the whole input. Within a block, 4 KiB segments whose byte entropy shows random or
 * already-compressed data (at least 7.8 bits a byte, where deflate saves at most about 2%) are written as
 * stored blocks instead of being deflated, which costs about a tenth of the time. The output depends only on
 * the input and the level, never on how the writes were cut or how the threads were scheduled. The CRC-32
 * (and, when asked, a digest of the input) is computed on the executor too, block after block in order, so
 * that the writing thread only copies. The gzip header holds no name and no time, and OS 255 (unknown), as
 * Go's gzip writer does. Not thread-safe: one writing thread.
 */
final class ParallelGzipOutputStream extends OutputStream {
    /** Part of the output format: changing it changes every layer digest. */
    static final int BLOCK_SIZE = 256 * 1024;
    private static final int DICT_SIZE = 32 * 1024;
    /** Part of the output format, like the block size and the threshold. */
    static final int SEGMENT = 4 * 1024;
    private static final double ENTROPY_THRESHOLD = 7.8;
    private static final double LOG2_SEGMENT = 12;
    private static final double[] C_LOG_C = new double[SEGMENT + 1];
    /** How many equal bytes at the start of a segment prove it compressible (an eighth of the segment). */
    static final int EQUAL_RUN = SEGMENT / 8;
    /** The size of {@link #incompressible}'s scratch histogram. */
    static final int HISTOGRAM_SCRATCH = 4 * 256;
    private static final int OUTPUT_SIZE = BLOCK_SIZE + BLOCK_SIZE / 8 + 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** A final empty stored block: ends the deflate stream. */
    private static final byte[] FINAL_BLOCK = {1, 0, 0, (byte) 0xff, (byte) 0xff};

    static {
        for (int c = 1; c <= SEGMENT; c++) {
            C_LOG_C[c] = c * (Math.log(c) / Math.log(2));
        }
    }

    private final OutputStream out;
    private final int level;
    private final Executor executor;
    private final int maxInFlight;
    /** Updated, block after block in order, by the tasks of {@link #summed}. */
    private final CRC32 crc = new CRC32();
    private final Digester inputDigest;
    private final ArrayDeque<CompletableFuture<Chunk>> pending = new ArrayDeque<>();
    /** The last of the tasks that sum the input (CRC-32 and {@link #inputDigest}), each after the one before. */
    private CompletableFuture<Void> summed = CompletableFuture.completedFuture(null);
    /** The deflated form of a full block of one repeated byte after a dictionary of that byte: see {@link #deflate}. */
    private final AtomicReference<Uniform> uniform = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Deflater> deflaters = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<byte[]> freeBlocks = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<byte[]> freeOutputs = new ConcurrentLinkedQueue<>();
    private byte[] block;
    private int fill;
    private byte[] previous;
    private long total;
    private boolean closed;

    /**
     * @param level       deflate level 0-9
     * @param executor    runs the deflate tasks
     * @param parallelism how many blocks may be deflating at once (at least 1)
     */
    ParallelGzipOutputStream(OutputStream out, int level, Executor executor, int parallelism) throws IOException {
        this(out, level, executor, parallelism, null);
    }

    /**
     * @param inputDigest if not null, also digests the uncompressed input, on the executor rather than the
     *                    writing thread; it is complete once this stream is closed
     */
    ParallelGzipOutputStream(OutputStream out, int level, Executor executor, int parallelism, Digester inputDigest)
            throws IOException {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 0-9, got " + level);
        }
        this.out = out;
        this.level = level;
        this.executor = executor;
        this.inputDigest = inputDigest;
        this.maxInFlight = Math.max(1, parallelism) + 1;
        this.block = new byte[BLOCK_SIZE];
        int xfl = level == 9 ? 2 : level == 1 ? 4 : 0;
        out.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, (byte) xfl, (byte) 0xff});
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        while (len > 0) {
            int n = Math.min(len, BLOCK_SIZE - fill);
            System.arraycopy(b, off, block, fill, n);
            fill += n;
            off += n;
            len -= n;
            if (fill == BLOCK_SIZE) {
                submit();
            }
        }
    }

    private void submit() throws IOException {
        byte[] data = block;
        int len = fill;
        byte[] dict = previous;
        total += len;
        // the sums are sequential but need not hold up the writing thread: they run in order on the executor
        summed = summed.thenRunAsync(() -> {
            crc.update(data, 0, len);
            if (inputDigest != null) {
                inputDigest.update(data, 0, len);
            }
        }, executor);
        pending.add(CompletableFuture.supplyAsync(() -> deflate(data, len, dict), executor)
                .thenCombine(summed, (chunk, done) -> chunk));
        previous = data;
        byte[] next = freeBlocks.poll();
        block = next != null ? next : new byte[BLOCK_SIZE];
        fill = 0;
        drain(false);
    }

    private Chunk deflate(byte[] data, int len, byte[] dict) {
        Output o = new Output(freeOutputs.poll());
        // A full block of one repeated byte whose dictionary is that byte too (a long run of zeros, say) always
        // deflates to the same bytes: deflate one, then copy. The checks are vectorised compares.
        boolean uniformRun = level > 0 && len == BLOCK_SIZE && dict != null
                && dict[BLOCK_SIZE - 1] == data[0]
                && Arrays.mismatch(data, 0, len - 1, data, 1, len) < 0
                && Arrays.mismatch(dict, BLOCK_SIZE - DICT_SIZE, BLOCK_SIZE - 1, dict, BLOCK_SIZE - DICT_SIZE + 1, BLOCK_SIZE) < 0;
        if (uniformRun) {
            Uniform u = uniform.get();
            if (u != null && u.value == data[0]) {
                o.ensure(u.deflated.length);
                System.arraycopy(u.deflated, 0, o.buf, 0, u.deflated.length);
                o.len = u.deflated.length;
                return new Chunk(o.buf, o.len, dict);
            }
        }
        Chunk c = deflateSegments(o, data, len, dict);
        if (uniformRun) {
            uniform.set(new Uniform(data[0], Arrays.copyOf(c.buf, c.len)));
        }
        return c;
    }

    private Chunk deflateSegments(Output o, byte[] data, int len, byte[] dict) {
        Deflater d = null;
        try {
            int segments = (len + SEGMENT - 1) / SEGMENT;
            boolean[] stored = new boolean[segments];
            int[] histogram = new int[HISTOGRAM_SCRATCH];
            for (int i = 0; i < segments; i++) {
                stored[i] = level == 0 || incompressible(data, i * SEGMENT, Math.min(SEGMENT, len - i * SEGMENT), histogram);
            }
            int seg = 0;
            while (seg < segments) {
                int first = seg;
                while (seg < segments && stored[seg] == stored[first]) {
                    seg++;
                }
                int from = first * SEGMENT;
                int to = Math.min(seg * SEGMENT, len);
                if (stored[first]) {
                    o.stored(data, from, to - from);
                    continue;
                }
                if (d == null) {
                    d = deflaters.poll();
                    if (d == null) {
                        d = new Deflater(level, true);
                    }
                }
                d.reset();
                if (from == 0 && dict != null) {
                    // continue from the previous block; after a stored run the history is noise: no dictionary
                    d.setDictionary(dict, BLOCK_SIZE - DICT_SIZE, DICT_SIZE);
                }
                d.setInput(data, from, to - from);
                o.deflate(d);
            }
            return new Chunk(o.buf, o.len, dict);
        } finally {
            if (d != null) {
                deflaters.add(d);
            }
        }
    }

    /**
     * Whether a segment looks like random or already-compressed data: its byte entropy is so high that
     * deflate could save at most a few percent, at ten times the cost of storing it. Part of the output
     * format: the answer for a given segment must never change.
     *
     * @param histogram scratch space of {@link #HISTOGRAM_SCRATCH} ints
     */
    static boolean incompressible(byte[] data, int off, int len, int[] histogram) {
        if (len < SEGMENT) {
            return false;
        }
        // Exact early-out: a segment that starts with EQUAL_RUN equal bytes holds one value at least an eighth
        // of the time, and then its entropy is at most h(1/8) + 7/8 log2(255) = 7.54 bits (the rest spread
        // evenly over the other 255 values), well below the threshold. Arrays.mismatch is vectorised.
        if (Arrays.mismatch(data, off, off + EQUAL_RUN - 1, data, off + 1, off + EQUAL_RUN) < 0) {
            return false;
        }
        // Four histograms, one per byte of every four, eight bytes read at once: with one histogram a run of
        // equal bytes makes each increment wait for the one before it (a store-to-load chain).
        Arrays.fill(histogram, 0, 4 * 256, 0);
        int end = off + len;
        int i = off;
        for (; i + 7 < end; i += 8) {
            long w = (long) LONGS.get(data, i);
            histogram[(int) w & 0xff]++;
            histogram[256 + ((int) (w >>> 8) & 0xff)]++;
            histogram[512 + ((int) (w >>> 16) & 0xff)]++;
            histogram[768 + ((int) (w >>> 24) & 0xff)]++;
            histogram[(int) (w >>> 32) & 0xff]++;
            histogram[256 + ((int) (w >>> 40) & 0xff)]++;
            histogram[512 + ((int) (w >>> 48) & 0xff)]++;
            histogram[768 + ((int) (w >>> 56) & 0xff)]++;
        }
        for (; i < end; i++) {
            histogram[data[i] & 0xff]++;
        }
        double sum = 0;
        for (int b = 0; b < 256; b++) {
            // the same counts summed in the same order as one histogram would give: the same double
            sum += C_LOG_C[histogram[b] + histogram[256 + b] + histogram[512 + b] + histogram[768 + b]];
        }
        double entropy = LOG2_SEGMENT - sum / len;
        return entropy >= ENTROPY_THRESHOLD;
    }

    /** A growable output buffer for one block's compressed bytes. */
    private static final class Output {
        byte[] buf;
        int len;

        Output(byte[] buf) {
            this.buf = buf != null ? buf : new byte[OUTPUT_SIZE];
        }

        void ensure(int more) {
            if (len + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
            }
        }

        /** Deflate stored blocks (at most 65535 bytes each); the output is byte-aligned before and after. */
        void stored(byte[] data, int off, int n) {
            while (n > 0) {
                int k = Math.min(n, 65535);
                ensure(k + 5);
                buf[len++] = 0; // BFINAL 0, BTYPE 00
                buf[len++] = (byte) k;
                buf[len++] = (byte) (k >>> 8);
                buf[len++] = (byte) ~k;
                buf[len++] = (byte) (~k >>> 8);
                System.arraycopy(data, off, buf, len, k);
                len += k;
                off += k;
                n -= k;
            }
        }

        /** Deflates all of the deflater's input and sync-flushes, which ends byte-aligned. */
        void deflate(Deflater d) {
            while (true) {
                ensure(1024);
                int n = d.deflate(buf, len, buf.length - len, Deflater.SYNC_FLUSH);
                len += n;
                if (len < buf.length) {
                    return;
                }
            }
        }
    }

    private void drain(boolean all) throws IOException {
        while (!pending.isEmpty()) {
            CompletableFuture<Chunk> head = pending.peek();
            if (!all && pending.size() < maxInFlight && !head.isDone()) {
                return;
            }
            Chunk c;
            try {
                c = head.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while compressing");
            } catch (ExecutionException e) {
                throw new IOException("gzip compression failed: " + e.getCause(), e.getCause());
            }
            pending.poll();
            out.write(c.buf, 0, c.len);
            if (c.buf.length == OUTPUT_SIZE) {
                freeOutputs.add(c.buf);
            }
            if (c.dictionary != null) {
                // the block this one used as dictionary is done with: both its own and its successor's
                // deflate have finished, as chunks complete in order here
                freeBlocks.add(c.dictionary);
            }
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("gzip stream is closed");
        }
    }

    /** Writes the last block and the gzip trailer, then closes the underlying stream. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (fill > 0) {
                submit();
            }
            drain(true);
            out.write(FINAL_BLOCK);
            long c = crc.getValue();
            out.write(new byte[] {
                (byte) c, (byte) (c >>> 8), (byte) (c >>> 16), (byte) (c >>> 24),
                (byte) total, (byte) (total >>> 8), (byte) (total >>> 16), (byte) (total >>> 24)});
            closed = true;
            out.close();
        } finally {
            closed = true;
            for (CompletableFuture<Chunk> f : pending) {
                f.cancel(false);
            }
            Deflater d;
            while ((d = deflaters.poll()) != null) {
                d.end();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    private record Chunk(byte[] buf, int len, byte[] dictionary) {
    }

    private record Uniform(byte value, byte[] deflated) {
    }
}
