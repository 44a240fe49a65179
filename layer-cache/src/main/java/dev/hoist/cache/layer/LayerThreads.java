package dev.hoist.cache.layer;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The executor layer writers and appliers use when none is given: daemon threads, made as needed. Thread-safe. */
final class LayerThreads {
    private static final ExecutorService SHARED;

    static {
        AtomicInteger n = new AtomicInteger();
        SHARED = Executors.newCachedThreadPool(new ThreadFactory() {
            @Override
            public Thread newThread(Runnable r) {
                Thread t = new Thread(r, "hoist-layer-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            }
        });
    }

    private LayerThreads() {
    }

    static ExecutorService shared() {
        return SHARED;
    }
}
