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
 * same layer. Not a test: run its main, e.g. on the {@code copy} context of make-contexts.py.
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
        Path work = Files.createTempDirectory("hoist-layer-bench");
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
            tarC.add(time(() -> run("tar", "-czf", tarOut.toString(), "-C", dir.toString(), ".")));
            hoistC.add(time(() -> write(writer, dir, hoistOut)));
        }
        List<Double> tarX = new ArrayList<>();
        List<Double> hoistX = new ArrayList<>();
        for (int i = 0; i < runs + 1; i++) {
            Path t = work.resolve("x-tar");
            Path h = work.resolve("x-hoist");
            run("rm", "-rf", t.toString(), h.toString());
            Files.createDirectories(t);
            Files.createDirectories(h);
            double a = time(() -> run("tar", "-xzf", tarOut.toString(), "-C", t.toString()));
            double b = time(() -> {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(hoistOut), 1 << 20)) {
                    applier.apply(in, h);
                }
            });
            if (i > 0) { // the first round warms up the applier
                tarX.add(a);
                hoistX.add(b);
            }
        }
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
        System.out.printf("apply  tar -xzf  %6.2f s%n", tx);
        System.out.printf("apply  hoist     %6.2f s   speed ratio hoist/tar = %.2f%n", hx, tx / hx);
        run("rm", "-rf", work.toString());
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
