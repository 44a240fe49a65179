package dev.hoist.registry.client;

import dev.hoist.oci.Descriptor;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A request body of known length: bytes in memory, or a range of a file. {@link PlainHttp} writes it straight to
 * its socket; {@link #publisher()} adapts it for the JDK's client, which only HTTPS and proxied registries use.
 * Constructing any of the JDK's publishers initialises {@code jdk.internal.net.http.common.Utils} (~16 lambdas,
 * ~6 ms of a cold start), and driving one goes through {@code Flow} and a {@code CompletableFuture}; the blocking
 * client needs neither. Immutable; each write reads the body afresh, so a request can be sent again. Thread-safe.
 */
abstract class RequestBody {
    private RequestBody() {
    }

    /** {@code bytes} as a body; the array must not change afterwards. */
    static RequestBody of(byte[] bytes) {
        return new Bytes(bytes);
    }

    /**
     * {@code length} bytes of {@code file} from {@code offset}, read in large buffers as they are sent, telling
     * {@code progress} how far into {@code blob} (counting from the file's start) each write got.
     */
    static RequestBody file(Path file, long offset, long length, ProgressListener progress, Descriptor blob) {
        return new FileRange(file, offset, length, progress, blob);
    }

    /** The body's length in bytes. */
    abstract long length();

    /** Writes the whole body to {@code out} (not flushed, not closed). */
    abstract void writeTo(OutputStream out) throws IOException;

    /** The body for the JDK's HttpClient. */
    abstract HttpRequest.BodyPublisher publisher();

    private static final class Bytes extends RequestBody {
        private final byte[] bytes;

        Bytes(byte[] bytes) {
            this.bytes = Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        long length() {
            return bytes.length;
        }

        @Override
        void writeTo(OutputStream out) throws IOException {
            out.write(bytes);
        }

        @Override
        HttpRequest.BodyPublisher publisher() {
            return HttpRequest.BodyPublishers.ofByteArray(bytes);
        }
    }

    private static final class FileRange extends RequestBody {
        private static final int BUFFER = 256 * 1024;
        private final Path file;
        private final long offset;
        private final long length;
        private final ProgressListener progress;
        private final Descriptor blob;

        FileRange(Path file, long offset, long length, ProgressListener progress, Descriptor blob) {
            if (offset < 0 || length < 0) {
                throw new IllegalArgumentException("a negative offset or length: " + offset + ", " + length);
            }
            this.file = Objects.requireNonNull(file, "file");
            this.offset = offset;
            this.length = length;
            this.progress = Objects.requireNonNull(progress, "progress");
            this.blob = Objects.requireNonNull(blob, "blob");
        }

        @Override
        long length() {
            return length;
        }

        @Override
        void writeTo(OutputStream out) throws IOException {
            byte[] buffer = new byte[(int) Math.min(BUFFER, Math.max(length, 1))];
            ByteBuffer view = ByteBuffer.wrap(buffer);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                for (long sent = 0; sent < length; ) {
                    int n = (int) Math.min(buffer.length, length - sent);
                    view.clear().limit(n);
                    while (view.hasRemaining()) {
                        if (channel.read(view, offset + sent + view.position()) < 0) {
                            throw new IOException(file + " ended before " + (offset + length) + " bytes");
                        }
                    }
                    out.write(buffer, 0, n);
                    sent += n;
                    progress.progress(blob, offset + sent);
                }
            }
        }

        @Override
        HttpRequest.BodyPublisher publisher() {
            return new FileRangePublisher(file, offset, length, progress, blob);
        }
    }
}
