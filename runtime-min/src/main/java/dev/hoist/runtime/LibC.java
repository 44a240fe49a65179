package dev.hoist.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few C library calls the JVM side needs (signals with any number); thread-safe. */
interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int kill(int pid, int signal);
}
