package dev.hoist.cache.layer;

import dev.hoist.oci.MediaTypes.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Layers made by GNU tar apply to the tree they came from, and GNU tar extracts hoist's layers. */
class GnuTarCompatTest {
    @TempDir
    Path tmp;

    @Test
    void gnuFormatTarAppliesToTheSourceTree() throws Exception {
        Path src = Fixtures.richTree(tmp.resolve("src"));
        byte[] tar = run(null, "tar", "-cf", "-", "-C", src.toString(), ".");
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        LayerApplier.create().apply(new ByteArrayInputStream(tar), dst);
        assertEquals(TreeSnapshot.of(src, true, x -> false), TreeSnapshot.of(dst, true, x -> false));
    }

    @Test
    void posixFormatTarWithXattrsAppliesToTheSourceTree() throws Exception {
        Path src = Fixtures.richTree(tmp.resolve("src"));
        byte[] tar = run(null, "tar", "--format=posix", "--xattrs", "--xattrs-include=*", "-czf", "-",
                "-C", src.toString(), ".");
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        AppliedLayer applied = LayerApplier.create().apply(new ByteArrayInputStream(tar), dst);
        assertEquals(Compression.GZIP, applied.compression());
        assertEquals(TreeSnapshot.of(src), TreeSnapshot.of(dst));
    }

    @Test
    void gnuTarExtractsHoistLayers() throws Exception {
        Path src = Fixtures.richTree(tmp.resolve("src"));
        Fixtures.Written w = Fixtures.writeTree(Compression.GZIP, src);
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        run(w.bytes(), "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpzf", "-", "-C", dst.toString());
        assertEquals(TreeSnapshot.of(src), TreeSnapshot.of(dst));
        // and zstd ones
        Fixtures.Written z = Fixtures.writeTree(Compression.ZSTD, src);
        Path dst2 = Files.createDirectories(tmp.resolve("dst2"));
        run(z.bytes(), "tar", "--zstd", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", "-", "-C", dst2.toString());
        assertEquals(TreeSnapshot.of(src), TreeSnapshot.of(dst2));
    }

    private static byte[] run(byte[] stdin, String... cmd) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(cmd));
        Process p = new ProcessBuilder(c).redirectError(ProcessBuilder.Redirect.PIPE).start();
        Thread feeder = new Thread(() -> {
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException e) {
                // the process ended early: its exit code tells
            }
        });
        feeder.start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        feeder.join();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + err);
        }
        return out;
    }
}
