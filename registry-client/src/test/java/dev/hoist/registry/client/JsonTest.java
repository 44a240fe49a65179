package dev.hoist.registry.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void malformedDocumentsAreRefused() {
        assertThrows(IOException.class, () -> parse("{\"a\":"));
        assertThrows(IOException.class, () -> parse("{} {}"));
        assertEquals(null, RegistryHttp.errorCode("<html>".getBytes(StandardCharsets.UTF_8)));
    }
}
