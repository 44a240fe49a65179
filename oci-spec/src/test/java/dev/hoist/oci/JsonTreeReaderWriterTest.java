package dev.hoist.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.hoist.oci.TestFiles.manifest;
import static dev.hoist.oci.TestFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link JsonTreeReader} and {@link JsonTreeWriter} against the jackson-core paths they replaced (kept here):
 * the same trees with the same node classes, the same bytes, the same inputs refused.
 */
class JsonTreeReaderWriterTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final JsonFactory STRICT = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    private static final JsonFactory LENIENT = JsonFactory.builder()
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    /** What OciJson.readTree and readTreeLeniently did before. */
    static JsonNode jacksonRead(byte[] bytes, boolean strict) throws IOException {
        try (JsonParser p = (strict ? STRICT : LENIENT).createParser(bytes)) {
            if (p.nextToken() == null) {
                return MissingNode.getInstance();
            }
            JsonNode node = JsonStreams.readValue(p, strict);
            if (strict) {
                JsonToken trailing = p.nextToken();
                if (trailing != null) {
                    throw new JsonParseException(p, "more content (" + OciJson.kind(trailing) + ") after the end of the document");
                }
            }
            return node;
        }
    }

    /** What OciJson.write of a tree did before. */
    static byte[] jacksonWrite(JsonNode tree) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = STRICT.createGenerator(out)) {
            JsonStreams.write(g, tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Both readers agree: both refuse, or both give equal trees of the same node classes. */
    private static JsonNode assertSameRead(byte[] doc, boolean strict) {
        JsonNode expected;
        try {
            expected = jacksonRead(doc, strict);
        } catch (IOException e) {
            IOException mine = assertThrows(IOException.class, () -> read(doc, strict),
                    () -> "Jackson refuses (" + e.getMessage() + "), the reader does not: " + show(doc));
            assertTrue(mine instanceof JsonProcessingException, mine::toString);
            return null;
        }
        JsonNode actual;
        try {
            actual = read(doc, strict);
        } catch (IOException e) {
            throw new AssertionError("the reader refuses what Jackson reads: " + show(doc) + ": " + e.getMessage(), e);
        }
        assertSameTree(expected, actual, "$", doc);
        return actual;
    }

    private static JsonNode read(byte[] doc, boolean strict) throws IOException {
        return strict ? OciJson.readTree(doc) : OciJson.readTreeLeniently(doc);
    }

    private static void assertSameTree(JsonNode expected, JsonNode actual, String path, byte[] doc) {
        if (expected.getClass() != actual.getClass()) {
            fail(path + ": " + expected.getClass().getSimpleName() + " expected, got " + actual.getClass().getSimpleName() + " in " + show(doc));
        }
        if (expected.isObject()) {
            List<String> names = new ArrayList<>();
            expected.fieldNames().forEachRemaining(names::add);
            List<String> actualNames = new ArrayList<>();
            actual.fieldNames().forEachRemaining(actualNames::add);
            assertEquals(names, actualNames, () -> path + " in " + show(doc));
            for (String name : names) {
                assertSameTree(expected.get(name), actual.get(name), path + "." + name, doc);
            }
        } else if (expected.isArray()) {
            assertEquals(expected.size(), actual.size(), () -> path + " in " + show(doc));
            for (int i = 0; i < expected.size(); i++) {
                assertSameTree(expected.get(i), actual.get(i), path + "[" + i + "]", doc);
            }
        } else if (expected.isNumber()) {
            // toString keeps a big decimal's scale and a double's sign of zero
            assertEquals(expected.numberValue().toString(), actual.numberValue().toString(), () -> path + " in " + show(doc));
        } else {
            assertEquals(expected, actual, () -> path + " in " + show(doc));
        }
    }

    private static void assertSameWrite(JsonNode tree) {
        byte[] expected = jacksonWrite(tree);
        byte[] actual = OciJson.write(tree);
        assertArrayEquals(expected, actual, () -> "expected " + show(expected) + "\n     got " + show(actual));
    }

    private static String show(byte[] doc) {
        StringBuilder s = new StringBuilder();
        for (byte b : doc) {
            int c = b & 0xFF;
            if (s.length() > 300) {
                return s + "…";
            }
            s.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("<%02x>", c));
        }
        return s.toString();
    }

    static final List<String> DOCUMENTS = List.of(
            "{}", "[]", "null", "true", "false", "\"\"", "0", "-0", "-0.0", "0.0", "1e400", "-1e-400", "1.50", "1E+2", "1e2", "1E-2",
            "2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "-9223372036854775809", "123456789012345678901234567890", "0.1", "100", "1.0e0", "12.5E+007",
            "1e2147483647", "1e-2147483647", "123456789.123456789e-30", "[0,-0,1,-1,10,-10,99]",
            " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } }\r\n ", "{\"a\":{\"b\":{\"c\":[[[]]]}}}",
            "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000 \\u001f \\u007F \\u00e9 \\u2028 \\u2029 \\uFFFF \\uFEFF\"",
            "\"\\ud800\"", "\"\\udc00\"", "\"\\ud83d\\ude00\"", "\"\\ude00\\ud83d\"", "\"x\\ud800y\"", "\"😀 emoji é ü ß 中文 \u2028\u2029 \u007f\"",
            "{\"\\u0061\":1,\"b\\u0000\":2,\"é\":3,\"😀\":4,\"\":5}", "\uFEFF{\"bom\":true}", "\uFEFF 1", "\"a/b\"",
            "{\"a\":1,\"A\":2}", "[1,\"1\",1.0,true,null,{},[]]", "\"" + "x".repeat(70_000) + "\"", "-" + "9".repeat(1000), "9".repeat(1000),
            "0." + "1".repeat(999), "1" + "0".repeat(600) + ".5e-3", "[" + "1,".repeat(5000) + "1]");

    @Test
    void readsAndWritesAsJacksonDid() {
        List<byte[]> docs = new ArrayList<>();
        for (String d : DOCUMENTS) {
            docs.add(utf8(d));
        }
        for (String name : List.of("docker-hub-config-docker.json", "docker-hub-config-fedora.json", "docker-hub-manifest-list.json",
                "docker-hub-manifest.json", "docker-manifest-list.json", "docker-manifest.json", "docker-schema1.json",
                "multiarch-index.json", "oci-config.json", "oci-index.json", "oci-manifest-artifact.json",
                "oci-manifest-no-mediatype.json", "oci-manifest-subject.json", "oci-manifest.json")) {
            docs.add(manifest(name));
        }
        for (int c = 0; c < 0x20; c++) {
            docs.add(utf8(String.format("\"\\u%04x\"", c)));
        }
        for (byte[] doc : docs) {
            for (boolean strict : new boolean[] {true, false}) {
                JsonNode tree = assertSameRead(doc, strict);
                assertTrue(tree != null, () -> "refused: " + show(doc));
                assertSameWrite(tree);
            }
        }
    }

    @Test
    void decodesOddUtf8AsJacksonDid() {
        int[][] sequences = {
                {0xC0, 0x80}, {0xC1, 0xBF}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80}, {0xED, 0xBF, 0xBF}, {0xEF, 0xBF, 0xBF},
                {0xF0, 0x80, 0x80, 0x80}, {0xF0, 0x8F, 0xBF, 0xBF}, {0xF4, 0x8F, 0xBF, 0xBF}, {0xF4, 0x90, 0x80, 0x80},
                {0xF7, 0xBF, 0xBF, 0xBF}, {0xF8, 0x80}, {0xFF}, {0x80}, {0xBF}, {0xC3}, {0xC3, 0x41}, {0xE2, 0x82},
                {0xE2, 0x82, 0x41}, {0xF0, 0x9F, 0x98}, {0xEF, 0xBB, 0xBF},
        };
        for (int[] seq : sequences) {
            for (String[] frame : new String[][] {{"\"", "\""}, {"{\"", "\":1}"}, {"[\"a", "b\"]"}, {"true", ""}, {"[true", "]"}, {"null", " "}, {"1", ""}, {"", ""}}) {
                ByteArrayOutputStream doc = new ByteArrayOutputStream();
                doc.writeBytes(utf8(frame[0]));
                for (int b : seq) {
                    doc.write(b);
                }
                doc.writeBytes(utf8(frame[1]));
                for (boolean strict : new boolean[] {true, false}) {
                    JsonNode tree = assertSameRead(doc.toByteArray(), strict);
                    if (tree != null) {
                        assertSameWrite(tree);
                    }
                }
            }
        }
    }

    static final List<String> INVALID = List.of(
            "{", "[", "]", "}", "{]", "[}", "[1,]", "[,1]", "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{a:1}", "{'a':1}",
            "'a'", "\"a", "\"a\\", "\"\\x\"", "\"\\U0041\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\u", "01", "-01", "00", "1.", "-", "+1", ".5",
            "1e", "1e+", "1.e3", "NaN", "Infinity", "-Infinity", "nul", "tru", "True", "NULL", "/* c */ 1", "// c\n1", "# c\n1",
            "[1 2]", "[1;2]", "{\"a\":1 \"b\":2}", "\"a\nb\"", "\"a\tb\"", "\"\u0000\"", "\u000b1", "1\u000c", "[\u0000]",
            "\"\u001f\"", "{\"a\":1,\"a\":2}", "{\"a\":{},\"b\":1,\"a\":null}", "{} x", "{}{}", "1 2", "[] ]", "\"a\" \"b\"",
            "1x", "1{}", "-0x", "truex", "true1", "nullé", "falsefalse", "1e999999999999", "1e2147483648", "1e-2147483648",
            "0.1e-2147483648", "1" + "0".repeat(1000), "1." + "0".repeat(1000), "[" .repeat(1001) + "]".repeat(1001),
            "{\"" + "k".repeat(50_001) + "\":1}", "{\"a\":[1,{\"b\":[true,]}]}", "\uFEFF", "\uFEFF\uFEFF{}", "{}\uFEFF");

    @Test
    void refusesWhatJacksonRefused() {
        for (String doc : INVALID) {
            assertSameRead(utf8(doc), true);
            assertSameRead(utf8(doc), false);
            assertThrows(IOException.class, () -> OciJson.readTree(utf8(doc)), doc);
        }
    }

    @Test
    void lenientReadingKeepsTheLastValueAndIgnoresTheRest() throws Exception {
        for (String doc : List.of("{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"a\":[3]}", "{} x", "[]]", "1 2", "\"a\"x", "true{",
                "{\"a\":1.5}", "-0.0", "1e400", "1e999999999999", "1.50", "[1.0E-400]", "{\"a\":1}\u0000garbage",
                "true\u00a0", "true\u00e9", "null\u2028x", "false\u00d7", "true\u0660", "null\ud83d\ude00", "true\u4e00",
                "true\u00ff", "null\u200b", "true\uffff")) {
            assertSameRead(utf8(doc), false);
            assertSameRead(utf8(doc), true);
        }
        for (byte[] doc : new byte[][] {{'t', 'r', 'u', 'e', (byte) 0xc3}, {'t', 'r', 'u', 'e', (byte) 0xc3, 'x'},
                {'n', 'u', 'l', 'l', (byte) 0xff}, {'t', 'r', 'u', 'e', (byte) 0x80, '1'}, {'t', 'r', 'u', 'e', (byte) 0xf0, (byte) 0x9f}}) {
            assertSameRead(doc, false);
        }
        ObjectNode o = (ObjectNode) OciJson.readTreeLeniently(utf8("{\"a\":1,\"b\":2,\"a\":3}"));
        assertEquals("{\"a\":3,\"b\":2}", OciJson.writeString(o));
        assertEquals(Double.valueOf(1.5), OciJson.readTreeLeniently(utf8("1.5")).numberValue());
    }

    @Test
    void utf16AndUtf32AreLeftToJackson() {
        for (String charset : List.of("UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "UTF-32LE")) {
            byte[] doc = "{\"a\":[1,\"é\"]}".getBytes(java.nio.charset.Charset.forName(charset));
            assertSameRead(doc, true);
            assertSameRead(doc, false);
        }
        assertSameRead(new byte[] {'1', 0}, false);
    }

    @Test
    void limitsAreJacksonsDefaults() throws Exception {
        assertEquals(1000, depth(OciJson.readTree(utf8("[".repeat(1000) + "]".repeat(1000)))));
        JsonProcessingException deep = assertThrows(JsonProcessingException.class, () -> OciJson.readTree(utf8("[".repeat(100_000))));
        assertEquals("nested more than 1000 levels deep (line 1, column 1001)", OciJson.describe(deep));
        assertThrows(JsonProcessingException.class, () -> OciJson.readTreeLeniently(utf8("{\"a\":".repeat(100_000))));
        assertEquals(new BigInteger("9".repeat(1000)), OciJson.readTree(utf8("9".repeat(1000))).bigIntegerValue());
        assertThrows(JsonProcessingException.class, () -> OciJson.readTree(utf8("9".repeat(1001))));
        assertThrows(JsonProcessingException.class, () -> OciJson.readTree(utf8("-0." + "1".repeat(500) + "e" + "1".repeat(500))));
        assertEquals(50_000, OciJson.readTree(utf8("{\"" + "k".repeat(50_000) + "\":1}")).fieldNames().next().length());
        byte[] longest = utf8("\"" + "é".repeat(10_000_000) + "\"");
        assertEquals(10_000_000, OciJson.readTree(longest).textValue().length());
        byte[] tooLong = utf8("[\"" + "s".repeat(20_000_001) + "\"]");
        assertSameRead(tooLong, true);
        tooLong = utf8("[\"\\n" + "s".repeat(20_000_000) + "\"]");
        assertSameRead(tooLong, true);

        JsonNode tree = F.nullNode();
        for (int i = 0; i < 1000; i++) {
            tree = F.arrayNode().add(tree);
        }
        assertSameWrite(tree);
        JsonNode tooDeep = F.objectNode().set("a", tree);
        assertThrows(UncheckedIOException.class, () -> jacksonWrite(tooDeep));
        assertThrows(UncheckedIOException.class, () -> OciJson.write(tooDeep));
    }

    private static int depth(JsonNode n) {
        int d = 0;
        while (n.isContainerNode() && n.size() > 0) {
            n = n.get(0);
            d++;
        }
        return n.isContainerNode() ? d + 1 : d;
    }

    @Test
    void errorsSayWhatAndWhere() {
        assertEquals("Duplicate field 'a' (line 2, column 3)", message("{\"a\":1,\n  \"a\":2}"));
        assertEquals("more content (an array) after the end of the document (line 2, column 2)", message("{}\n[]"));
        assertEquals("more content (a string) after the end of the document (line 1, column 5)", message("1  \"x"));
        assertEquals("unexpected character 'x' (line 3, column 1)", message("{}\r\n\rx"));
        assertEquals("unexpected character ']': expected a value (line 1, column 4)", message("[1,]"));
        assertEquals("unexpected end of input in a string (line 1, column 5)", message("\"abc"));
        assertEquals("control character (code 10) in a string: it must be escaped (line 1, column 3)", message("\"a\nb\""));
        assertEquals("invalid escape '\\x' in a string (line 1, column 3)", message("\"\\x\""));
        assertEquals("leading zeros are not allowed in a number (line 1, column 3)", message("[01]"));
        assertEquals("invalid UTF-8: byte 0xff cannot start a character (line 1, column 2)", OciJson.describe(
                assertThrows(JsonProcessingException.class, () -> OciJson.readTree(new byte[] {'"', (byte) 0xFF, '"'}))));
        InvalidContentException e = assertThrows(InvalidContentException.class, () -> OciJson.readObject(utf8("{\"a\":tru}"), "thing"));
        assertEquals("invalid thing: not valid JSON: unrecognized token starting 'tru}' (line 1, column 9)", e.getMessage());
    }

    private static String message(String doc) {
        return OciJson.describe(assertThrows(JsonProcessingException.class, () -> OciJson.readTree(utf8(doc)), doc));
    }

    @Test
    void writesOddTreesAsJacksonDid() {
        ObjectNode o = F.objectNode();
        o.put("lone high", "a\ud800b").put("lone low", "\udc00").put("pair", "\ud83d\ude00").put("reversed", "\ude00\ud83d");
        o.put("separators", "\u2028\u2029").put("controls", "\0\1\b\t\n\13\f\r\36\37\177")
                .put("quotes", "\"\\/'<>&").put("latin", "éü\u0080\u00ff\u0100\u07ff\u0800\uffff\ufeff");
        o.put("\n\"key\u0001", 1);
        o.put("nan", Double.NaN).put("inf", Double.POSITIVE_INFINITY).put("-inf", Double.NEGATIVE_INFINITY).put("-0", -0.0)
                .put("tiny", Double.MIN_VALUE).put("big", 1e300).put("1e7", 1e7).put("1e-3", 1e-3).put("0.001", 0.001);
        o.put("fnan", Float.NaN).put("f", 1.1f).put("f-inf", Float.NEGATIVE_INFINITY).put("fbig", 3.4e38f);
        o.put("short", (short) -7).put("int", Integer.MIN_VALUE).put("long", Long.MIN_VALUE)
                .put("bigint", new BigInteger("-123456789012345678901234567890"));
        o.put("dec", new BigDecimal("1E+3")).put("dec2", new BigDecimal("-0.000000001")).put("dec3", new BigDecimal("123.4500"))
                .put("dec4", new BigDecimal("1E-10")).put("dec5", BigDecimal.ZERO.setScale(-5));
        o.put("bin", new byte[] {0, 1, 2, (byte) 0xFF, (byte) 0xFE}).put("bin0", new byte[0]).put("bin1", new byte[] {7});
        o.set("missing", MissingNode.getInstance());
        o.putNull("null");
        o.putPOJO("pojo", Map.of("z", List.of(1, "two")));
        o.putPOJO("nullpojo", null);
        o.putArray("empty");
        o.putObject("emptyObject");
        assertSameWrite(o);
        assertSameWrite(MissingNode.getInstance());
        assertSameWrite(F.textNode(""));
    }

    @Test
    void randomDocumentsReadAndWriteAsJacksonDid() {
        Random random = new Random(20_250_101L);
        for (int i = 0; i < 3000; i++) {
            String text = randomValue(random, 0);
            byte[] doc = utf8(text);
            JsonNode lenient = assertSameRead(doc, false);
            assertTrue(lenient != null, () -> "refused: " + show(doc));
            assertSameWrite(lenient);
            JsonNode strict = assertSameRead(doc, true); // refused for duplicate names only
            if (strict != null) {
                assertSameWrite(strict);
            }
            assertSameWrite(randomTree(random, 0));
        }
    }

    @Test
    void randomlyBrokenDocumentsAreRefusedAsJacksonRefusedThem() {
        Random random = new Random(7L);
        byte[] alphabet = utf8("{}[],:\"\\ntrufalse0123456789.eE+- \t\r\nxu/é");
        for (int i = 0; i < 3000; i++) {
            byte[] doc = utf8(randomValue(random, 0));
            ByteArrayOutputStream broken = new ByteArrayOutputStream();
            int at = random.nextInt(doc.length + 1);
            broken.write(doc, 0, at);
            switch (random.nextInt(4)) {
                case 0 -> broken.write(alphabet[random.nextInt(alphabet.length)]);
                case 1 -> broken.write(random.nextInt(256));
                case 2 -> at++; // drop a byte
                default -> {
                    broken.write(alphabet[random.nextInt(alphabet.length)]);
                    at++;
                }
            }
            if (at < doc.length) {
                broken.write(doc, at, doc.length - at);
            }
            byte[] b = broken.toByteArray();
            JsonNode strict = assertSameRead(b, true);
            JsonNode lenient = assertSameRead(b, false);
            if (strict != null) {
                assertSameWrite(strict);
            }
            if (lenient != null) {
                assertSameWrite(lenient);
            }
        }
    }

    /** Random JSON text: all value kinds, escapes of every sort, numbers in every form, odd whitespace. */
    private static String randomValue(Random r, int depth) {
        int kind = depth >= 5 ? 3 + r.nextInt(5) : r.nextInt(8);
        return switch (kind) {
            case 0, 1 -> {
                StringBuilder s = new StringBuilder("{").append(ws(r));
                int n = r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        s.append(',').append(ws(r));
                    }
                    String name = r.nextInt(20) == 0 ? "\"dup\"" : randomString(r);
                    s.append(name).append(ws(r)).append(':').append(ws(r)).append(randomValue(r, depth + 1)).append(ws(r));
                }
                if (n > 1 && r.nextInt(10) == 0) {
                    s.append(",\"dup\":1,\"dup\":2");
                }
                yield s.append('}').toString();
            }
            case 2 -> {
                StringBuilder s = new StringBuilder("[").append(ws(r));
                int n = r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        s.append(',').append(ws(r));
                    }
                    s.append(randomValue(r, depth + 1)).append(ws(r));
                }
                yield s.append(']').toString();
            }
            case 3, 4 -> randomString(r);
            case 5, 6 -> randomNumber(r);
            default -> List.of("true", "false", "null").get(r.nextInt(3));
        };
    }

    private static String ws(Random r) {
        return r.nextInt(4) != 0 ? "" : List.of(" ", "\n", "\r\n", "\t", "  \r").get(r.nextInt(5));
    }

    private static String randomNumber(Random r) {
        StringBuilder s = new StringBuilder();
        if (r.nextBoolean()) {
            s.append('-');
        }
        switch (r.nextInt(5)) {
            case 0 -> s.append(r.nextInt(10));
            case 1 -> s.append(r.nextInt() & Integer.MAX_VALUE);
            case 2 -> s.append(r.nextLong() & Long.MAX_VALUE);
            case 3 -> s.append(1 + r.nextInt(9)).append(digits(r, 1 + r.nextInt(40)));
            default -> s.append(List.of("2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "0").get(r.nextInt(5)));
        }
        if (r.nextInt(3) == 0) {
            s.append('.').append(digits(r, 1 + r.nextInt(r.nextInt(10) == 0 ? 60 : 6)));
        }
        if (r.nextInt(4) == 0) {
            s.append(r.nextBoolean() ? 'e' : 'E').append(List.of("", "+", "-").get(r.nextInt(3))).append(digits(r, 1 + r.nextInt(4)));
        }
        return s.toString();
    }

    private static String digits(Random r, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append((char) ('0' + r.nextInt(10)));
        }
        return s.toString();
    }

    /** A random JSON string literal: raw characters of all kinds and escapes of all kinds. */
    private static String randomString(Random r) {
        StringBuilder s = new StringBuilder("\"");
        int n = r.nextInt(r.nextInt(8) == 0 ? 200 : 12);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(10)) {
                case 0 -> s.append(List.of("\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t").get(r.nextInt(8)));
                case 1 -> {
                    String hex = String.format("%04x", randomChar(r));
                    s.append("\\u").append(r.nextBoolean() ? hex : hex.toUpperCase());
                }
                case 2 -> s.appendCodePoint(0x80 + r.nextInt(0x800 - 0x80));
                case 3 -> {
                    int c = 0x800 + r.nextInt(0x10000 - 0x800);
                    s.append(Character.isSurrogate((char) c) ? '?' : (char) c);
                }
                case 4 -> s.appendCodePoint(0x10000 + r.nextInt(0x110000 - 0x10000));
                default -> {
                    char c = (char) (0x20 + r.nextInt(0x60));
                    s.append(c == '"' || c == '\\' ? 'q' : c);
                }
            }
        }
        return s.append('"').toString();
    }

    private static int randomChar(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(0x20);
            case 1 -> 0xD800 + r.nextInt(0x800);
            case 2 -> r.nextInt(0x80);
            default -> r.nextInt(0x10000);
        };
    }

    /** A random tree built in code, with strings no parser would give (lone surrogates) and every number type. */
    private static JsonNode randomTree(Random r, int depth) {
        int kind = depth >= 4 ? 2 + r.nextInt(8) : r.nextInt(10);
        switch (kind) {
            case 0: {
                ObjectNode o = F.objectNode();
                for (int i = r.nextInt(5); i > 0; i--) {
                    o.set(randomJavaString(r), randomTree(r, depth + 1));
                }
                return o;
            }
            case 1: {
                ArrayNode a = F.arrayNode();
                for (int i = r.nextInt(5); i > 0; i--) {
                    a.add(randomTree(r, depth + 1));
                }
                return a;
            }
            case 2:
            case 3:
                return F.textNode(randomJavaString(r));
            case 4:
                return F.numberNode(r.nextInt(3) == 0 ? Double.longBitsToDouble(r.nextLong()) : r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
            case 5:
                return F.numberNode(r.nextInt(3) == 0 ? Float.intBitsToFloat(r.nextInt()) : r.nextFloat());
            case 6:
                return F.numberNode(new BigDecimal(new BigInteger(r.nextInt(200) + 1, r), r.nextInt(60) - 30));
            case 7:
                return r.nextBoolean() ? F.numberNode(r.nextInt()) : F.numberNode(r.nextLong());
            case 8:
                return F.numberNode(new BigInteger(r.nextInt(200) + 1, r).negate());
            default:
                return List.<JsonNode>of(F.nullNode(), F.booleanNode(true), F.booleanNode(false), MissingNode.getInstance()).get(r.nextInt(4));
        }
    }

    private static String randomJavaString(Random r) {
        StringBuilder s = new StringBuilder();
        for (int i = r.nextInt(12); i > 0; i--) {
            s.append((char) (r.nextInt(3) == 0 ? randomChar(r) : r.nextBoolean() ? r.nextInt(0x80) : r.nextInt(0x10000)));
        }
        return s.toString();
    }

    @Test
    void theReaderIsForUtf8Only() {
        assertFalse(JsonTreeReader.notUtf8(utf8("{}")));
        assertFalse(JsonTreeReader.notUtf8(utf8("1")));
        assertFalse(JsonTreeReader.notUtf8(new byte[] {(byte) 0xFE, (byte) 0xFF}));
        assertTrue(JsonTreeReader.notUtf8(new byte[] {0, '1'}));
        assertTrue(JsonTreeReader.notUtf8(new byte[] {(byte) 0xFF, (byte) 0xFE, '1', 0}));
    }
}
