package dev.hoist.registry.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;

/**
 * Writes a blob body into a download's stream as the buffers arrive (no stream hand-off between threads),
 * dropping the first {@code skip} bytes and refusing more than {@code limit}. Used by one response only.
 */
final class SinkSubscriber implements HttpResponse.BodySubscriber<InputStream> {
    private final OutputStream out;
    private final long limit;
    private final LongConsumer progress;
    private final CompletableFuture<InputStream> result = new CompletableFuture<>();
    private static final int SCRATCH = 256 * 1024;
    private byte[] scratch;
    private long skip;
    private long written;
    private Flow.Subscription subscription;
    volatile IOException failure;

    /** {@code limit} is how many bytes may be written (negative: any); {@code progress} gets the count written. */
    SinkSubscriber(OutputStream out, long skip, long limit, LongConsumer progress) {
        this.out = out;
        this.skip = skip;
        this.limit = limit;
        this.progress = progress;
    }

    long written() {
        return written;
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
        if (failure != null) {
            return;
        }
        try {
            for (ByteBuffer b : buffers) {
                int n = b.remaining();
                if (skip > 0) {
                    int drop = (int) Math.min(skip, n);
                    b.position(b.position() + drop);
                    skip -= drop;
                    n -= drop;
                }
                if (n == 0) {
                    continue;
                }
                if (limit >= 0 && written + n > limit) {
                    throw new IOException("more than the expected " + limit + " bytes");
                }
                if (b.hasArray()) {
                    out.write(b.array(), b.arrayOffset() + b.position(), n);
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
                        out.write(scratch, 0, k);
                        left -= k;
                    }
                }
                written += n;
            }
            progress.accept(written);
        } catch (IOException e) {
            failure = e;
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
        result.complete(new ByteArrayInputStream(new byte[0]));
    }
}
