package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Typed reads of JSON tree values for the hand-written codecs, as strict as Go's encoding/json: a string
 * is only a string, a number only a number, a whole number has no fraction. A missing value or JSON null
 * reads as null (an empty collection once the record is built). Errors name the JSON path. Stateless.
 */
final class JsonRead {
    private JsonRead() {
    }

    /** Reads one element of an array or one value of an object. */
    @FunctionalInterface
    interface Reader<T> {
        T read(JsonNode node, JsonPath at) throws InvalidContentException;
    }

    static boolean isAbsent(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode();
    }

    /** The object's members in document order, or null for null; anything else is an error. */
    static Iterator<Map.Entry<String, JsonNode>> members(JsonNode n, JsonPath at) throws InvalidContentException {
        if (isAbsent(n)) {
            return null;
        }
        if (!n.isObject()) {
            throw at.error("expected an object, got " + describe(n));
        }
        return n.fields();
    }

    static String string(JsonNode n, JsonPath at) throws InvalidContentException {
        if (isAbsent(n)) {
            return null;
        }
        if (!n.isTextual()) {
            throw at.error("expected a string, got " + describe(n));
        }
        return n.textValue();
    }

    static Boolean bool(JsonNode n, JsonPath at) throws InvalidContentException {
        if (isAbsent(n)) {
            return null;
        }
        if (!n.isBoolean()) {
            throw at.error("expected true or false, got " + describe(n));
        }
        return n.booleanValue();
    }

    static Integer integer(JsonNode n, JsonPath at) throws InvalidContentException {
        if (isAbsent(n)) {
            return null;
        }
        if (!n.isIntegralNumber()) {
            throw at.error("expected a whole number, got " + describe(n));
        }
        if (!n.canConvertToInt()) {
            throw at.error("expected a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ", got " + describe(n));
        }
        return n.intValue();
    }

    static Long longValue(JsonNode n, JsonPath at) throws InvalidContentException {
        if (isAbsent(n)) {
            return null;
        }
        if (!n.isIntegralNumber()) {
            throw at.error("expected a whole number, got " + describe(n));
        }
        if (!n.canConvertToLong()) {
            throw at.error("expected a whole number that fits in 64 bits, got " + describe(n));
        }
        return n.longValue();
    }

    /** Go's time.Duration: integer nanoseconds. */
    static Duration nanos(JsonNode n, JsonPath at) throws InvalidContentException {
        if (isAbsent(n)) {
            return null;
        }
        if (!n.isIntegralNumber()) {
            throw at.error("expected a duration in integer nanoseconds, got " + kind(n));
        }
        if (!n.canConvertToLong()) {
            throw at.error("expected a duration in integer nanoseconds that fits in 64 bits, got " + describe(n));
        }
        return Duration.ofNanos(n.longValue());
    }

    static Digest digest(JsonNode n, JsonPath at) throws InvalidContentException {
        String s = string(n, at);
        if (s == null) {
            return null;
        }
        try {
            return Digest.parse(s);
        } catch (InvalidDigestException e) {
            throw at.error(e.getMessage());
        }
    }

    // Element readers as named constants, not method references: reading an image's JSON is on the start-up path
    // of most commands, where linking a method reference's call site costs time (CONTRIBUTING.md, "Start-up paths").
    static final Reader<String> STRING = new Reader<>() {
        @Override
        public String read(JsonNode n, JsonPath at) throws InvalidContentException {
            return string(n, at);
        }
    };
    static final Reader<Digest> DIGEST = new Reader<>() {
        @Override
        public Digest read(JsonNode n, JsonPath at) throws InvalidContentException {
            return digest(n, at);
        }
    };

    /** An array read element by element (null elements are passed to {@code element}), or null. */
    static <T> List<T> list(JsonNode n, JsonPath at, Reader<T> element) throws InvalidContentException {
        if (isAbsent(n)) {
            return null;
        }
        if (!n.isArray()) {
            throw at.error("expected an array, got " + describe(n));
        }
        List<T> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            out.add(element.read(n.get(i), at.index(i)));
        }
        return out;
    }

    static List<String> strings(JsonNode n, JsonPath at) throws InvalidContentException {
        return list(n, at, STRING);
    }

    /** An object of strings, sorted by key (a null value stays null), or null. */
    static Map<String, String> stringMap(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = members(n, at);
        if (it == null) {
            return null;
        }
        Map<String, String> out = new TreeMap<>();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), string(e.getValue(), at.field(e.getKey())));
        }
        return out;
    }

    /** Go's map[string]struct{}: the keys of an object as a sorted set, the values ignored; or null. */
    static Set<String> keySet(JsonNode n, JsonPath at) throws InvalidContentException {
        if (isAbsent(n)) {
            return null;
        }
        if (!n.isObject()) {
            throw at.error("expected an object whose keys are the members, like {\"80/tcp\":{}}, got " + kind(n));
        }
        TreeSet<String> keys = new TreeSet<>();
        for (Iterator<String> names = n.fieldNames(); names.hasNext(); ) {
            keys.add(names.next());
        }
        return Collections.unmodifiableSet(keys);
    }

    /**
     * The error for the object at {@code at} whose record constructor refused what was read: a
     * {@link NullPointerException} naming a component says that component is missing.
     */
    static InvalidContentException refused(JsonPath at, RuntimeException e) {
        String m = e.getMessage();
        if (e instanceof NullPointerException) {
            return at.error(m == null ? "null is not allowed here" : m.matches("[\\w.]+") ? m + " is missing" : m);
        }
        return at.error(m);
    }

    /** A value for an error message: strings quoted, numbers and booleans as written, else its kind. */
    static String describe(JsonNode n) {
        if (n.isTextual()) {
            return "\"" + n.textValue() + "\"";
        }
        if (n.isNumber() || n.isBoolean()) {
            return n.asText();
        }
        return kind(n);
    }

    static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case OBJECT, POJO -> "an object";
            case ARRAY -> "an array";
            case STRING, BINARY -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL, MISSING -> "null";
        };
    }
}
