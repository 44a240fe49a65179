package dev.hoist.builder;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Build#joinLines} against the regex it replaced, on edge cases and random strings. */
class JoinLinesTest {
    private static final Pattern ORACLE = Pattern.compile("\\s*\\\\?\\n\\s*");

    private static void same(String s) {
        assertEquals(ORACLE.matcher(s).replaceAll(" "), Build.joinLines(s), () -> "for " + s.replace("\n", "\\n"));
    }

    @Test
    void edgeCases() {
        String[] cases = {"", "a", "\n", "\\\n", "\\", "\\\\\n", "a \\\n b", "RUN a \\\n    && b \\\n    && c",
            "a\n\\x", "a \n \\\n b", "  \\x", "a\t\u000B\f\r\n\r\nb", "trailing  ", "\\ \n", "a\\\n\\\n\\\nb", "\n\n\n",
            "x\\", "x \\", "\\\n ", " \\\n", "é \\\n ü"};
        for (String s : cases) {
            same(s);
        }
    }

    @Test
    void randomStrings() {
        Random rnd = new Random(7);
        char[] alphabet = {' ', '\t', '\n', '\u000B', '\f', '\r', '\\', 'a', 'b', '&', 'é'};
        for (int t = 0; t < 20_000; t++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(16);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet[rnd.nextInt(alphabet.length)]);
            }
            same(sb.toString());
        }
    }
}
