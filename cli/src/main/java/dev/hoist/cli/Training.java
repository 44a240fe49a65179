package dev.hoist.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The build-time training run for the class-data-sharing archive: runs the everyday commands against a
 * scratch root so that the classes they load are archived. Not part of the public command line.
 */
final class Training {
    private Training() {
    }

    public static void main(String[] args) {
        Path root = Path.of(args[0]);
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        System.setOut(sink);
        System.setErr(sink);
        try {
            for (String[] cmd : new String[][] {
                    {"--version"},
                    {"--help"},
                    {"--root", root.toString(), "images"},
                    {"--root", root.toString(), "images", "--help"},
            }) {
                Main.run(sink, sink, System.in, java.util.Map.of(), cmd);
            }
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
    }
}
