package dev.hoist.cli;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.MediaTypes;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressPrinterTest {
    private static final Descriptor BIG = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, new byte[10_000_000]);
    private static final Descriptor SMALL = Descriptor.of(MediaTypes.OCI_CONFIG, "{}".getBytes(StandardCharsets.UTF_8));

    private static String run(boolean terminal) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ProgressPrinter p = new ProgressPrinter(out, "Pushed", terminal);
        p.started(BIG, 0);
        p.skipped(SMALL, "already in library/x");
        for (long done = 0; done <= BIG.size(); done += 100_000) {
            p.progress(BIG, done);
        }
        p.finished(BIG);
        assertEquals(1, p.transferred());
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void plainLinesWhenNotATerminal() {
        String id = BIG.digest().shortHex();
        assertEquals(List.of(id + ": Transferring 10MB", SMALL.digest().shortHex() + ": Already exists (already in library/x)",
                id + ": Pushed"), run(false).lines().toList());
    }

    @Test
    void perBlobBytesRedrawnInPlaceOnATerminal() {
        String out = run(true);
        String id = BIG.digest().shortHex();
        assertTrue(out.contains("\033[2A"), "moves back over the two blob lines");
        assertTrue(out.contains(id + ": Transferring 5MB / 10MB"), out);
        assertTrue(out.endsWith("\r\033[2K" + id + ": Pushed\n\r\033[2K" + SMALL.digest().shortHex()
                + ": Already exists (already in library/x)\n"), out);
        long redraws = java.util.regex.Pattern.compile("\033\\[\\d+A").matcher(out).results().count();
        assertTrue(redraws <= 60, "at most ~50 byte-count redraws per blob, not one per buffer: " + redraws);
        assertFalse(out.contains(id + ": Transferring 10MB\n"), "no plain lines");
    }
}
