package dev.hoist.cache.layer;

import dev.hoist.oci.MediaTypes.Compression;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Times hoist's layer writer and applier against GNU tar on one directory: median of 5 runs of
 * {@code tar -czf} vs {@link LayerWriter} (gzip), and {@code tar -xzf} vs {@link LayerApplier} on the
 * same layer, alternating tool and hoist. Outputs go to a work directory beside the input's file system
 * (or {@code -Dwork=DIR}); before each timed run {@code sync} runs, untimed, so that one run's write-back
 * is not billed to the next, and each apply goes to a new directory (all removed at the end). Not a test: run its main, e.g. on the
 * {@code copy} context of make-contexts.py.
 *
 * <pre>java -cp ... dev.hoist.cache.layer.LayerBench /tmp/hoist-bench/copy [level] [runs]</pre>
 */
public final class LayerBench {
    private LayerBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/hoist-bench/copy");
        int level = args.length > 1 ? Integer.parseInt(args[1]) : LayerCompression.DEFAULT_GZIP_LEVEL;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path work = System.getProperty("work") != null
                ? Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("work"))), "hoist-layer-bench")
                : Files.createTempDirectory("hoist-layer-bench");
        Path tarOut = work.resolve("tar.tgz");
        Path hoistOut = work.resolve("hoist.tgz");
        LayerWriter writer = LayerWriter.builder().compression(Compression.GZIP).level(level).build();
        LayerApplier applier = LayerApplier.create();

        // warm up the JIT and the page cache
        for (int i = 0; i < 2; i++) {
            write(writer, dir, hoistOut);
        }
        List<Double> tarC = new ArrayList<>();
        List<Double> hoistC = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            settle(tarOut, hoistOut);
            tarC.add(time(() -> run("tar", "-czf", tarOut.toString(), "-C", dir.toString(), ".")));
            settle(tarOut, hoistOut);
            hoistC.add(time(() -> write(writer, dir, hoistOut)));
        }
        write(writer, dir, hoistOut);
        run("tar", "-czf", tarOut.toString(), "-C", dir.toString(), ".");
        // apply hoist's layer with both; then GNU tar's own .tgz (a plain deflate stream) with both
        List<Double> tarX = new ArrayList<>();
        List<Double> hoistX = new ArrayList<>();
        applyRuns(work, hoistOut, applier, runs, tarX, hoistX);
        List<Double> tarX2 = new ArrayList<>();
        List<Double> hoistX2 = new ArrayList<>();
        applyRuns(work, tarOut, applier, runs, tarX2, hoistX2);
        System.out.println("runs (s): tar -czf " + tarC + "\n          hoist    " + hoistC
                + "\n          tar -xzf " + tarX + "\n          hoist    " + hoistX
                + "\n          tar -xzf " + tarX2 + "\n          hoist    " + hoistX2 + "   (GNU tar's .tgz)");
        double tc = median(tarC);
        double hc = median(hoistC);
        double tx = median(tarX);
        double hx = median(hoistX);
        long bytes = du(dir);
        System.out.printf("input: %s, %.1f MB; gzip level %d; %d runs; %d processors%n", dir, bytes / 1e6, level, runs,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("write  tar -czf  %6.2f s  (%6.1f MB/s)  %d bytes%n", tc, bytes / 1e6 / tc, Files.size(tarOut));
        System.out.printf("write  hoist     %6.2f s  (%6.1f MB/s)  %d bytes   throughput ratio hoist/tar = %.2f%n",
                hc, bytes / 1e6 / hc, Files.size(hoistOut), tc / hc);
        System.out.printf("apply  tar -xzf  %6.2f s   (hoist's layer)%n", tx);
        System.out.printf("apply  hoist     %6.2f s   speed ratio hoist/tar = %.2f%n", hx, tx / hx);
        System.out.printf("apply  tar -xzf  %6.2f s   (GNU tar's .tgz)%n", median(tarX2));
        System.out.printf("apply  hoist     %6.2f s   speed ratio hoist/tar = %.2f%n", median(hoistX2),
                median(tarX2) / median(hoistX2));
        run("rm", "-rf", work.toString());
    }

    private static void applyRuns(Path work, Path layer, LayerApplier applier, int runs, List<Double> tarTimes,
                                  List<Double> hoistTimes) throws Exception {
        // every run extracts into a new directory, all removed at the end: deleting 5,000 files just
        // before creating 5,000 others makes ext4's inode allocator scan for recently freed inodes, which
        // would dominate both tools' times
        String tag = layer.getFileName().toString();
        for (int i = 0; i < runs + 1; i++) {
            Path t = Files.createDirectories(work.resolve("x-tar-" + tag + i));
            Path h = Files.createDirectories(work.resolve("x-hoist-" + tag + i));
            run("sync");
            double a = time(() -> run("tar", "-xzf", layer.toString(), "-C", t.toString()));
            run("sync");
            double b = time(() -> {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(layer), 1 << 20)) {
                    applier.apply(in, h);
                }
            });
            if (i > 0) { // the first round warms up the applier
                tarTimes.add(a);
                hoistTimes.add(b);
            }
        }
    }

    /** Removes {@code paths} and lets the kernel write back what is dirty, outside the timed part. */
    private static void settle(Path... paths) throws IOException, InterruptedException {
        for (Path p : paths) {
            run("rm", "-rf", p.toString());
        }
        run("sync");
    }

    private static void write(LayerWriter writer, Path dir, Path out) throws Exception {
        try (OutputStream o = Files.newOutputStream(out)) {
            writer.writeTree(dir, o);
        }
    }

    private static long du(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private static double time(Action a) throws Exception {
        long t0 = System.nanoTime();
        a.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed");
        }
    }
}
