package dev.hoist.builder;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CopyMode} against what BuildKit's mode package (a Go port of BSD's setmode(3), with no umask) gives: each
 * row is a {@code --chmod} value, a mode before, whether it is a directory, and the mode after.
 */
class CopyModeTest {
    private record Row(String chmod, int before, boolean directory, int after) {
    }

    private static final Row[] ROWS = {
        new Row("755", 0600, false, 0755),
        new Row("0644", 0755, true, 0644),
        new Row("4755", 0600, false, 04755),
        new Row("u+x", 0644, false, 0744),
        new Row("+x", 0644, false, 0755),
        new Row("a+x", 0600, true, 0711),
        new Row("+w", 0444, false, 0666),
        new Row("go-w", 0666, false, 0644),
        new Row("o=r", 0640, false, 0644),
        new Row("u=rwx,go=", 0644, false, 0700),
        new Row("u=rwx,go=rx", 0600, false, 0755),
        new Row("go=u-w", 0600, false, 0644),
        new Row("go=u-w", 0755, false, 0755),
        new Row("u-x+w", 0544, false, 0644),
        new Row("=", 0644, false, 0),
        new Row("=r", 0755, false, 0444),
        new Row("g=u", 0640, false, 0660),
        new Row("o+g", 0750, false, 0755),
        new Row("u-g", 0770, false, 0070),
        // X: for directories, and for files that have an execute bit; only with +
        new Row("a+X", 0600, false, 0600),
        new Row("a+X", 0700, false, 0711),
        new Row("a+X", 0700, true, 0711),
        new Row("a+X", 0600, true, 0711),
        new Row("a+rX", 0600, true, 0755),
        new Row("a=rX", 0700, true, 0444),
        new Row("a-X", 0755, true, 0755),
        // set-id and sticky bits, not for "other" alone
        new Row("u+s", 0755, false, 04755),
        new Row("g+s", 0755, true, 02755),
        new Row("+s", 0755, false, 06755),
        new Row("o+s", 0755, false, 0755),
        new Row("+t", 0755, true, 01755),
        new Row("o+t", 0755, true, 0755),
        new Row("a+t", 0755, true, 01755),
        new Row("u-s", 04755, false, 0755),
    };

    @Test
    void appliesLikeBuildKit() throws Exception {
        for (Row r : ROWS) {
            String what = r.chmod() + " on " + Integer.toOctalString(r.before()) + (r.directory() ? " (directory)" : "");
            assertEquals(r.after(), CopyMode.parse(r.chmod(), "t").apply(r.before(), r.directory()), what);
        }
    }

    @Test
    void keepKeepsTheSourcesMode() {
        assertEquals(04755, CopyMode.KEEP.apply(0104755, false));
        assertEquals(0700, CopyMode.KEEP.apply(0700, true));
    }

    @Test
    void whatIsNotAModeIsRefused() {
        for (String bad : new String[] {"", "u", "u+q", "x", "u+x,", "+x,,", "8", "75a", "77777", "u+x g-w"}) {
            BuildException e = assertThrows(BuildException.class, () -> CopyMode.parse(bad, "Dockerfile:2"), bad);
            assertTrue(e.getMessage().startsWith("Dockerfile:2: --chmod=" + bad + " is not"), e.getMessage());
        }
    }
}
