package dev.hoist.registry.client;

import dev.hoist.oci.Descriptor;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request body of {@code length} bytes of a file from {@code offset}, read in large buffers as the client asks
 * for them, reporting the bytes handed over: {@link RequestBody}'s file range as the JDK's client takes it. Each
 * subscription reads the file afresh, so a request can be re-sent.
 */
final class FileRangePublisher implements HttpRequest.BodyPublisher {
    private static final int BUFFER = 256 * 1024;
    private final Path file;
    private final long offset;
    private final long length;
    private final ProgressListener progress;
    private final Descriptor blob;

    FileRangePublisher(Path file, long offset, long length, ProgressListener progress, Descriptor blob) {
        this.file = file;
        this.offset = offset;
        this.length = length;
        this.progress = progress;
        this.blob = blob;
    }

    @Override
    public long contentLength() {
        return length;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        subscriber.onSubscribe(new Flow.Subscription() {
            private final AtomicLong demand = new AtomicLong();
            private FileChannel channel;
            private long sent;
            private boolean emitting;
            private volatile boolean done;

            @Override
            public void request(long n) {
                if (n <= 0 || done) {
                    return;
                }
                demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
                synchronized (this) {
                    if (emitting) {
                        return; // the loop below picks up the new demand
                    }
                    emitting = true;
                }
                try {
                    while (!done) {
                        synchronized (this) {
                            if (demand.get() == 0) {
                                emitting = false;
                                return;
                            }
                        }
                        demand.decrementAndGet();
                        if (sent >= length) {
                            finish();
                            subscriber.onComplete();
                            return;
                        }
                        if (channel == null) {
                            channel = FileChannel.open(file, StandardOpenOption.READ);
                        }
                        ByteBuffer b = ByteBuffer.allocate((int) Math.min(BUFFER, length - sent));
                        while (b.hasRemaining()) {
                            int r = channel.read(b, offset + sent + b.position());
                            if (r < 0) {
                                throw new IOException(file + " ended before " + (offset + length) + " bytes");
                            }
                        }
                        b.flip();
                        sent += b.remaining();
                        progress.progress(blob, offset + sent);
                        subscriber.onNext(b);
                    }
                } catch (IOException e) {
                    finish();
                    subscriber.onError(e);
                } finally {
                    synchronized (this) {
                        emitting = false;
                    }
                }
            }

            private void finish() {
                done = true;
                if (channel != null) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // read-only
                    }
                }
            }

            @Override
            public void cancel() {
                finish();
            }
        });
    }
}
