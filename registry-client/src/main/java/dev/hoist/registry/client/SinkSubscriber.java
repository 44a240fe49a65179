package dev.hoist.registry.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A {@link ResponseSink} as the JDK's client takes it: writes each buffer into the sink as it arrives (no stream
 * hand-off between threads). The body it completes with is empty. Used by one response only.
 */
final class SinkSubscriber implements HttpResponse.BodySubscriber<InputStream> {
    private static final int SCRATCH = 256 * 1024;
    private final ResponseSink sink;
    private final CompletableFuture<InputStream> result = new CompletableFuture<>();
    private byte[] scratch;
    private Flow.Subscription subscription;
    private boolean failed;

    SinkSubscriber(ResponseSink sink) {
        this.sink = sink;
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        this.subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (failed) {
            return;
        }
        try {
            for (ByteBuffer b : buffers) {
                int n = b.remaining();
                if (n == 0) {
                    continue;
                }
                if (b.hasArray()) {
                    sink.write(b.array(), b.arrayOffset() + b.position(), n);
                    b.position(b.position() + n);
                } else {
                    // The JDK's client hands out read-only buffers: copy through one array, not a new one each
                    // time (that was the whole blob again in garbage).
                    if (scratch == null) {
                        scratch = new byte[SCRATCH];
                    }
                    for (int left = n; left > 0; ) {
                        int k = Math.min(left, SCRATCH);
                        b.get(scratch, 0, k);
                        sink.write(scratch, 0, k);
                        left -= k;
                    }
                }
            }
        } catch (IOException e) {
            failed = true;
            subscription.cancel();
            result.completeExceptionally(e);
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(InputStream.nullInputStream());
    }
}
