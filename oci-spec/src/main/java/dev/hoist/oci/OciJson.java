package dev.hoist.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON settings every hoist module uses for OCI and Docker documents, and a shared {@link ObjectMapper}
 * with them. Output is compact (no whitespace) and deterministic: record and class properties in declared
 * order, map entries sorted by key, so the same content always gives the same bytes and digest. Input is read
 * strictly, as Go's encoding/json would: duplicate keys, trailing garbage, strings where numbers or booleans
 * belong, numbers or booleans where strings belong and fractional integers are refused; unknown properties
 * are ignored. Numbers in JSON trees keep their exact value (big decimals).
 *
 * <p>The shared mapper is thread-safe; do not reconfigure it (use {@link #newMapper()} for a private copy).
 */
public final class OciJson {
    private static final ObjectMapper MAPPER = newMapper();

    private OciJson() {
    }

    /** The shared, preconfigured mapper. Thread-safe; never reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** A new mapper with hoist's settings, for callers who need to register modules or change settings. */
    public static ObjectMapper newMapper() {
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
        return JsonMapper.builder(factory)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(SerializationFeature.INDENT_OUTPUT)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .withCoercionConfig(LogicalType.Textual, c -> c
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
    }

    /**
     * Writes {@code value} as compact JSON (UTF-8). JSON trees are written in their own key order; records,
     * classes and maps as described above.
     */
    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** {@link #write} as a string. */
    public static String writeString(Object value) {
        return new String(write(value), StandardCharsets.UTF_8);
    }

    /**
     * Reads {@code bytes} as one JSON object.
     *
     * @param what what the bytes should be, for the error message ("image manifest")
     * @throws InvalidContentException if the bytes are not JSON or not an object
     */
    public static ObjectNode readObject(byte[] bytes, String what) throws InvalidContentException {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw InvalidContentException.malformed(what, "not valid JSON: " + describe(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from memory", e);
        }
        if (node == null || node.isMissingNode()) {
            throw InvalidContentException.malformed(what, "the document is empty");
        }
        if (!node.isObject()) {
            throw InvalidContentException.malformed(what, "expected a JSON object, got " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return (ObjectNode) node;
    }

    /**
     * Converts a JSON tree to {@code type}, turning mapping failures into an {@link InvalidContentException}
     * that names the JSON path of the bad field.
     */
    static <T> T convert(JsonNode tree, Class<T> type, String what) throws InvalidContentException {
        // Not try-with-resources: describe() reads the parser's current token, so it must still be open.
        JsonParser p = MAPPER.treeAsTokens(tree);
        try {
            return MAPPER.readValue(p, type);
        } catch (JsonProcessingException e) {
            throw InvalidContentException.malformed(what, describe(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                p.close();
            } catch (IOException ignored) {
                // a tree parser holds no resources
            }
        }
    }

    /** A short message for people: the JSON path of the problem and what is wrong there. */
    static String describe(JsonProcessingException e) {
        String problem = null;
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof NullPointerException) {
                problem = t.getMessage();
                if (t instanceof NullPointerException) {
                    problem = problem == null ? "null is not allowed here" : problem.matches("[\\w.]+") ? problem + " is missing" : problem;
                }
                break;
            }
        }
        if (problem == null && e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null
                && e.getProcessor() instanceof JsonParser p && p.currentToken() != null) {
            problem = "expected " + kind(mismatch.getTargetType()) + ", got " + value(p);
        }
        if (problem == null) {
            problem = e.getOriginalMessage();
            int nl = problem.indexOf('\n');
            if (nl > 0) {
                problem = problem.substring(0, nl);
            }
            if (e.getLocation() != null && !(e instanceof JsonMappingException)) {
                problem += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            }
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) {
                    if (path.length() > 0) {
                        path.append('.');
                    }
                    path.append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    path.append('[').append(r.getIndex()).append(']');
                }
            }
            if (path.length() > 0) {
                return path + ": " + problem;
            }
        }
        return problem;
    }

    private static String kind(Class<?> type) {
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type == String.class || type == Digest.class || type == Reference.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == Long.class || type == Short.class || type == int.class || type == long.class || type == short.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        return "an object";
    }

    private static String value(JsonParser p) {
        try {
            return switch (p.currentToken()) {
                case VALUE_STRING -> "\"" + p.getText() + "\"";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> p.getText();
                default -> kind(p.currentToken());
            };
        } catch (IOException ex) {
            return kind(p.currentToken());
        }
    }

    static String kind(com.fasterxml.jackson.core.JsonToken token) {
        return switch (token) {
            case START_OBJECT, END_OBJECT, FIELD_NAME -> "an object";
            case START_ARRAY, END_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.asString() == null ? token.name() : token.asString();
        };
    }
}
