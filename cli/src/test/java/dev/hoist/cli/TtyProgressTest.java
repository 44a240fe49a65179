package dev.hoist.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The terminal display of a build, from the builder's plain lines, with a fake clock. */
class TtyProgressTest {
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final AtomicLong now = new AtomicLong();
    private final PrintStream progress = new PrintStream(
            new TtyProgress(new PrintStream(screen, true, StandardCharsets.UTF_8), 60, now::get), true, StandardCharsets.UTF_8);

    private String shown() {
        return screen.toString(StandardCharsets.UTF_8);
    }

    @Test
    void stepsEndOnTheirHeaderLineAndTheOutputTailIsErased() {
        progress.println("#1 [1/3] FROM busybox");
        progress.println("#2 [2/3] COPY a /a");
        progress.println("#2 CACHED");
        assertTrue(shown().contains("\033[1A\r\033[2K#2 [2/3] COPY a /a  CACHED\n"), shown());
        progress.println("#3 [3/3] RUN make");
        for (int i = 1; i <= 8; i++) {
            progress.println("#3 line " + i);
        }
        assertTrue(shown().contains("\033[6A\r"), "the tail is redrawn in place: " + shown());
        now.addAndGet(2_500_000_000L);
        progress.println("#3 DONE");
        assertTrue(shown().endsWith("\033[6A\r\033[J\033[1A\r\033[2K#3 [3/3] RUN make  DONE 2.5s\n"), shown());
        progress.println("#4 writing image sha256:abc named x");
        assertTrue(shown().endsWith("#4 writing image sha256:abc named x\n"));
    }

    @Test
    void aStepStoppedBecauseAnotherStageFailedEndsCanceled() {
        progress.println("#3 [b 2/2] RUN sleep 9");
        progress.println("#3 CANCELED");
        assertTrue(shown().endsWith("\033[1A\r\033[2K#3 [b 2/2] RUN sleep 9  CANCELED\n"), shown());
    }

    @Test
    void aFailingStepKeepsItsOutputAndLongLinesAreCut() {
        progress.println("#2 [2/2] RUN false");
        progress.println("#2 " + "x".repeat(100));
        progress.println("#2 ERROR: exit code 1");
        String s = shown();
        assertFalse(s.contains("\033[J"), "the output stays: " + s);
        assertTrue(s.contains("\033[31m#2 ERROR: exit code 1\033[0m"), s);
        assertTrue(s.contains("x".repeat(57) + "…"), s);
        assertEquals(-1, s.indexOf("x".repeat(58)));
    }
}
