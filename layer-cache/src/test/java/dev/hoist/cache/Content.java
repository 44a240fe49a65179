package dev.hoist.cache;

import java.util.Random;

/** Deterministic test content. */
final class Content {
    private Content() {
    }

    static byte[] bytes(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
