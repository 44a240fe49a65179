package dev.hoist.registry.client;

import java.io.IOException;

/**
 * Takes a response's body as it arrives, instead of the caller reading it from a stream: how blob downloads write
 * into the store without handing buffers between threads. {@link PlainHttp} feeds it from the socket on the calling
 * thread; {@link SinkSubscriber} adapts it for the JDK's client, which only HTTPS and proxied registries use (its
 * body handlers and subscribers cost a cold start milliseconds of class initialisation). Used by one request.
 */
interface ResponseSink {
    /**
     * Called with the status of each response the request gets (redirects, challenges and errors included):
     * whether this sink takes that response's body. A body it does not take reaches the caller as a stream.
     */
    boolean accepts(int status);

    /**
     * Takes the next {@code length} bytes of the body. A failure here (the sink's own, not the connection's) ends
     * the response: the connection is dropped and the request fails with it.
     */
    void write(byte[] bytes, int offset, int length) throws IOException;
}
