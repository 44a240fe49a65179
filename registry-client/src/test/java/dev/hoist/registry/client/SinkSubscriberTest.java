package dev.hoist.registry.client;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SinkSubscriber} adapts a {@link ResponseSink} for the JDK's client; {@link Transfers.BlobDownload} is one. */
class SinkSubscriberTest {
    /** Remembers whether it was cancelled. */
    private static final class Subscription implements Flow.Subscription {
        boolean cancelled;

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private static Descriptor blob(int size) {
        return new Descriptor("application/octet-stream", Digest.sha256(new byte[0]), size);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(7).nextBytes(b);
        return b;
    }

    @Test
    void writesReadOnlyAndArrayBuffersOfAnySizeAfterTheSkippedBytes() throws Exception {
        byte[] body = random(700_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // the server ignored the range for the first 1000 bytes and sent the whole blob with a 200
        Transfers.BlobDownload download = new Transfers.BlobDownload(out, 1000, blob(body.length), ProgressListener.NONE);
        assertTrue(download.accepts(200));
        SinkSubscriber s = new SinkSubscriber(download);
        s.onSubscribe(new Subscription());
        // as the JDK's client hands them out: read-only views, here bigger than the copy buffer, and an array one
        s.onNext(List.of(ByteBuffer.wrap(body, 0, 600_000).slice().asReadOnlyBuffer()));
        s.onNext(List.of(ByteBuffer.wrap(body, 600_000, 1).slice().asReadOnlyBuffer(),
                ByteBuffer.wrap(Arrays.copyOfRange(body, 600_001, body.length))));
        s.onComplete();
        assertNull(download.failure);
        assertEquals(body.length - 1000, download.written());
        assertArrayEquals(Arrays.copyOfRange(body, 1000, body.length), out.toByteArray());
        try (InputStream rest = s.getBody().toCompletableFuture().get()) {
            assertEquals(-1, rest.read());
        }
    }

    @Test
    void aFailingSinkCancelsTheResponseAndFailsIt() {
        Transfers.BlobDownload download = new Transfers.BlobDownload(new ByteArrayOutputStream(), 0, blob(10), ProgressListener.NONE);
        assertTrue(download.accepts(200));
        SinkSubscriber s = new SinkSubscriber(download);
        Subscription subscription = new Subscription();
        s.onSubscribe(subscription);
        s.onNext(List.of(ByteBuffer.wrap(new byte[11]).asReadOnlyBuffer()));
        assertNotNull(download.failure);
        assertTrue(subscription.cancelled);
        ExecutionException e = assertThrows(ExecutionException.class, () -> s.getBody().toCompletableFuture().get());
        assertInstanceOf(IOException.class, e.getCause());
    }

    @Test
    void aDownloadTakesOnlySuccessfulBodiesSkipsWhatItHasUnlessThePartIsServedAndRefusesMore() throws IOException {
        byte[] body = random(100);
        List<Long> progress = new ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void progress(Descriptor blob, long done) {
                progress.add(done);
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, 0, 40);
        Transfers.BlobDownload download = new Transfers.BlobDownload(out, 40, blob(100), listener);
        assertFalse(download.accepts(307));
        assertFalse(download.accepts(401));
        assertFalse(download.accepts(500));
        assertTrue(download.accepts(206)); // the rest, as asked
        download.write(body, 40, 30);
        download.write(body, 70, 30);
        assertArrayEquals(body, out.toByteArray());
        assertEquals(List.of(70L, 100L), progress);
        IOException tooMuch = assertThrows(IOException.class, () -> download.write(body, 0, 1));
        assertEquals("more than the expected 60 bytes", tooMuch.getMessage());
        assertEquals(tooMuch, download.failure);
    }
}
