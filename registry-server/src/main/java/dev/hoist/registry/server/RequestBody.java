package dev.hoist.registry.server;

import io.undertow.server.HttpServerExchange;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * A request body as a blocking channel, read on the request's thread straight from the connection into the
 * caller's buffer: each read takes all the client has sent so far, up to the buffer's room, and waits only
 * when nothing has arrived. Failures to read, a body that ends before its Content-Length included, are
 * {@link RegistryHandler.ClientIOException}s: the client's, not the storage's. Not thread-safe; one per request.
 */
final class RequestBody implements ReadableByteChannel {
    private final StreamSourceChannel channel;
    private final long declared;
    private long received;
    private boolean open = true;

    private RequestBody(StreamSourceChannel channel, long declared) {
        this.channel = channel;
        this.declared = declared;
    }

    /** The body of {@code ex}; call once, instead of {@link HttpServerExchange#getInputStream()}. */
    static RequestBody of(HttpServerExchange ex) {
        StreamSourceChannel ch = ex.getRequestChannel();
        if (ch == null) {
            throw new IllegalStateException("the request body was read already");
        }
        return new RequestBody(ch, ex.getRequestContentLength());
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        try {
            int total = 0;
            while (true) {
                int n = channel.read(dst);
                if (n < 0) {
                    if (total > 0) {
                        return total;
                    }
                    if (declared >= 0 && received < declared) {
                        // The connection ended (or was cut off idle) before the Content-Length: the client's failure.
                        throw new IOException("the connection ended after " + received + " of the " + declared
                                + " bytes of its Content-Length");
                    }
                    return -1;
                }
                total += n;
                received += n;
                if (n == 0 || !dst.hasRemaining()) {
                    if (total > 0) {
                        return total;
                    }
                    // Nothing yet: wait for the client (the connection's read timeout ends a stalled body).
                    channel.awaitReadable();
                }
            }
        } catch (RegistryHandler.ClientIOException e) {
            throw e;
        } catch (IOException e) {
            throw new RegistryHandler.ClientIOException(e);
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** Stops reading; the exchange ends the body. */
    @Override
    public void close() {
        open = false;
    }
}
