package dev.hoist.oci;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;

/**
 * Random bytes for identifiers (container IDs, temp names), read from the kernel's {@code /dev/urandom}, as
 * {@code SecureRandom}'s default does on Linux, but without the JCA provider framework, whose first use costs
 * several milliseconds of a command's start. Falls back to {@link SecureRandom} where the device cannot be read.
 * Thread-safe.
 */
public final class Urandom {
    private Urandom() {
    }

    /** {@code n} random bytes. */
    public static byte[] bytes(int n) {
        byte[] b = new byte[n];
        try (InputStream in = new FileInputStream("/dev/urandom")) {
            if (in.readNBytes(b, 0, n) == n) {
                return b;
            }
        } catch (IOException e) {
            // not Linux, or no /dev: below
        }
        new SecureRandom().nextBytes(b);
        return b;
    }
}
