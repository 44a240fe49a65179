package dev.hoist.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The build's progress on a terminal, from the builder's plain lines ({@code #3 [2/5] RUN ...}, {@code #3 out},
 * {@code #3 DONE}). Below what is finished, a live area shows every running step (stages build at the same time)
 * with the time it has taken so far, ticking, and the last lines of its output; it is redrawn in place. A step
 * that ends leaves the live area as one line ending {@code CACHED}, {@code DONE 1.2s} or {@code CANCELED}; a
 * failing one leaves its output and the error. Lines of no running step (notes, the image written) and the steps
 * whose end the builder does not report ({@code FROM}, configuration only) are printed as they come. Thread-safe: writes are serialised.
 */
final class TtyProgress extends OutputStream {
    /** Output lines shown under a running step, when it is the only one; fewer each when several run. */
    private static final int TAIL = 6;
    private static final long TICK_MILLIS = 100;
    private static final String CLEAR_LINE = "\033[2K";
    private static final String RED = "\0";

    private final PrintStream term;
    private final int width;
    private final LongSupplier nanos;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    /** The running steps by number. */
    private final TreeMap<Integer, Step> running = new TreeMap<>();
    /** Lines of the live area on screen, below what is finished. */
    private int drawn;
    private Thread ticker;
    private final boolean tick;

    /**
     * @param tick whether a thread redraws the live area as time passes (tests drive {@link #tick()} instead)
     */
    TtyProgress(PrintStream term, int width, LongSupplier nanos, boolean tick) {
        this.term = term;
        this.width = Math.max(width, 40);
        this.nanos = nanos;
        this.tick = tick;
    }

    private static final class Step {
        final String header;
        final long started;
        final ArrayDeque<String> tail = new ArrayDeque<>();

        Step(String header, long started) {
            this.header = header;
            this.started = started;
        }
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            onLine(s);
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    @Override
    public synchronized void flush() {
        term.flush();
    }

    /** Redraws the live area, so that the running steps' times move on. */
    synchronized void tick() {
        if (!running.isEmpty()) {
            redraw(List.of());
        }
    }

    private void onLine(String s) {
        int n = stepNumber(s);
        String rest = n < 0 ? s : s.substring(s.indexOf(' ') + 1);
        Step st = n < 0 ? null : running.get(n);
        if (n >= 0 && rest.startsWith("[")) {
            if (!endReported(rest)) {
                redraw(List.of(s));
            } else {
                running.put(n, new Step(s, nanos.getAsLong()));
                startTicking();
                redraw(List.of());
            }
        } else if (st == null) {
            redraw(List.of(rest.startsWith("ERROR") ? red(s) : s));
        } else if (rest.equals("CACHED") || rest.equals("CANCELED")) {
            running.remove(n);      // CANCELED: the stage was stopped because another one failed
            redraw(List.of(ended(st, rest)));
        } else if (rest.equals("DONE")) {
            running.remove(n);
            redraw(List.of(ended(st, seconds(st))));
        } else if (rest.startsWith("ERROR")) {
            running.remove(n);      // the output stays on screen: it says why
            List<String> out = new ArrayList<>();
            out.add(ended(st, seconds(st)));
            for (String t : st.tail) {
                out.add("  " + t);
            }
            out.add(red(s));
            redraw(out);
        } else {
            st.tail.addLast(rest);
            while (st.tail.size() > TAIL) {
                st.tail.removeFirst();
            }
            redraw(List.of());
        }
    }

    /**
     * Whether the builder reports how the step of header {@code rest} ({@code [2/5] RUN ...}) ended: it does for the
     * steps that may make a layer, not for a base ({@code FROM}) or for steps that only change the configuration.
     */
    private static boolean endReported(String rest) {
        int i = rest.indexOf("] ");
        String in = i < 0 ? "" : rest.substring(i + 2);
        return in.startsWith("RUN ") || in.startsWith("COPY ") || in.startsWith("ADD ") || in.startsWith("WORKDIR ");
    }

    /** {@code N} of a line {@code #N ...}, or -1. */
    private static int stepNumber(String s) {
        if (!s.startsWith("#")) {
            return -1;
        }
        int i = 1;
        int n = 0;
        while (i < s.length() && i < 10 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            n = n * 10 + (s.charAt(i) - '0');
            i++;
        }
        return i > 1 && i < s.length() && s.charAt(i) == ' ' ? n : -1;
    }

    /** Erases the live area, prints {@code finished} above it for good, and draws the live area again. */
    private void redraw(List<String> finished) {
        StringBuilder sb = new StringBuilder();
        if (drawn > 0) {
            sb.append("\033[").append(drawn).append("A\r\033[J");
        }
        for (String f : finished) {
            if (f.startsWith(RED)) {
                sb.append("\033[31m").append(fit(f.substring(1))).append("\033[0m\n");
            } else {
                sb.append(fit(f)).append('\n');
            }
        }
        drawn = 0;
        int tail = running.size() <= 1 ? TAIL : Math.max(1, TAIL / running.size());
        for (Step st : running.values()) {
            sb.append(CLEAR_LINE).append(ended(st, seconds(st))).append('\n');
            drawn++;
            int skip = Math.max(0, st.tail.size() - tail);
            for (String t : st.tail) {
                if (skip-- > 0) {
                    continue;
                }
                sb.append(CLEAR_LINE).append("\033[2m  ").append(fit(t)).append("\033[0m\n");
                drawn++;
            }
        }
        term.print(sb);
        term.flush();
    }

    /** The step's header cut to leave room for {@code end} (its time or how it ended), and {@code end}. */
    private String ended(Step st, String end) {
        String h = fit(st.header);
        int room = width - 2 - 2 - end.length();
        if (h.length() > room) {
            h = h.substring(0, Math.max(room - 1, 0)) + "…";
        }
        return h + "  " + end;
    }

    private String seconds(Step st) {
        return String.format(Locale.ROOT, "%.1fs", (nanos.getAsLong() - st.started) / 1e9);
    }

    /** Marks a finished line to be shown in red (the mark is not text: control characters never reach the screen). */
    private static String red(String s) {
        return RED + s;
    }

    private void startTicking() {
        if (!tick || ticker != null) {
            return;
        }
        ticker = new Thread(new Runnable() {   // not a lambda: CONTRIBUTING.md, "Start-up paths"
            @Override
            public void run() {
                try {
                    while (true) {
                        Thread.sleep(TICK_MILLIS);
                        tick();
                    }
                } catch (InterruptedException e) {
                    // the build is over
                }
            }
        }, "hoist-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    /** Drops control characters (a step's output could move the cursor) and cuts the line to the width. */
    private String fit(String s) {
        StringBuilder clean = new StringBuilder(Math.min(s.length(), width));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\t' || (c >= ' ' && c != 127 && !(c >= 0x80 && c < 0xa0))) {
                if (clean.length() == width - 2) {
                    clean.setLength(width - 3);
                    return clean.append('…').toString();
                }
                clean.append(c);
            }
        }
        return clean.toString();
    }
}
