package dev.hoist.cache.archive;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LayoutIndex#isValidRefName} accepts what the image spec's ref name grammar (as a pattern) accepts. */
class LayoutIndexTest {
    private static final Pattern REF = Pattern.compile(
            "[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*");

    @Test
    void refNamesFollowTheSpecsGrammar() {
        for (String ok : List.of("latest", "v1.0", "busybox:1.36", "example.com/app", "a--b", "a@b+c", "A/B/C", "0")) {
            assertTrue(LayoutIndex.isValidRefName(ok), ok);
        }
        for (String bad : List.of("", "-a", "a-", "a---b", "a/", "/a", "a//b", "a b", "a_-b", "é", "a..b")) {
            assertFalse(LayoutIndex.isValidRefName(bad), bad);
        }
        assertFalse(LayoutIndex.isValidRefName(null));
    }

    @Test
    void agreesWithTheGrammarsPatternOnGeneratedNames() {
        List<String> names = new ArrayList<>();
        Random random = new Random(11);
        String[] tokens = {"a", "Z", "9", "ab", "-", "--", ".", "_", ":", "@", "+", "/", " ", "é", "!"};
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(9);
            for (int j = 0; j < n; j++) {
                sb.append(tokens[random.nextInt(tokens.length)]);
            }
            names.add(sb.toString());
        }
        int valid = 0;
        for (String name : names) {
            boolean expected = REF.matcher(name).matches();
            assertEquals(expected, LayoutIndex.isValidRefName(name), name);
            valid += expected ? 1 : 0;
        }
        assertTrue(valid > 1_000, "too few valid names to mean anything: " + valid);
    }
}
