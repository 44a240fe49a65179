package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tree building for the hand-written codecs, with the omission rules of Go's {@code omitempty} as hoist's
 * types had them under data binding: {@code nonNull} leaves out null, {@code nonEmpty} also leaves out "" and
 * empty collections. Stateless.
 */
final class JsonWrite {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonWrite() {
    }

    static ObjectNode object() {
        return F.objectNode();
    }

    static void nonNull(ObjectNode o, String name, String value) {
        if (value != null) {
            o.put(name, value);
        }
    }

    static void nonNull(ObjectNode o, String name, Boolean value) {
        if (value != null) {
            o.put(name, value);
        }
    }

    static void nonNull(ObjectNode o, String name, Integer value) {
        if (value != null) {
            o.put(name, value);
        }
    }

    static void nonNull(ObjectNode o, String name, JsonNode value) {
        if (value != null) {
            o.set(name, value);
        }
    }

    static void nonEmpty(ObjectNode o, String name, String value) {
        if (value != null && !value.isEmpty()) {
            o.put(name, value);
        }
    }

    static void nonEmpty(ObjectNode o, String name, List<String> values) {
        if (values != null && !values.isEmpty()) {
            o.set(name, strings(values));
        }
    }

    static void nonEmpty(ObjectNode o, String name, Map<String, String> values) {
        if (values != null && !values.isEmpty()) {
            o.set(name, stringMap(values));
        }
    }

    static ArrayNode strings(Collection<?> values) {
        ArrayNode a = F.arrayNode(values.size());
        for (Object v : values) {
            if (v == null) {
                a.addNull();
            } else {
                a.add(v.toString());
            }
        }
        return a;
    }

    /** An object of strings in key order (a null value is written as null). */
    static ObjectNode stringMap(Map<String, String> values) {
        ObjectNode o = F.objectNode();
        for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
            if (e.getValue() == null) {
                o.putNull(e.getKey());
            } else {
                o.put(e.getKey(), e.getValue());
            }
        }
        return o;
    }

    /** Go's map[string]struct{}: {@code {"80/tcp":{}}}, keys in order. */
    static ObjectNode keySet(Collection<String> keys) {
        ObjectNode o = F.objectNode();
        for (String k : new java.util.TreeSet<>(keys)) {
            o.set(k, F.objectNode());
        }
        return o;
    }
}
