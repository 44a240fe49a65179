package dev.hoist.registry.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    private static Object parse(String s) throws IOException {
        return Json.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void treesRoundTripWithKeyOrderAndEveryKindOfValue() throws IOException {
        String doc = "{\"z\":1,\"a\":[true,false,null,\"s\\u00e9\"],\"big\":123456789012345678901234567890,"
                + "\"f\":1.50,\"o\":{\"k\":\"v\"}}";
        Object tree = parse(doc);
        assertEquals(List.of("z", "a", "big", "f", "o"), List.copyOf(Json.object(tree).keySet()));
        assertEquals(new BigInteger("123456789012345678901234567890"), Json.get(tree, "big"));
        assertEquals("sé", Json.elements(Json.get(tree, "a")).get(3));
        assertEquals(doc.replace("\\u00e9", "é"), new String(Json.write(tree, false), StandardCharsets.UTF_8));
        assertEquals(tree, Json.parse(Json.write(tree, true)));
    }

    @Test
    void accessorsAnswerDefaultsForMissingOrMistypedMembers() throws IOException {
        Object tree = parse("{\"expires_in\":\"300\",\"token\":5,\"errors\":{}}");
        assertEquals(300, Json.number(Json.get(tree, "expires_in"), 60));
        assertEquals(60, Json.number(Json.get(tree, "missing"), 60));
        assertEquals("", Json.text(Json.get(tree, "token"), ""));
        assertEquals(List.of(), Json.elements(Json.get(tree, "errors")));
        assertNull(Json.get("not an object", "x"));
        assertEquals(Map.of(), parse("{}"));
        assertNull(parse(""));
    }

    @Test
    void plainDocumentsAreReadByHandAsJacksonReadsThem() throws IOException {
        for (String doc : List.of("{}", "[]", " null ", "true", "false", "0", "-0", "12", "-9223372036854775808",
                "9223372036854775807", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
                "1.50", "-0.0", "1e5", "1E+5", "2.5e-3", "\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\"",
                "{\"a\":1,\"a\":2,\"b\":[1,[2,{}]]}", "\r\n\t{ \"k\" : [ 1 , 2 ] }\n")) {
            byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
            Object plain = PlainJson.read(bytes);
            assertNotSame(PlainJson.UNSUPPORTED, plain, doc);
            assertEquals(Json.parseWithJackson(bytes), plain, doc);
        }
        assertEquals(List.of("a", "b"), List.copyOf(Json.object(parse("{\"a\":1,\"b\":2,\"a\":3}")).keySet()));
        assertEquals(3L, Json.get(parse("{\"a\":1,\"b\":2,\"a\":3}"), "a"));
        assertEquals(new java.math.BigDecimal("1.50"), parse("1.50"));
        assertEquals(Long.class, parse("9223372036854775807").getClass());
        assertEquals(BigInteger.class, parse("9223372036854775808").getClass());
    }

    @Test
    void whatIsNotPlainIsLeftToJackson() throws IOException {
        for (String doc : List.of("\ufeff{}", "{\"é\":1}", "\"\\ud83d\\ude00\"", "\"\u007f\"", "\"a\tb\"", "01", "1.",
                ".5", "+1", "1e", "NaN", "{\"a\":1,}", "[1,]", "{} {}", "tru", "truex", "nul", "\"\\x\"", "[1 2]",
                "{\"a\" 1}", "{1:2}", "\"abc", "[", "1".repeat(101), "[".repeat(300) + "]".repeat(300))) {
            assertSame(PlainJson.UNSUPPORTED, PlainJson.read(doc.getBytes(StandardCharsets.UTF_8)), doc);
        }
        assertEquals("\ud83d\ude00", parse("\"\\ud83d\\ude00\""));
        assertEquals(Map.of("é", 1L), parse("{\"é\":1}"));
        assertEquals(Map.of(), parse("\ufeff{}"));
    }

    @Test
    void generatedDocumentsReadByHandMatchJackson() {
        Random random = new Random(5);
        int plain = 0;
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            writeRandom(sb, random, 0);
            if (random.nextInt(3) == 0) { // break it somewhere
                int at = random.nextInt(sb.length() + 1);
                String noise = "{}[],:\"\\ 0-.eE+tfnu\u00e9\t";
                switch (random.nextInt(3)) {
                    case 0 -> sb.insert(at, noise.charAt(random.nextInt(noise.length())));
                    case 1 -> sb.delete(at, Math.min(sb.length(), at + 1));
                    default -> sb.setCharAt(Math.min(at, sb.length() - 1), noise.charAt(random.nextInt(noise.length())));
                }
            }
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            Object byHand = PlainJson.read(bytes);
            Object byJackson;
            try {
                byJackson = Json.parseWithJackson(bytes);
            } catch (IOException e) {
                assertSame(PlainJson.UNSUPPORTED, byHand, "read by hand, refused by Jackson: " + sb);
                refused++;
                continue;
            }
            if (byHand != PlainJson.UNSUPPORTED) {
                assertEquals(byJackson, byHand, sb.toString());
                plain++;
                Object written = PlainJson.write(byHand);
                if (written != PlainJson.UNSUPPORTED) {
                    try {
                        assertArrayEquals(Json.writeWithJackson(byHand, false), (byte[]) written, sb.toString());
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }
            }
        }
        assertTrue(plain > 5_000 && refused > 2_000, "too few of a kind to mean anything: " + plain + " plain, " + refused + " refused");
    }

    /** A random value, written with random spacing and escapes. */
    private static void writeRandom(StringBuilder sb, Random random, int depth) {
        String[] space = {"", "", "", " ", "\n", "\r\n\t"};
        sb.append(space[random.nextInt(space.length)]);
        switch (depth > 4 ? 3 + random.nextInt(5) : random.nextInt(8)) {
            case 0, 1 -> {
                sb.append('{');
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "");
                    writeString(sb, random);
                    sb.append(space[random.nextInt(space.length)]).append(':');
                    writeRandom(sb, random, depth + 1);
                }
                sb.append(space[random.nextInt(space.length)]).append('}');
            }
            case 2 -> {
                sb.append('[');
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "");
                    writeRandom(sb, random, depth + 1);
                }
                sb.append(space[random.nextInt(space.length)]).append(']');
            }
            case 3, 4 -> writeString(sb, random);
            case 5 -> sb.append(List.of("true", "false", "null").get(random.nextInt(3)));
            default -> {
                String[] numbers = {"0", "-0", "7", "-42", "3.25", "1.50", "-0.001", "6e3", "1E-7", "2.5E+10",
                        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "98765432109876543210"};
                sb.append(numbers[random.nextInt(numbers.length)]);
            }
        }
        sb.append(space[random.nextInt(space.length)]);
    }

    private static void writeString(StringBuilder sb, Random random) {
        String[] parts = {"a", "Z", "sha256:", "/", " ", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u0041", "\\u00E9",
                "\\u001f", "é", "\\ud800", "~"};
        sb.append('"');
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            sb.append(parts[random.nextInt(parts.length)]);
        }
        sb.append('"');
    }

    @Test
    void plainTreesAreWrittenByHandAsJacksonWritesThem() throws IOException {
        Map<String, Object> tree = new java.util.LinkedHashMap<>();
        tree.put("schemaVersion", 2L);
        tree.put("n", 7);
        tree.put("q\"uote\\", List.of(true, false, "a/b ~"));
        tree.put("empty", Map.of());
        tree.put("none", java.util.Arrays.asList(null, List.of()));
        Object plain = PlainJson.write(tree);
        assertNotSame(PlainJson.UNSUPPORTED, plain);
        assertArrayEquals(Json.writeWithJackson(tree, false), (byte[]) plain);
        for (Object notPlain : List.of("é", "tab\t", "\u007f", new BigInteger("1"), new java.math.BigDecimal("1.5"),
                Map.of(1, "non-string key"), 1.5)) {
            assertSame(PlainJson.UNSUPPORTED, PlainJson.write(List.of(notPlain)), String.valueOf(notPlain));
        }
        assertEquals("[\"é\",\"tab\\t\"]", new String(Json.write(List.of("é", "tab\t"), false), StandardCharsets.UTF_8));
    }

    @Test
    void malformedDocumentsAreRefused() {
        assertThrows(IOException.class, () -> parse("{\"a\":"));
        assertThrows(IOException.class, () -> parse("{} {}"));
        assertEquals(null, RegistryHttp.errorCode("<html>".getBytes(StandardCharsets.UTF_8)));
    }
}
