package dev.hoist.registry.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How transient failures (connection errors, timeouts, 5xx, 429) are retried: up to {@code maxAttempts}
 * tries in all, waiting {@code initialDelay} doubled at each retry, with full jitter, capped at
 * {@code maxDelay}. A {@code Retry-After} from the registry is waited out as asked, up to
 * {@link #RETRY_AFTER_LIMIT}; a longer one is reported at once rather than waited for in silence.
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay) {

    /** Five tries, 200 ms doubling to at most 10 s. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(10));

    /** One try only. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
        }
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (initialDelay.isNegative() || maxDelay.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative");
        }
    }

    /** The wait before retry number {@code retry} (1 for the first retry), jittered. */
    public Duration delay(int retry) {
        long base = initialDelay.toMillis();
        long cap = maxDelay.toMillis();
        long exp = base << Math.min(retry - 1, 20);
        long upper = Math.min(cap, exp < 0 ? cap : exp);
        if (upper <= 0) {
            return Duration.ZERO;
        }
        // "equal jitter": at least half the exponential delay, so retries keep backing off
        long half = upper / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(upper - half + 1));
    }

    /** The longest {@code Retry-After} that is waited out. */
    public static final Duration RETRY_AFTER_LIMIT = Duration.ofMinutes(1);

    /** Whether a registry's {@code Retry-After} of {@code asked} is to be waited out rather than reported. */
    public static boolean waitsOut(Duration asked) {
        return asked.compareTo(RETRY_AFTER_LIMIT) <= 0;
    }
}
