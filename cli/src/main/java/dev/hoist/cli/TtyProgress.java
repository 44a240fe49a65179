package dev.hoist.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The build's progress on a terminal: reads the builder's plain lines ({@code #3 [2/5] RUN ...}, {@code #3 out},
 * {@code #3 DONE}) and shows each step on one line that ends with {@code CACHED} or {@code DONE 1.2s}, with the
 * last lines of the running step's output below it, redrawn in place and erased when the step ends (kept when it
 * fails). Thread-safe: writes are serialised.
 */
final class TtyProgress extends OutputStream {
    private static final Pattern HEADER = Pattern.compile("^#(\\d+) \\[.*");
    private static final Pattern LINE = Pattern.compile("^#(\\d+) (.*)$");
    private static final int TAIL = 6;
    private static final String CLEAR_LINE = "\033[2K";

    private final PrintStream term;
    private final int width;
    private final LongSupplier nanos;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private String step;        // the number of the running step, or null
    private String header;
    private long started;
    private int drawn;          // tail lines on screen below the header

    TtyProgress(PrintStream term, int width, LongSupplier nanos) {
        this.term = term;
        this.width = Math.max(width, 40);
        this.nanos = nanos;
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

    private void onLine(String s) {
        if (HEADER.matcher(s).matches()) {
            eraseTail();
            Matcher m = LINE.matcher(s);
            m.matches();
            step = m.group(1);
            header = s;
            started = nanos.getAsLong();
            tail.clear();
            term.println(fit(s));
            term.flush();
            return;
        }
        Matcher m = LINE.matcher(s);
        if (!m.matches() || !m.group(1).equals(step)) {
            eraseTail();
            term.println(fit(s));
            term.flush();
            return;
        }
        String rest = m.group(2);
        if (rest.equals("CACHED") || rest.equals("DONE") || rest.equals("CANCELED")) {
            // CANCELED: the stage was stopped because another one failed
            eraseTail();
            String end = !rest.equals("DONE") ? rest
                    : String.format(Locale.ROOT, "DONE %.1fs", (nanos.getAsLong() - started) / 1e9);
            term.print("\033[1A\r" + CLEAR_LINE + fit(header + "  " + end) + "\n");
            term.flush();
            step = null;
            return;
        }
        if (rest.startsWith("ERROR")) {
            drawn = 0;  // keep the output on screen: it says why
            term.println("\033[31m" + fit(s) + "\033[0m");
            term.flush();
            step = null;
            return;
        }
        tail.addLast(rest);
        while (tail.size() > TAIL) {
            tail.removeFirst();
        }
        redrawTail();
    }

    private void redrawTail() {
        StringBuilder sb = new StringBuilder();
        if (drawn > 0) {
            sb.append("\033[").append(drawn).append("A\r");
        }
        for (String t : tail) {
            sb.append(CLEAR_LINE).append("\033[2m  ").append(fit(t)).append("\033[0m\n");
        }
        drawn = tail.size();
        term.print(sb);
        term.flush();
    }

    private void eraseTail() {
        if (drawn > 0) {
            term.print("\033[" + drawn + "A\r\033[J");
            drawn = 0;
        }
    }

    private String fit(String s) {
        String clean = s.replaceAll("[\\p{Cntrl}&&[^\t]]", "");
        return clean.length() <= width - 2 ? clean : clean.substring(0, width - 3) + "…";
    }
}
