package dev.hoist.cache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on a file under {@code locks/}, held against other threads of this JVM and against
 * other processes ({@link FileChannel#lock()}); reentrant within a thread. Obtained from
 * {@link HoistRoot#lockExclusive}; close it, on the thread that took it, to release it.
 */
public final class RootLock implements AutoCloseable {
    // A JVM may hold one file lock per file, so threads queue on a per-file ReentrantLock and only the
    // outermost holder takes and releases the file lock.
    private static final ConcurrentHashMap<Path, Holder> HOLDERS = new ConcurrentHashMap<>();

    private final Holder holder;
    private boolean closed;

    private RootLock(Holder holder) {
        this.holder = holder;
    }

    static RootLock acquire(HoistRoot root, Path file) throws StoreException {
        Holder h = HOLDERS.get(file);
        if (h == null) {
            Holder made = new Holder();
            h = HOLDERS.putIfAbsent(file, made);
            if (h == null) {
                h = made;
            }
        }
        try {
            h.lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for lock " + file, e);
        }
        if (h.lock.getHoldCount() == 1) {
            FileChannel ch = null;
            try {
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                h.fileLock = ch.lock();
                h.channel = ch;
            } catch (IOException | RuntimeException e) {
                closeQuietly(ch);
                h.lock.unlock();
                if (e instanceof IOException io) {
                    throw StoreErrors.failed(root, "taking the lock " + file, "nothing was changed", io);
                }
                throw (RuntimeException) e;
            }
        }
        return new RootLock(h);
    }

    /** Whether the calling thread holds this lock. */
    public boolean isHeldByCurrentThread() {
        return !closed && holder.lock.isHeldByCurrentThread();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (!holder.lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("a RootLock must be released by the thread that took it");
        }
        closed = true;
        try {
            if (holder.lock.getHoldCount() == 1) {
                try {
                    holder.fileLock.release();
                } catch (IOException ignored) {
                    // closing the channel releases it too
                }
                closeQuietly(holder.channel);
                holder.fileLock = null;
                holder.channel = null;
            }
        } finally {
            holder.lock.unlock();
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    private static final class Holder {
        final ReentrantLock lock = new ReentrantLock();
        FileChannel channel;
        FileLock fileLock;
    }
}
