package dev.hoist.registry.client;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class SinkSubscriberTest {
    private static final Flow.Subscription NOTHING = new Flow.Subscription() {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    };

    @Test
    void writesReadOnlyAndArrayBuffersOfAnySizeAfterTheSkippedBytes() {
        byte[] body = new byte[700_000];
        new Random(7).nextBytes(body);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SinkSubscriber s = new SinkSubscriber(out, 1000, body.length - 1000, n -> { });
        s.onSubscribe(NOTHING);
        // as the JDK's client hands them out: read-only views, here bigger than the copy buffer, and an array one
        s.onNext(List.of(ByteBuffer.wrap(body, 0, 600_000).slice().asReadOnlyBuffer()));
        s.onNext(List.of(ByteBuffer.wrap(body, 600_000, 1).slice().asReadOnlyBuffer(),
                ByteBuffer.wrap(Arrays.copyOfRange(body, 600_001, body.length))));
        s.onComplete();
        assertNull(s.failure);
        assertEquals(body.length - 1000, s.written());
        assertArrayEquals(Arrays.copyOfRange(body, 1000, body.length), out.toByteArray());
    }

    @Test
    void refusesMoreThanTheLimit() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SinkSubscriber s = new SinkSubscriber(out, 0, 10, n -> { });
        s.onSubscribe(NOTHING);
        s.onNext(List.of(ByteBuffer.wrap(new byte[11]).asReadOnlyBuffer()));
        assertNotNull(s.failure);
        assertEquals(0, out.size());
    }
}
