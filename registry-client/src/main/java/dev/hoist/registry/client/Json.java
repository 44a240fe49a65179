package dev.hoist.registry.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small JSON documents (tokens, error bodies, tag lists, the Docker config, an OCI layout's index) as plain
 * trees: objects are {@link LinkedHashMap}s (key order kept), arrays {@link ArrayList}s, numbers {@link Long},
 * {@link BigInteger} or {@link BigDecimal}, and strings, booleans and null as themselves. Plain ASCII documents
 * are read and written by hand ({@link PlainJson}), everything else, errors included, by jackson-core's
 * streaming API, whose factory is made on first use (~3 ms of a cold start). jackson-databind costs a quarter of
 * a second of start-up on every command; this costs nothing. Stateless and thread-safe.
 */
final class Json {
    private Json() {
    }

    /** jackson-core's factory, made on first use: documents of the plain subset never need it. */
    private static final class Jackson {
        static final JsonFactory FACTORY = new JsonFactory();
    }

    /** Parses one JSON value; null for an empty document. */
    static Object parse(byte[] bytes) throws IOException {
        Object tree = PlainJson.read(bytes);
        return tree != PlainJson.UNSUPPORTED ? tree : parseWithJackson(bytes);
    }

    /** {@link #parse(byte[])} by jackson-core alone: what the plain subset's reader must agree with. */
    static Object parseWithJackson(byte[] bytes) throws IOException {
        try (JsonParser p = Jackson.FACTORY.createParser(bytes)) {
            return document(p);
        }
    }

    /** As {@link #parse(byte[])}, from a stream (read to its end, not closed). */
    static Object parse(InputStream in) throws IOException {
        return parse(in.readAllBytes());
    }

    private static Object document(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            return null;
        }
        Object v = value(p, t);
        if (p.nextToken() != null) {
            throw new IOException("JSON document has content after its end, at " + p.currentLocation());
        }
        return v;
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(value(p, e));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDecimalValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IOException("unexpected JSON token " + t + " at " + p.currentLocation());
        }
    }

    /** Writes {@code tree} (as {@link #parse} makes them), indented when {@code pretty}. */
    static byte[] write(Object tree, boolean pretty) throws IOException {
        if (!pretty) {
            Object bytes = PlainJson.write(tree);
            if (bytes != PlainJson.UNSUPPORTED) {
                return (byte[]) bytes;
            }
        }
        return writeWithJackson(tree, pretty);
    }

    /** {@link #write} by jackson-core alone: what the plain subset's writer must agree with. */
    static byte[] writeWithJackson(Object tree, boolean pretty) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Jackson.FACTORY.createGenerator(out)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            write(g, tree);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object e : l) {
                write(g, e);
            }
            g.writeEndArray();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Long || v instanceof Integer) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            g.writeNumber(b);
        } else if (v instanceof BigDecimal d) {
            g.writeNumber(d);
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
    }

    /** {@code v} as an object, or null when it is not one. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    /** The member {@code name} of {@code v} when {@code v} is an object, else null. */
    static Object get(Object v, String name) {
        Map<String, Object> m = object(v);
        return m == null ? null : m.get(name);
    }

    /** {@code v}'s elements when it is an array, else none. */
    @SuppressWarnings("unchecked")
    static List<Object> elements(Object v) {
        return v instanceof List<?> l ? (List<Object>) l : List.of();
    }

    /** {@code v} when it is a string, else {@code otherwise}. */
    static String text(Object v, String otherwise) {
        return v instanceof String s ? s : otherwise;
    }

    /** {@code v} as a long when it is an integer or a string of one, else {@code otherwise}. */
    static long number(Object v, long otherwise) {
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }
        return otherwise;
    }
}
