package dev.hoist.cli;

import dev.hoist.oci.Descriptor;
import dev.hoist.registry.client.ProgressListener;

import java.io.PrintStream;

/**
 * Prints transfer progress as plain lines, one per blob event, in Docker's words (for CI logs and
 * terminals alike). Thread-safe: lines are printed whole.
 */
final class ProgressPrinter implements ProgressListener {
    private final PrintStream out;
    private final String doneVerb;
    private int transferred;

    ProgressPrinter(PrintStream out, String doneVerb) {
        this.out = out;
        this.doneVerb = doneVerb;
    }

    private static String id(Descriptor blob) {
        return blob.digest().shortHex();
    }

    @Override
    public synchronized void started(Descriptor blob, long done) {
        out.println(id(blob) + ": " + (done > 0 ? "Resuming at " + Humans.size(done) + " of " : "Transferring ")
                + Humans.size(blob.size()));
    }

    @Override
    public synchronized void skipped(Descriptor blob, String why) {
        out.println(id(blob) + ": Already exists (" + why + ")");
    }

    @Override
    public synchronized void finished(Descriptor blob) {
        transferred++;
        out.println(id(blob) + ": " + doneVerb);
    }

    /** How many blobs were transferred (not skipped). */
    synchronized int transferred() {
        return transferred;
    }
}
