package dev.hoist.cli;

import dev.hoist.oci.Descriptor;
import dev.hoist.registry.client.ProgressListener;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints transfer progress in Docker's words. On a terminal, one line per blob, redrawn in place as its
 * bytes move ({@code 3f2a…: Transferring 12.0MB / 101MB}); elsewhere (CI logs, pipes) plain lines, one per
 * blob event, with no byte counts. Thread-safe: output is written whole.
 */
final class ProgressPrinter implements ProgressListener {
    /** How many redraws a blob's byte count gets at most, on a terminal. */
    private static final int STEPS = 50;
    private final PrintStream out;
    private final String doneVerb;
    private final boolean terminal;
    private final List<String> order = new ArrayList<>();
    private final Map<String, String> lines = new HashMap<>();
    private final Map<String, Long> drawnBytes = new HashMap<>();
    private int drawnLines;
    private int transferred;

    /** Plain lines. */
    ProgressPrinter(PrintStream out, String doneVerb) {
        this(out, doneVerb, false);
    }

    /** Per-blob lines redrawn in place when {@code terminal}, else plain lines. */
    ProgressPrinter(PrintStream out, String doneVerb, boolean terminal) {
        this.out = out;
        this.doneVerb = doneVerb;
        this.terminal = terminal;
    }

    private static String id(Descriptor blob) {
        return blob.digest().shortHex();
    }

    @Override
    public synchronized void started(Descriptor blob, long done) {
        if (terminal) {
            drawnBytes.put(id(blob), done);
            show(blob, bytes(done, blob.size()));
        } else {
            out.println(id(blob) + ": " + (done > 0 ? "Resuming at " + Humans.size(done) + " of " : "Transferring ")
                    + Humans.size(blob.size()));
        }
    }

    @Override
    public synchronized void progress(Descriptor blob, long done) {
        if (!terminal) {
            return;
        }
        long step = Math.max(1, blob.size() / STEPS);
        Long last = drawnBytes.get(id(blob));
        if (last == null || done - last >= step || (blob.size() >= 0 && done >= blob.size() && last < done)) {
            drawnBytes.put(id(blob), done);
            show(blob, bytes(done, blob.size()));
        }
    }

    @Override
    public synchronized void skipped(Descriptor blob, String why) {
        show(blob, "Already exists (" + why + ")");
    }

    @Override
    public synchronized void finished(Descriptor blob) {
        transferred++;
        show(blob, doneVerb);
    }

    private static String bytes(long done, long size) {
        return "Transferring " + Humans.size(done) + " / " + (size >= 0 ? Humans.size(size) : "?");
    }

    private void show(Descriptor blob, String text) {
        String id = id(blob);
        if (!terminal) {
            out.println(id + ": " + text);
            return;
        }
        if (!lines.containsKey(id)) {
            order.add(id);
        }
        lines.put(id, text);
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append("\033[").append(drawnLines).append('A'); // back to the first blob's line
        }
        for (String each : order) {
            sb.append("\r\033[2K").append(each).append(": ").append(lines.get(each)).append('\n');
        }
        drawnLines = order.size();
        out.print(sb);
        out.flush();
    }

    /** How many blobs were transferred (not skipped). */
    synchronized int transferred() {
        return transferred;
    }
}
