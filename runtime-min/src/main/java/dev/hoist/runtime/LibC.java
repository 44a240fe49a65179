package dev.hoist.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The few C library calls the JVM side needs (signals with any number); thread-safe. Loaded on first use only, by
 * the glibc soname, so that JNA opens the file directly instead of asking {@code ldconfig -p} (a fork and exec).
 */
interface LibC extends Library {

    LibC INSTANCE = load();

    int kill(int pid, int signal);

    /**
     * Sends {@code signal} to {@code pid}: SIGTERM and SIGKILL through {@link ProcessHandle}, which needs no native
     * binding; other signals through libc.
     */
    static void signal(long pid, int signal) {
        if (signal == RunningContainer.SIGKILL || signal == RunningContainer.SIGTERM) {
            ProcessHandle.of(pid).ifPresent(p -> {
                if (signal == RunningContainer.SIGKILL) {
                    p.destroyForcibly();
                } else {
                    p.destroy();
                }
            });
        } else {
            INSTANCE.kill((int) pid, signal);
        }
    }

    private static LibC load() {
        try {
            return Native.load("libc.so.6", LibC.class);
        } catch (UnsatisfiedLinkError e) {
            return Native.load("c", LibC.class);   // not glibc (musl): let JNA search
        }
    }
}
