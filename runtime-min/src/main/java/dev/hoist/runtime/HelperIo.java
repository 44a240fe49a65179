package dev.hoist.runtime;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;

/**
 * How the helper's standard streams are connected: pipes copied from and to the caller's streams, this process's own
 * streams passed on as they are, or files (a log, a terminal device). {@code input} says whether the container reads
 * the helper's stdin; otherwise it reads /dev/null (or, with a terminal, nothing).
 */
record HelperIo(Redirect in, Redirect out, Redirect err, boolean input, OutputStream stdout, OutputStream stderr,
                InputStream stdin) {

    private static final Redirect NULL_INPUT = Redirect.from(new File("/dev/null"));

    /** Pipes: output copied to {@code stdout} and {@code stderr} (null discards), input from {@code stdin} (null: none). */
    static HelperIo pipes(OutputStream stdout, OutputStream stderr, InputStream stdin) {
        return new HelperIo(stdin == null ? NULL_INPUT : Redirect.PIPE, stdout == null ? Redirect.DISCARD : Redirect.PIPE,
                stderr == null ? Redirect.DISCARD : Redirect.PIPE, stdin != null, stdout, stderr, stdin);
    }

    /** This process's own stdout and stderr, and its stdin when {@code interactive}. */
    static HelperIo inherited(boolean interactive) {
        return new HelperIo(interactive ? Redirect.INHERIT : NULL_INPUT, Redirect.INHERIT, Redirect.INHERIT, interactive,
                null, null, null);
    }

    /** A file for stdout and stderr (appended), no input. */
    static HelperIo log(File log) {
        return new HelperIo(NULL_INPUT, Redirect.appendTo(log), Redirect.appendTo(log), false, null, null, null);
    }

    /** A terminal device (or any file) as stdin, stdout and stderr. */
    static HelperIo device(File device, boolean interactive) {
        return new HelperIo(interactive ? Redirect.from(device) : NULL_INPUT, Redirect.appendTo(device),
                Redirect.appendTo(device), interactive, null, null, null);
    }

    void applyTo(ProcessBuilder pb) {
        pb.redirectInput(in).redirectOutput(out).redirectError(err);
    }
}
