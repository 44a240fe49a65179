package dev.hoist.registry.client;

import java.time.Duration;

/** Waits between retries; injected so that tests can record waits instead of sleeping. Thread-safe. */
@FunctionalInterface
public interface Sleeper {

    /** Sleeps on the calling thread. (A class, not a lambda: it is made on every client's start.) */
    Sleeper SYSTEM = new Sleeper() {
        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration.toMillis());
        }
    };

    void sleep(Duration duration) throws InterruptedException;
}
