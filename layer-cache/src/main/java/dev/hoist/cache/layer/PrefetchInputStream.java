package dev.hoist.cache.layer;

import dev.hoist.oci.Digester;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Reads (and so decompresses) a stream on another thread, ahead of the reader, hashing what it reads: the
 * reader gets the same bytes in order. Closing it stops the reading thread and closes the source. Not
 * thread-safe: one reader.
 */
final class PrefetchInputStream extends InputStream {
    private static final int CHUNK = 256 * 1024;
    private static final Chunk END = new Chunk(new byte[0], 0, null);

    private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(16);
    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> task;
    private volatile boolean closed;
    private Chunk current;
    private int pos;
    private boolean eof;

    /** Starts reading {@code source} on {@code executor}, feeding {@code digester} (may be null). */
    PrefetchInputStream(InputStream source, Digester digester, Executor executor) {
        this.task = CompletableFuture.runAsync(() -> pump(source, digester), executor);
    }

    private void pump(InputStream source, Digester digester) {
        try (source) {
            while (!closed) {
                byte[] b = free.poll();
                if (b == null) {
                    b = new byte[CHUNK];
                }
                int n = source.readNBytes(b, 0, b.length);
                if (n == 0) {
                    break;
                }
                if (digester != null) {
                    digester.update(b, 0, n);
                }
                if (!put(new Chunk(b, n, null))) {
                    return;
                }
            }
            put(END);
        } catch (Throwable t) {
            put(new Chunk(null, 0, t));
        }
    }

    private boolean put(Chunk c) {
        try {
            while (!queue.offer(c, 50, TimeUnit.MILLISECONDS)) {
                if (closed) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        if (current != null && pos < current.len) {
            return true;
        }
        if (current != null && current.data != null && current.data.length == CHUNK) {
            free.add(current.data);
        }
        try {
            current = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the layer");
        }
        pos = 0;
        if (current.error != null) {
            eof = true;
            Throwable t = current.error;
            if (t instanceof IOException io) {
                throw new IOException("cannot read the layer: " + io.getMessage(), io);
            }
            throw new IOException("cannot read the layer: " + t, t);
        }
        if (current == END) {
            eof = true;
            return false;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return current.data[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.len - pos);
        System.arraycopy(current.data, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long done = 0;
        while (done < n && fill()) {
            int k = (int) Math.min(n - done, current.len - pos);
            pos += k;
            done += k;
        }
        return done;
    }

    /** Waits for the reading thread to finish: after this, the digester has seen everything read. */
    @Override
    public void close() throws IOException {
        closed = true;
        queue.clear();
        try {
            task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while closing the layer");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    private record Chunk(byte[] data, int len, Throwable error) {
    }
}
