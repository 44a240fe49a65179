package dev.hoist.registry.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How transient failures (connection errors, timeouts, 5xx, 429) are retried: up to {@code maxAttempts}
 * tries in all, waiting {@code initialDelay} doubled at each retry, with full jitter, capped at
 * {@code maxDelay} (a {@code Retry-After} from the registry is honoured, also capped).
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

    /** The wait a registry asked for, capped by {@link #maxDelay()}. */
    public Duration capped(Duration asked) {
        return asked.compareTo(maxDelay) > 0 ? maxDelay : asked;
    }
}
