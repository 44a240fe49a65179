package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Read-modify-write of JSON documents that keeps what hoist does not model. The typed view of a document
 * before and after a change is serialised to two trees; only the fields that differ between them are written
 * into (a copy of) the original tree, recursively, so unknown fields, their order and untouched values stay
 * as they were. Stateless.
 */
final class JsonTrees {
    private JsonTrees() {
    }

    /**
     * A copy of {@code original} with the differences between {@code before} and {@code after} applied.
     * {@code before} must be the typed view of {@code original}.
     */
    static ObjectNode patched(ObjectNode original, ObjectNode before, ObjectNode after) {
        ObjectNode target = original.deepCopy();
        patch(target, before, after);
        return target;
    }

    private static void patch(ObjectNode target, JsonNode before, JsonNode after) {
        Set<String> names = new LinkedHashSet<>();
        after.fieldNames().forEachRemaining(names::add);
        before.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode b = before.get(name);
            JsonNode a = after.get(name);
            if (Objects.equals(b, a)) {
                continue;
            }
            if (a == null) {
                target.remove(name);
                continue;
            }
            JsonNode t = target.get(name);
            target.set(name, merge(t, b, a));
        }
    }

    /** The value to write where the original had {@code t}, whose typed view was {@code b} and is now {@code a}. */
    private static JsonNode merge(JsonNode t, JsonNode b, JsonNode a) {
        if (t == null || b == null) {
            return a.deepCopy();
        }
        if (b.equals(a)) {
            return t;
        }
        if (t.isObject() && b.isObject() && a.isObject()) {
            ObjectNode copy = ((ObjectNode) t).deepCopy();
            patch(copy, b, a);
            return copy;
        }
        if (t.isArray() && b.isArray() && a.isArray() && t.size() == b.size()) {
            return mergeArray((ArrayNode) t, (ArrayNode) b, (ArrayNode) a);
        }
        return a.deepCopy();
    }

    private static ArrayNode mergeArray(ArrayNode t, ArrayNode b, ArrayNode a) {
        ArrayNode out = t.arrayNode();
        if (a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                out.add(merge(t.get(i), b.get(i), a.get(i)));
            }
            return out;
        }
        // Elements were added or removed: keep the original of every element that is still there unchanged.
        boolean[] used = new boolean[b.size()];
        for (Iterator<JsonNode> it = a.elements(); it.hasNext(); ) {
            JsonNode element = it.next();
            int j = indexOfUnused(b, used, element);
            if (j >= 0) {
                used[j] = true;
                out.add(t.get(j).deepCopy());
            } else {
                out.add(element.deepCopy());
            }
        }
        return out;
    }

    private static int indexOfUnused(ArrayNode b, boolean[] used, JsonNode element) {
        for (int j = 0; j < b.size(); j++) {
            if (!used[j] && b.get(j).equals(element)) {
                return j;
            }
        }
        return -1;
    }
}
