package dev.hoist.cache.layer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip stream whose deflate work runs on several threads, as pigz does: the input is cut into blocks of
 * {@link #BLOCK_SIZE} bytes, each block is deflated on its own with the 32 KiB before it as preset
 * dictionary and ends with a sync flush, and the results are written in order as one gzip member with the
 * CRC-32 and length of the whole input. The output depends only on the input and the level, never on how
 * the writes were cut or how the threads were scheduled. The gzip header holds no name and no time, and
 * OS 255 (unknown), as Go's gzip writer does. Not thread-safe: one writing thread.
 */
final class ParallelGzipOutputStream extends OutputStream {
    /** Part of the output format: changing it changes every layer digest. */
    static final int BLOCK_SIZE = 256 * 1024;
    private static final int DICT_SIZE = 32 * 1024;

    private final OutputStream out;
    private final int level;
    private final Executor executor;
    private final int maxInFlight;
    private final CRC32 crc = new CRC32();
    private final ArrayDeque<CompletableFuture<Chunk>> pending = new ArrayDeque<>();
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
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 0-9, got " + level);
        }
        this.out = out;
        this.level = level;
        this.executor = executor;
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
                submit(false);
            }
        }
    }

    /**
     * Lets a producer fill the current block directly (avoids a copy). Call {@link #commitDirect} with how
     * many bytes it wrote at {@link #directOffset}.
     */
    byte[] directBuffer() {
        return block;
    }

    int directOffset() {
        return fill;
    }

    int directRemaining() {
        return BLOCK_SIZE - fill;
    }

    void commitDirect(int n) throws IOException {
        ensureOpen();
        if (n < 0 || n > BLOCK_SIZE - fill) {
            throw new IllegalArgumentException("commit " + n + " with " + (BLOCK_SIZE - fill) + " free");
        }
        fill += n;
        if (fill == BLOCK_SIZE) {
            submit(false);
        }
    }

    private void submit(boolean last) throws IOException {
        byte[] data = block;
        int len = fill;
        byte[] dict = previous;
        crc.update(data, 0, len);
        total += len;
        pending.add(CompletableFuture.supplyAsync(() -> deflate(data, len, dict, last), executor));
        previous = data;
        byte[] next = freeBlocks.poll();
        block = next != null ? next : new byte[BLOCK_SIZE];
        fill = 0;
        drain(false);
    }

    private Chunk deflate(byte[] data, int len, byte[] dict, boolean last) {
        Deflater d = deflaters.poll();
        if (d == null) {
            d = new Deflater(level, true);
        } else {
            d.reset();
        }
        try {
            if (dict != null) {
                d.setDictionary(dict, BLOCK_SIZE - DICT_SIZE, DICT_SIZE);
            }
            d.setInput(data, 0, len);
            if (last) {
                d.finish();
            }
            byte[] buf = freeOutputs.poll();
            if (buf == null) {
                buf = new byte[BLOCK_SIZE + BLOCK_SIZE / 8 + 1024];
            }
            int n = 0;
            while (true) {
                n += d.deflate(buf, n, buf.length - n, last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH);
                boolean done = last ? d.finished() : n < buf.length;
                if (done) {
                    break;
                }
                if (n == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                }
            }
            return new Chunk(buf, n, dict);
        } finally {
            deflaters.add(d);
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
            if (c.buf.length == BLOCK_SIZE + BLOCK_SIZE / 8 + 1024) {
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
            submit(true);
            drain(true);
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
}
