package dev.hoist.dockerfile;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link GoGlob} against what Go's {@code filepath.Match} gives on Linux (BuildKit's COPY wildcards): each row is a
 * pattern, a name, whether Go matches it and whether Go reports {@code ErrBadPattern}.
 */
class GoGlobTest {
    private record Row(String pattern, String name, boolean match, boolean bad) {
    }

    private static final Row[] GO = {
        new Row("abc", "abc", true, false),
        new Row("*", "abc", true, false),
        new Row("*", "", true, false),
        new Row("*", "a/b", false, false),
        new Row("*c", "abc", true, false),
        new Row("a*", "a", true, false),
        new Row("a*", "ab/c", false, false),
        new Row("a*/b", "abc/b", true, false),
        new Row("a*/b", "a/c/b", false, false),
        new Row("a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false),
        new Row("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false),
        new Row("a*b?c*x", "abxbbxdbxebxczzx", true, false),
        new Row("a*b?c*x", "abxbbxdbxebxczzy", false, false),
        new Row("*x", "xxx", true, false),
        new Row("a?b", "a/b", false, false),
        new Row("a*b", "a/b", false, false),
        // classes: ^ negates, ! is a plain character, ranges, and a class may match /
        new Row("ab[c]", "abc", true, false),
        new Row("ab[b-d]", "abc", true, false),
        new Row("ab[e-g]", "abc", false, false),
        new Row("ab[^c]", "abc", false, false),
        new Row("ab[^c]", "abd", true, false),
        new Row("ab[^b-d]", "abc", false, false),
        new Row("ab[^e-g]", "abc", true, false),
        new Row("[^a]*.txt", "link.txt", true, false),
        new Row("[^a]*.txt", "a.txt", false, false),
        new Row("[!a]", "b", false, false),
        new Row("[!a]", "!", true, false),
        new Row("[^]", "x", false, true),
        new Row("a[/]b", "a/b", true, false),
        new Row("a[.-0]b", "a/b", true, false),
        new Row("[a-c][x-z]", "bz", true, false),
        new Row("[a-cx-z]", "y", true, false),
        new Row("[a-cx-z]", "m", false, false),
        new Row("[z-a]", "m", false, false),
        // escapes, outside and inside a class
        new Row("a\\*b", "a*b", true, false),
        new Row("a\\*b", "axb", false, false),
        new Row("\\[a]", "[a]", true, false),
        new Row("\\a", "a", true, false),
        new Row("[\\]a]", "]", true, false),
        new Row("[\\-]", "-", true, false),
        new Row("[x\\-]", "-", true, false),
        new Row("[x\\-]", "z", false, false),
        new Row("[\\-x]", "a", false, false),
        // no braces: { and } are plain characters
        new Row("{a,b}", "a", false, false),
        new Row("{a,b}", "{a,b}", true, false),
        // characters, not bytes, for ? and classes; a star skips bytes
        new Row("a?b", "a☺b", true, false),
        new Row("a???b", "a☺b", false, false),
        new Row("a[^a]b", "a☺b", true, false),
        new Row("[a-ζ]*", "α", true, false),
        new Row("*[a-ζ]", "A", false, false),
        new Row("*??x", "☺x", true, false),
        // malformed patterns
        new Row("[]a]", "]", false, true),
        new Row("[-]", "-", false, true),
        new Row("[x-]", "x", false, true),
        new Row("[-x]", "x", false, true),
        new Row("\\", "a", false, true),
        new Row("a\\", "a", false, true),
        new Row("[a-b-c]", "a", false, true),
        new Row("[", "a", false, true),
        new Row("[^", "a", false, true),
        new Row("[^bc", "a", false, true),
        new Row("a[", "a", false, true),
        new Row("a[", "x", false, true),
        new Row("a/b[", "x", false, true),
        new Row("*[", "x", false, true),
        new Row("x*[", "xyz", false, true),
    };

    @Test
    void matchesAsGoFilepathMatch() {
        for (Row r : GO) {
            assertEquals(r.match(), GoGlob.matches(r.pattern(), r.name()), r.pattern() + " ~ " + r.name());
            assertEquals(!r.bad(), GoGlob.isValid(r.pattern()), r.pattern() + " is " + (r.bad() ? "bad" : "good"));
        }
    }

    @Test
    void aWildcardIsOneThatIsNotEscaped() {
        assertEquals(true, GoGlob.hasWildcard("*.txt"));
        assertEquals(true, GoGlob.hasWildcard("a[bc]"));
        assertEquals(true, GoGlob.hasWildcard("a?"));
        assertEquals(false, GoGlob.hasWildcard("a\\*"));
        assertEquals(false, GoGlob.hasWildcard("a\\[b]"));
        assertEquals(true, GoGlob.hasWildcard("a\\\\*"));
        assertEquals(false, GoGlob.hasWildcard("{a,b}"));
    }
}
