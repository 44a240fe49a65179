package dev.hoist.cli;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.LocalImages;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a command run sees of the world: standard streams, the environment, and the hoist root given on the
 * command line (null for the default). Commands take these from here, never from {@link System}, so that
 * tests can run them in-process.
 */
final class Context {
    final PrintStream out;
    final PrintStream err;
    final InputStream in;
    final Map<String, String> env;
    Path rootOption;
    /** Whether standard input and output are a terminal (set by {@link Main#main}; false in-process). */
    boolean terminal;
    /**
     * Whether out, err and in are this process's own standard streams (set by {@link Main#main}; false in-process),
     * so that a child process such as a container can be given them as they are.
     */
    boolean standardStreams;
    private LocalImages images;

    Context(PrintStream out, PrintStream err, InputStream in, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.env = env;
    }

    /** The local image store under the chosen root, opened on first use. */
    LocalImages images() {
        if (images == null) {
            images = LocalImages.open(HoistRoot.resolve(rootOption, env));
        }
        return images;
    }

    /** The current time, for "created ... ago" columns. */
    java.time.Instant now() {
        return java.time.Instant.now();
    }
}
