package dev.hoist.dockerfile.syntax;

import dev.hoist.dockerfile.DockerfileException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BuildKit's parser unit tests (heredocs, words, line numbers, warnings, limits), in hoist's terms. */
class SyntaxParserTest {

    private static SyntaxTree parse(String text) throws DockerfileException {
        return SyntaxParser.parse("Dockerfile", text.getBytes(StandardCharsets.UTF_8));
    }

    private static Heredoc doc(String name, String content, boolean expand, boolean chomp, int fd) {
        return new Heredoc(name, fd, expand, chomp, content);
    }

    @Test
    void extractsHeredocs() throws Exception {
        SyntaxTree tree = parse("""

                FROM alpine:3.6

                ENV NAME=me

                RUN ls

                USER <<INVALID
                INVALID

                RUN <<EMPTY
                EMPTY

                RUN 3<<EMPTY2
                EMPTY2

                RUN "<<NOHEREDOC"

                RUN <<INDENT
                \tfoo
                \tbar
                INDENT

                RUN <<-UNINDENT
                \tbaz
                \tquux
                UNINDENT

                RUN <<-UNINDENT2
                \tbaz
                \tquux
                \tUNINDENT2

                RUN <<-EXPAND
                \texpand $NAME
                EXPAND

                RUN <<-'NOEXPAND'
                \tdon't expand $NAME
                NOEXPAND

                RUN <<COPY
                echo hello world
                echo foo bar
                COPY

                RUN <<COMMENT
                # internal comment
                echo hello world
                echo foo bar # trailing comment
                COMMENT

                RUN --mount=type=cache,target=/foo <<MOUNT
                echo hello
                MOUNT

                COPY <<FILE1 <<FILE2 /dest
                content 1
                FILE1
                content 2
                FILE2

                COPY <<X <<Y /dest
                Y
                X
                X
                Y
                \t""");
        List<List<Heredoc>> expected = List.of(
                List.of(), // ENV
                List.of(), // RUN ls
                List.of(), // USER <<INVALID
                List.of(), // INVALID (an unknown instruction at this level)
                List.of(doc("EMPTY", "", true, false, 0)),
                List.of(doc("EMPTY2", "", true, false, 3)),
                List.of(), // RUN "<<NOHEREDOC"
                List.of(doc("INDENT", "\tfoo\n\tbar\n", true, false, 0)),
                List.of(doc("UNINDENT", "\tbaz\n\tquux\n", true, true, 0)),
                List.of(doc("UNINDENT2", "\tbaz\n\tquux\n", true, true, 0)),
                List.of(doc("EXPAND", "\texpand $NAME\n", true, true, 0)),
                List.of(doc("NOEXPAND", "\tdon't expand $NAME\n", false, true, 0)),
                List.of(doc("COPY", "echo hello world\necho foo bar\n", true, false, 0)),
                List.of(doc("COMMENT", "# internal comment\necho hello world\necho foo bar # trailing comment\n",
                        true, false, 0)),
                List.of(doc("MOUNT", "echo hello\n", true, false, 0)),
                List.of(doc("FILE1", "content 1\n", true, false, 0), doc("FILE2", "content 2\n", true, false, 0)),
                List.of(doc("X", "Y\n", true, false, 0), doc("Y", "X\n", true, false, 0)));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), tree.nodes().get(i + 1).heredocs(), "instruction " + (i + 2));
        }
        assertEquals("baz\nquux\n", tree.nodes().get(9).heredocs().get(0).effectiveContent());
    }

    @Test
    void execFormNeverHasHeredocs() throws Exception {
        SyntaxTree tree = parse("FROM alpine:3.6\nRUN [\"whoami\"]\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n");
        for (int i = 1; i <= 3; i++) {
            assertTrue(tree.nodes().get(i).heredocs().isEmpty());
        }
    }

    @Test
    void heredocWords() throws Exception {
        for (String valid : List.of("<<EOF", "<<'EOF'", "<<\"EOF\"", "<<-EOF", "<<-'EOF'", "<<-\"EOF\"")) {
            assertEquals("EOF", SyntaxParser.parseHeredoc(valid).name(), valid);
        }
        for (String invalid : List.of("<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\"")) {
            assertThrows(DockerfileException.class, () -> SyntaxParser.parseHeredoc(invalid), invalid);
        }
        for (String not : List.of("", "EOF", "<<", "<<-", "<EOF", "<<<EOF")) {
            assertNull(SyntaxParser.parseHeredoc(not), not);
        }
        assertFalse(SyntaxParser.parseHeredoc("<<E'O'F").expand());
        assertEquals("EOF", SyntaxParser.parseHeredoc("<<E'O'F").name());
    }

    @Test
    void heredocsFromLine() throws Exception {
        assertEquals(List.of("EOF"), names("RUN <<EOF"));
        assertEquals(List.of("EOF"), names("RUN <<-EOF"));
        assertEquals(List.of("EOF"), names("RUN <<'EOF'"));
        assertEquals(List.of("EOF"), names("RUN 4<<EOF"));
        assertEquals(List.of("EOF", "EOF2"), names("RUN <<EOF <<EOF2"));
        assertEquals(List.of(), names("RUN '<<EOF'"));
        assertEquals(List.of(), names("RUN \"<<EOF\""));
    }

    private static List<String> names(String line) throws DockerfileException {
        List<String> out = new ArrayList<>();
        for (Heredoc h : SyntaxParser.heredocsFromLine(line)) {
            out.add(h.name());
        }
        return out;
    }

    @Test
    void parseWordsKeepsQuotesAndEscapes() {
        assertEquals(List.of("foo"), SyntaxParser.parseWords("foo", '\\'));
        assertEquals(List.of("foo", "bar"), SyntaxParser.parseWords("foo bar", '\\'));
        assertEquals(List.of("foo\\ bar"), SyntaxParser.parseWords("foo\\ bar", '\\'));
        assertEquals(List.of("foo=bar"), SyntaxParser.parseWords("foo=bar", '\\'));
        assertEquals(List.of("foo", "bar", "'abc xyz'"), SyntaxParser.parseWords("foo bar 'abc xyz'", '\\'));
        assertEquals(List.of("foo", "bar", "\"abc xyz\""), SyntaxParser.parseWords("foo bar \"abc xyz\"", '\\'));
        assertEquals(List.of("àöû"), SyntaxParser.parseWords("àöû", '\\'));
        assertEquals(List.of("föo", "bàr", "\"âbc xÿz\""), SyntaxParser.parseWords("föo bàr \"âbc xÿz\"", '\\'));
    }

    @Test
    void includesLineNumbers() throws Exception {
        SyntaxTree tree = parse("""
                # ignored
                # lines

                FROM brimstone/ubuntu:14.04
                # with a comment

                RUN echo \\
                  hello
                # trailing

                RUN echo a \\
                  # inner comment

                  b \\
                  c
                """);
        assertEquals(3, tree.nodes().size());
        int[][] expected = {{4, 4}, {7, 8}, {11, 15}};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i][0], tree.nodes().get(i).startLine(), "start of " + i);
            assertEquals(expected[i][1], tree.nodes().get(i).endLine(), "end of " + i);
        }
        assertEquals(List.of("with a comment"), tree.nodes().get(1).comments());
    }

    @Test
    void warnsOnEmptyContinuationLines() throws Exception {
        SyntaxTree tree = parse("""

                FROM alpine:3.6

                RUN something \\

                    following \\

                    more

                RUN another \\

                    thing
                RUN non-indented \\
                # this is a comment
                   after-comment

                RUN indented \\
                    # this is an indented comment
                    comment
                \t""");
        assertEquals(2, tree.warnings().size());
        assertTrue(tree.warnings().get(0).message().contains("Empty continuation line found in"));
        assertTrue(tree.warnings().get(0).message().contains("RUN something     following     more"));
        assertTrue(tree.warnings().get(1).message().contains("RUN another     thing"));
    }

    @Test
    void rejectsOverLongLines() throws Exception {
        String label = "a".repeat(64 * 1024);
        DockerfileException e = assertThrows(DockerfileException.class,
                () -> parse("\n\t\tFROM image\n\t\tLABEL test=" + label + "\n"));
        assertEquals("dockerfile line greater than max allowed size of 65535", e.reason());
        assertEquals(3, e.line());
        assertNotNull(parse("FROM image\nLABEL test=" + "a".repeat(60_000) + "\n"));
    }

    @Test
    void readsDirectives() throws Exception {
        SyntaxTree tree = parse("# syntax = docker/dockerfile:1.7-labs\n#CHECK=skip=JSONArgsRecommended;error=true\n"
                + "# escape=`\n# unknown=x\n# escape=\\\nFROM a\n");
        assertEquals("docker/dockerfile:1.7-labs", tree.directive("syntax"));
        assertEquals("skip=JSONArgsRecommended;error=true", tree.directive("check"));
        assertEquals("`", tree.directive("escape"));
        assertEquals('`', tree.escapeToken());
        assertEquals(3, tree.directives().size());
        assertEquals(2, tree.directives().get(1).line());
    }

    @Test
    void flagExtractionStopsAtTheFirstNonFlag() {
        List<String> flags = new ArrayList<>();
        assertEquals("'q' a b --c", SyntaxParser.extractBuilderFlags("--x=1  --y 'q' a b --c", flags));
        assertEquals(List.of("--x=1", "--y"), flags);
        flags.clear();
        assertEquals("", SyntaxParser.extractBuilderFlags("--a=\"x y\" --b='' --", flags));
        assertEquals(List.of("--a=x y", "--b="), flags);
        flags.clear();
        assertEquals("-x", SyntaxParser.extractBuilderFlags("--f=a\\ b -x", flags));
        assertEquals(List.of("--f=a b"), flags);
    }

    @Test
    void dumpQuotesAsGoDoes() {
        assertEquals("\"a\\\"b\\\\c\\n\\t\\x00\\x1f é ✓ \\u00a0\\u200e\"", GoStrings.quote("a\"b\\c\n\t\0\u001f é ✓ \u00a0\u200e"));
        assertEquals("\"\\U000e0001\"", GoStrings.quote("\uDB40\uDC01"));
    }
}
