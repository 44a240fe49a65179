package dev.hoist.dockerfile;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The lexer tables: BuildKit's envVarTest, a words table and a table of every ${...} form and error. */
class ShellLexerTableTest {

    private static final ShellLexer LEXER = new ShellLexer('\\');

    private static List<String> lines(String resource) throws IOException {
        try (InputStream in = ShellLexerTableTest.class.getResourceAsStream("/lexer/" + resource)) {
            return Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1));
        }
    }

    @TestFactory
    List<DynamicTest> buildKitEnvVarTable() throws IOException {
        Map<String, String> env = Map.of("PWD", "/home", "SHELL", "bash", "KOREAN", "한국어", "NULL", "");
        List<DynamicTest> tests = new ArrayList<>();
        int n = 0;
        for (String line : lines("envVarTest")) {
            n++;
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] parts = line.split("\\|", -1);
            assertEquals(3, parts.length, "line " + n);
            String platform = parts[0].strip();
            String source = parts[1].strip();
            String expected = parts[2].strip();
            if (platform.equals("W")) {
                continue; // Windows-only rows: variable names are case-insensitive there
            }
            tests.add(DynamicTest.dynamicTest(n + ": " + source, () -> {
                if (expected.equals("error")) {
                    assertThrows(DockerfileException.class, () -> LEXER.processWord(source, env));
                } else {
                    assertEquals(expected, LEXER.processWord(source, env));
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> wordsTable() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        int n = 0;
        for (String line : lines("wordsTest")) {
            n++;
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            if (line.startsWith("ENV ")) {
                String kv = line.substring(4).stripLeading();
                int eq = kv.indexOf('=');
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
                continue;
            }
            String[] parts = line.split("\\|", -1);
            assertEquals(2, parts.length, "line " + n);
            String source = parts[0].strip();
            List<String> expected = Arrays.asList(parts[1].stripLeading().split(",", -1));
            Map<String, String> snapshot = Map.copyOf(env);
            tests.add(DynamicTest.dynamicTest(n + ": " + source, () -> {
                if (expected.equals(List.of("error"))) {
                    assertThrows(DockerfileException.class, () -> LEXER.processWords(source, snapshot));
                } else {
                    assertEquals(expected, LEXER.processWords(source, snapshot));
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> expansionTable() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        int n = 0;
        for (String line : lines("expansionTest")) {
            n++;
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            if (line.startsWith("ENV ")) {
                String kv = line.substring(4);
                int eq = kv.indexOf('=');
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
                continue;
            }
            int bar = line.lastIndexOf(" |");
            String source = line.substring(0, bar);
            String expected = line.substring(bar + 2).strip();
            Map<String, String> snapshot = Map.copyOf(env);
            tests.add(DynamicTest.dynamicTest(n + ": " + source, () -> {
                if (expected.startsWith("error: ")) {
                    DockerfileException e = assertThrows(DockerfileException.class,
                            () -> LEXER.processWord(source, snapshot));
                    assertEquals(expected.substring("error: ".length()), e.getMessage());
                } else {
                    assertEquals(expected, LEXER.processWord(source, snapshot));
                }
            }));
        }
        return tests;
    }

    @Test
    void backtickIsTheEscapeWhenTheDockerfileSaysSo() throws Exception {
        ShellLexer backtick = new ShellLexer('`');
        assertEquals("a b", backtick.processWord("a` b", Map.of()));
        assertEquals("C:\\path", backtick.processWord("C:\\path", Map.of()));
        assertEquals("$X", backtick.processWord("`$X", Map.of("X", "x")));
        assertEquals("\"", backtick.processWord("\"`\"\"", Map.of()));
    }

    @Test
    void reportsTheVariablesItUsed() throws Exception {
        ShellLexer.Result r = LEXER.process("${A} $B ${C:-x} ${D#y}", Map.of("A", "1", "D", "yz"));
        assertEquals("1  x z", r.word());
        assertEquals(Set.of("A", "D"), r.matched());
        assertEquals(Set.of("B", "C"), r.unmatched());
    }

    @Test
    void rawModesKeepQuotesEscapesAndUnsetVariables() throws Exception {
        ShellLexer raw = LEXER.withRawQuotes(true).withRawEscapes(true).withSkipUnsetEnv(true);
        assertEquals(List.of("RUN", "'<<EOF'", "\\$x", "$UNSET", "${UNSET:-d}", "set"),
                raw.processWords("RUN '<<EOF' \\$x $UNSET ${UNSET:-d} $SET", Map.of("SET", "set")));
        assertEquals("a 'b' \"c\"", LEXER.withSkipProcessQuotes(true).processWord("a 'b' \"c\"", Map.of()));
    }

    @Test
    void aByteOrderMarkAtTheStartIsDroppedAsGoScannersDo() throws Exception {
        assertEquals("x", LEXER.processWord("\uFEFFx", Map.of()));
    }
}
