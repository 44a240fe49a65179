package dev.hoist.registry.client;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives socket writes the timeout Java's sockets lack: a request body written to a server that has stopped reading
 * would block its thread forever once the socket's buffers are full. {@link #watch} wraps the socket's stream; while
 * a write is in progress and no byte has moved for the timeout, one daemon thread (made on first use, checking
 * twice a second) closes the socket, and the blocked write fails with a {@link StalledWriteException} that says so.
 * Thread-safe.
 */
final class WriteWatchdog {
    private static final long CHECK_EVERY_MS = 500;
    private static final List<Watched> WATCHED = new ArrayList<>();
    private static Thread thread;

    private WriteWatchdog() {
    }

    /** A write that made no progress for its timeout: the server stopped reading. */
    static final class StalledWriteException extends java.net.SocketTimeoutException {
        StalledWriteException(long timeoutMs) {
            super("no bytes could be sent for " + timeoutMs / 1000.0 + " s: the registry stopped reading the request");
        }
    }

    /**
     * {@code out}, the stream of {@code socket}, with writes that fail once no byte has moved for {@code timeoutMs};
     * close the returned stream (it does not close {@code out}) when the body is written.
     */
    static Watched watch(OutputStream out, Socket socket, long timeoutMs) {
        Watched w = new Watched(out, socket, timeoutMs);
        synchronized (WATCHED) {
            WATCHED.add(w);
            if (thread == null) {
                thread = new Thread(WriteWatchdog::run, "hoist-write-watchdog");
                thread.setDaemon(true);
                thread.start();
            }
        }
        return w;
    }

    private static void run() {
        while (true) {
            try {
                Thread.sleep(CHECK_EVERY_MS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            synchronized (WATCHED) {
                for (Watched w : WATCHED) {
                    w.check(now);
                }
            }
        }
    }

    /** A watched stream: each write is timed from its start and from each chunk that went out. */
    static final class Watched extends FilterOutputStream {
        private static final int CHUNK = 64 * 1024;
        private final Socket socket;
        private final long timeoutMs;
        private volatile long writingSince;    // 0: not in a write
        private volatile boolean stalled;

        private Watched(OutputStream out, Socket socket, long timeoutMs) {
            super(out);
            this.socket = socket;
            this.timeoutMs = timeoutMs;
        }

        void check(long now) {
            long since = writingSince;
            if (since != 0 && now - since > timeoutMs * 1_000_000L) {
                stalled = true;
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing is all that is wanted
                }
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                while (len > 0) {
                    int n = Math.min(len, CHUNK);
                    writingSince = System.nanoTime();
                    out.write(b, off, n);
                    off += n;
                    len -= n;
                }
            } catch (IOException e) {
                throw stalled ? new StalledWriteException(timeoutMs) : e;
            } finally {
                writingSince = 0;
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                writingSince = System.nanoTime();
                out.flush();
            } catch (IOException e) {
                throw stalled ? new StalledWriteException(timeoutMs) : e;
            } finally {
                writingSince = 0;
            }
        }

        /** Stops watching; the socket's stream stays open. */
        @Override
        public void close() {
            synchronized (WATCHED) {
                WATCHED.remove(this);
            }
        }
    }
}
