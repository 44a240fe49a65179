package dev.hoist.cli;

import dev.hoist.runtime.RunningContainer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code docker run}'s signal proxy for a container in the foreground: each signal hoist receives goes to the
 * container's process as it is, and hoist keeps waiting for the container, whose status it exits with. Its handlers
 * replace the JVM's, so SIGINT, SIGTERM and SIGHUP no longer end hoist. Not forwarded: SIGQUIT, which the JVM keeps
 * for its thread dumps (the helper forwards a terminal's Ctrl-\ itself), the signals that report a process's own
 * faults (ILL, TRAP, ABRT, BUS, FPE, SEGV, SYS), SIGCHLD, SIGPIPE and SIGURG (as Docker's CLI), and the real-time
 * signals, which the JVM's API cannot name. A named class, not a lambda: CONTRIBUTING.md, "Start-up paths".
 */
final class SignalProxy implements SignalHandler {

    private static final String[] SIGNALS = {"HUP", "INT", "USR1", "USR2", "ALRM", "TERM", "STKFLT", "CONT", "TSTP",
        "TTIN", "TTOU", "XCPU", "XFSZ", "VTALRM", "PROF", "IO", "PWR"};

    private RunningContainer container;   // guarded by this; null until the container has started
    private final List<Integer> pending = new ArrayList<>();   // guarded by this

    private SignalProxy() {
    }

    /**
     * Takes this process's signals from now on, before the container starts (as Docker's CLI does), so that none
     * arriving meanwhile ends hoist; they are forwarded once {@link #forwardTo} names the container. SIGWINCH too
     * unless the container has a terminal: then the helper copies the window size to it, and the kernel tells the
     * container.
     */
    static SignalProxy install(boolean tty) {
        SignalProxy proxy = new SignalProxy();
        for (String name : SIGNALS) {
            Signal.handle(new Signal(name), proxy);
        }
        if (!tty) {
            Signal.handle(new Signal("WINCH"), proxy);
        }
        return proxy;
    }

    /** Forwards the signals that arrived so far, in order, and all later ones to {@code started}. */
    synchronized void forwardTo(RunningContainer started) {
        container = started;
        for (int signal : pending) {
            started.kill(signal);
        }
        pending.clear();
    }

    @Override
    public synchronized void handle(Signal signal) {
        if (container == null) {
            pending.add(signal.getNumber());
        } else {
            container.kill(signal.getNumber());
        }
    }
}
