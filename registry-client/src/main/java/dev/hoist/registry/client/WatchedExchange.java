package dev.hoist.registry.client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One exchange on the JDK's HttpClient that fails when no bytes move, either way, for the idle timeout, however
 * long the whole exchange takes. The JDK's own {@code HttpRequest.timeout} is no such thing: it caps the whole
 * exchange, the request body included (a layer upload that takes longer fails), and does not cover a body once
 * the headers are in (a stalled download hangs). So the request body is watched as the client takes it, and the
 * response body is read here, into the request's sink when it takes it, else into memory (manifests, tag lists,
 * tokens, errors: small). Used for one request.
 */
final class WatchedExchange {
    /** The most a body that no sink takes may hold; the callers read at most 8 MiB of one (a manifest). */
    private static final int MAX_BUFFERED = 16 << 20;
    private final long idleNanos;
    private volatile long lastMove = System.nanoTime();
    private volatile boolean sinkTook;
    private final ByteArrayOutputStream buffered = new ByteArrayOutputStream();

    private WatchedExchange(Duration idleTimeout) {
        this.idleNanos = idleTimeout.toNanos();
    }

    /**
     * Sends {@code request} with {@code body} on {@code client} and reads the whole response; its body goes to
     * {@code sink} when that accepts the status (null: to memory); {@code body} null for none. Fails with an {@link HttpTimeoutException}
     * when no bytes move for {@code idleTimeout}, the exchange cancelled.
     */
    static RegistryHttp.Response send(HttpClient client, HttpRequest.Builder request, String method,
                                      HttpRequest.BodyPublisher body, ResponseSink sink, Duration idleTimeout)
            throws IOException, InterruptedException {
        WatchedExchange w = new WatchedExchange(idleTimeout);
        HttpRequest r = request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : w.new Publisher(body))
                .build();
        CompletableFuture<HttpResponse<InputStream>> f = client.sendAsync(r, w.new Handler(sink));
        HttpResponse<InputStream> resp = w.await(f, r.uri());
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(resp.headers().map());
        InputStream in = w.sinkTook ? InputStream.nullInputStream() : new ByteArrayInputStream(w.buffered.toByteArray());
        return new RegistryHttp.Response(resp.statusCode(), headers, in, r.uri());
    }

    private HttpResponse<InputStream> await(CompletableFuture<HttpResponse<InputStream>> f, URI uri)
            throws IOException, InterruptedException {
        try {
            while (true) {
                long left = idleNanos - (System.nanoTime() - lastMove);
                if (left <= 0) {
                    f.cancel(true);
                    throw new HttpTimeoutException("no bytes moved for " + TimeUnit.NANOSECONDS.toSeconds(idleNanos)
                            + " s in " + uri);
                }
                try {
                    return f.get(left, TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // look again: bytes may have moved meanwhile
                }
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        }
    }

    private void moved() {
        lastMove = System.nanoTime();
    }

    /** The request body, noting each buffer the client takes. */
    private final class Publisher implements HttpRequest.BodyPublisher {
        private final HttpRequest.BodyPublisher body;

        Publisher(HttpRequest.BodyPublisher body) {
            this.body = body;
        }

        @Override
        public long contentLength() {
            return body.contentLength();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            body.subscribe(new Flow.Subscriber<ByteBuffer>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscriber.onSubscribe(subscription);
                }

                @Override
                public void onNext(ByteBuffer item) {
                    moved();
                    subscriber.onNext(item);
                }

                @Override
                public void onError(Throwable throwable) {
                    subscriber.onError(throwable);
                }

                @Override
                public void onComplete() {
                    subscriber.onComplete();
                }
            });
        }
    }

    /** Gives the body to the sink when it takes the status, else to memory; either way noting each write. */
    private final class Handler implements HttpResponse.BodyHandler<InputStream> {
        private final ResponseSink sink;

        Handler(ResponseSink sink) {
            this.sink = sink;
        }

        @Override
        public HttpResponse.BodySubscriber<InputStream> apply(HttpResponse.ResponseInfo info) {
            moved();
            sinkTook = sink != null && sink.accepts(info.statusCode());
            return new SinkSubscriber(new Watched(sinkTook ? sink : null));
        }
    }

    /** Writes to the sink, or to memory when null, noting the time. */
    private final class Watched implements ResponseSink {
        private final ResponseSink sink;

        Watched(ResponseSink sink) {
            this.sink = sink;
        }

        @Override
        public boolean accepts(int status) {
            return true;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            moved();
            if (sink != null) {
                sink.write(bytes, offset, length);
                return;
            }
            if (buffered.size() + length > MAX_BUFFERED) {
                throw new IOException("a response body of more than " + (MAX_BUFFERED >> 20) + " MiB where a small "
                        + "document was expected");
            }
            buffered.write(bytes, offset, length);
        }
    }
}
