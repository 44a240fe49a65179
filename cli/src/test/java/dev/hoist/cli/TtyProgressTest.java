package dev.hoist.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The terminal display of a build, from the builder's plain lines, with a fake clock, read off a small terminal. */
class TtyProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AtomicLong now = new AtomicLong();
    private final TtyProgress tty = new TtyProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 60, now::get, false);
    private final PrintStream progress = new PrintStream(tty, true, StandardCharsets.UTF_8);

    /** What a terminal shows after all that was written: cursor up, carriage return, erase line and below; colours dropped. */
    private List<String> screen() {
        String s = bytes.toString(StandardCharsets.UTF_8);
        List<StringBuilder> rows = new ArrayList<>();
        rows.add(new StringBuilder());
        int row = 0;
        int col = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\033') {
                int j = i + 2;
                while (Character.isDigit(s.charAt(j))) {
                    j++;
                }
                String arg = s.substring(i + 2, j);
                switch (s.charAt(j)) {
                    case 'A' -> row -= Integer.parseInt(arg);
                    case 'J' -> {
                        rows.get(row).setLength(Math.min(col, rows.get(row).length()));
                        while (rows.size() > row + 1) {
                            rows.remove(rows.size() - 1);
                        }
                    }
                    case 'K' -> rows.get(row).setLength(0);
                    case 'm' -> { }
                    default -> throw new AssertionError("unexpected escape " + s.substring(i, j + 1));
                }
                i = j;
            } else if (c == '\n') {
                row++;
                col = 0;
                if (rows.size() == row) {
                    rows.add(new StringBuilder());
                }
            } else if (c == '\r') {
                col = 0;
            } else {
                StringBuilder r = rows.get(row);
                while (r.length() < col) {
                    r.append(' ');
                }
                if (col < r.length()) {
                    r.setCharAt(col, c);
                } else {
                    r.append(c);
                }
                col++;
            }
        }
        List<String> out = new ArrayList<>();
        for (StringBuilder r : rows) {
            out.add(r.toString());
        }
        if (out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    @Test
    void stepsEndOnOneLineAndTheOutputTailGoes() {
        progress.println("#1 [1/3] FROM busybox");
        progress.println("#2 [2/3] COPY a /a");
        progress.println("#2 CACHED");
        progress.println("#3 [3/3] RUN make");
        for (int i = 1; i <= 8; i++) {
            progress.println("#3 line " + i);
        }
        now.addAndGet(1_200_000_000L);
        tty.tick();
        assertEquals(List.of("#1 [1/3] FROM busybox", "#2 [2/3] COPY a /a  CACHED", "#3 [3/3] RUN make  1.2s",
                "  line 3", "  line 4", "  line 5", "  line 6", "  line 7", "  line 8"), screen(), "the last lines, ticking");
        now.addAndGet(1_300_000_000L);
        progress.println("#3 DONE");
        progress.println("#4 writing image sha256:abc named x");
        assertEquals(List.of("#1 [1/3] FROM busybox", "#2 [2/3] COPY a /a  CACHED", "#3 [3/3] RUN make  2.5s",
                "#4 writing image sha256:abc named x"), screen());
    }

    @Test
    void stagesRunningAtOnceEachKeepTheirLine() {
        progress.println("#2 [a 2/2] RUN sleep 2");
        progress.println("#3 [b 2/3] RUN echo b");
        progress.println("#2 a says");
        progress.println("#3 b says");
        now.addAndGet(500_000_000L);
        assertEquals(List.of("#2 [a 2/2] RUN sleep 2  0.0s", "  a says", "#3 [b 2/3] RUN echo b  0.0s", "  b says"),
                screen(), "as drawn with the last output; a tick moves the times");
        tty.tick();
        assertEquals("#2 [a 2/2] RUN sleep 2  0.5s", screen().get(0));
        progress.println("#3 DONE");
        progress.println("#4 [b 3/3] ENV X=1");
        now.addAndGet(1_500_000_000L);
        progress.println("#2 DONE");
        assertEquals(List.of("#3 [b 2/3] RUN echo b  0.5s", "#4 [b 3/3] ENV X=1", "#2 [a 2/2] RUN sleep 2  2.0s"),
                screen(), "each step ends on its own line, in the order they ended; a configuration step at once");
    }

    @Test
    void aFailingStepKeepsItsOutputAndAStoppedOneEndsCanceled() {
        progress.println("#2 [a 2/2] RUN false");
        progress.println("#3 [b 2/2] RUN sleep 9");
        progress.println("#2 it went wrong");
        progress.println("#2 ERROR: [a 2/2] RUN false: exit code 1");
        progress.println("#3 CANCELED");
        assertEquals(List.of("#2 [a 2/2] RUN false  0.0s", "  it went wrong", "#2 ERROR: [a 2/2] RUN false: exit code 1",
                "#3 [b 2/2] RUN sleep 9  CANCELED"), screen());
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("\033[31m#2 ERROR: [a 2/2] RUN false: exit code 1\033[0m"));
    }

    @Test
    void longLinesAreCutAndControlCharactersDropped() {
        progress.println("#2 [2/2] RUN yes");
        progress.println("#2 " + "x".repeat(100));
        progress.println("#2 moves\033[5Athe cursor\r");
        List<String> s = screen();
        assertEquals("  " + "x".repeat(57) + "…", s.get(1));
        assertEquals("  moves[5Athe cursor", s.get(2));
        now.addAndGet(3_000_000_000L);
        progress.println("#2 DONE");
        assertEquals("#2 [2/2] RUN yes  3.0s", screen().get(0));
        progress.println("#3 [3/3] RUN " + "y".repeat(80));
        progress.println("#3 DONE");
        assertEquals("#3 [3/3] RUN " + "y".repeat(38) + "…  0.0s", screen().get(1), "the time stays in view");
    }
}
