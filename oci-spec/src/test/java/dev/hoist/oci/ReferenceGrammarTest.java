package dev.hoist.oci;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Checks the hand-written matchers against Docker's own regular expressions (distribution/reference
 * regexp.go, transcribed for java.util.regex), on short random inputs where java.util.regex is safe.
 */
class ReferenceGrammarTest {
    static final String ALPHANUMERIC = "[a-z0-9]+";
    static final String SEPARATOR = "(?:[._]|__|[-]+)";
    static final String DOMAIN_NAME_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    static final String OPTIONAL_PORT = "(?::[0-9]+)?";
    static final String TAG = "[\\w][\\w.-]{0,127}";
    static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
    static final String IPV6_ADDRESS = "\\[(?:[a-fA-F0-9:]+)\\]";
    static final String DOMAIN_NAME = DOMAIN_NAME_COMPONENT + "(?:\\." + DOMAIN_NAME_COMPONENT + ")*";
    static final String HOST = "(?:" + DOMAIN_NAME + "|" + IPV6_ADDRESS + ")";
    static final String DOMAIN_AND_PORT = HOST + OPTIONAL_PORT;
    static final String PATH_COMPONENT = ALPHANUMERIC + "(?:" + SEPARATOR + ALPHANUMERIC + ")*";
    static final String REMOTE_NAME = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
    static final String NAME = "(?:" + DOMAIN_AND_PORT + "/)?" + REMOTE_NAME;
    static final Pattern REFERENCE = Pattern.compile("(" + NAME + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");
    static final Pattern ANCHORED_NAME = Pattern.compile("(?:(" + DOMAIN_AND_PORT + ")/)?(" + REMOTE_NAME + ")");

    private static String[] viaRegex(String s) {
        Matcher m = REFERENCE.matcher(s);
        if (!m.matches()) {
            return null;
        }
        Matcher n = ANCHORED_NAME.matcher(m.group(1));
        if (!n.matches()) {
            throw new AssertionError("name regexp disagrees on " + s);
        }
        return new String[] {n.group(1), n.group(2), m.group(2), m.group(3)};
    }

    private static String[] viaMatcher(String s) {
        ReferenceGrammar.Parts p = ReferenceGrammar.matchReference(s);
        return p == null ? null : new String[] {p.domain(), p.path(), p.tag(), p.digest()};
    }

    @Test
    void agreesWithDockersRegexpsOnRandomInput() {
        String[] atoms = {"a", "b", "z", "0", "9", "A", "F", "f", ".", "_", "__", "-", "--", "/", ":", "@", "[", "]", "::1",
                "localhost", "com", "5000", "sha256:", "ffffffffffffffffffffffffffffffff", "+", "%", " ", "é"};
        Random random = new Random(42);
        int matched = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(10);
            for (int j = 0; j < n; j++) {
                sb.append(atoms[random.nextInt(atoms.length)]);
            }
            String s = sb.toString();
            String[] expected = viaRegex(s);
            assertArrayEquals(expected, viaMatcher(s), s);
            if (expected != null) {
                matched++;
            }
        }
        assertEquals(true, matched > 10_000, "enough random inputs were valid references: " + matched);
    }

    @Test
    void agreesOnHandPickedCases() {
        String[] cases = {"a", "a/b", "A/b", "a/B", "a:1", "a:1/b", "a:/b", "[::1]/a", "[::1]:/a", "[]/a", "[::1]a/b", "[::1]:5000/a:t",
                "a.-b/c", "a-.b/c", "-a/b", "a-/b", "a..b", "a._b", "a__b", "a___b", "a---b", "a/b:c:d", "a@sha256:" + "f".repeat(32),
                "a@sha256:" + "f".repeat(31), "a@s+h.a-2_5:" + "F".repeat(40), "a@+sha:" + "f".repeat(32), "a@sha+:" + "f".repeat(32),
                "a@sha::" + "f".repeat(32), "a@1sha:" + "f".repeat(32), "a:b@c@sha256:" + "f".repeat(64), "localhost:5000", "a/b/", "/a"};
        for (String s : cases) {
            assertArrayEquals(viaRegex(s), viaMatcher(s), s);
        }
        assertNotNull(ReferenceGrammar.matchReference("a:1/b"));
        assertNull(ReferenceGrammar.matchReference("a:/b"));
    }

    @Test
    void partsAgreeWithTheRegexps() {
        for (String s : new String[] {"ab", "a-b", "a__b", "a.b-c_d", "a..b", "_a", "a_", "a___b"}) {
            assertEquals(Pattern.matches(PATH_COMPONENT, s), ReferenceGrammar.isPathComponent(s), s);
        }
        for (String s : new String[] {"a", "a.b", "a-b.c", "-a", "a-", "a..b", "[::1]", "[::1]:5", "[::1]:", "a:5", "a:", "a:b", "[]", "[g]"}) {
            assertEquals(Pattern.matches(DOMAIN_AND_PORT, s), ReferenceGrammar.isDomain(s), s);
        }
        for (String s : new String[] {"a", "_", ".a", "-a", "a.b-c", "t".repeat(128), "t".repeat(129), ""}) {
            assertEquals(Pattern.matches(TAG, s), ReferenceGrammar.isTag(s), s);
        }
    }
}
