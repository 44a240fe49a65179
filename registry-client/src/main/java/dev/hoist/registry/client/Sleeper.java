package dev.hoist.registry.client;

import java.time.Duration;

/** Waits between retries; injected so that tests can record waits instead of sleeping. Thread-safe. */
@FunctionalInterface
public interface Sleeper {

    /** Sleeps on the calling thread. */
    Sleeper SYSTEM = d -> Thread.sleep(d.toMillis());

    void sleep(Duration duration) throws InterruptedException;
}
