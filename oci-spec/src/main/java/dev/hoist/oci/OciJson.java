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
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON settings every hoist module uses for OCI and Docker documents, and a shared {@link ObjectMapper}
 * with them. Output is compact (no whitespace) and deterministic: record and class properties in declared
 * order, map entries sorted by key, so the same content always gives the same bytes and digest. Input is read
 * strictly: duplicate keys, trailing garbage, strings where numbers belong and fractional integers are
 * refused; unknown properties are ignored. Numbers in JSON trees keep their exact value (big decimals).
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
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(SerializationFeature.INDENT_OUTPUT)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
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
        try (JsonParser p = MAPPER.treeAsTokens(tree)) {
            return MAPPER.readValue(p, type);
        } catch (JsonProcessingException e) {
            throw InvalidContentException.malformed(what, describe(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A short message for people: the JSON path of the problem and what is wrong there. */
    static String describe(JsonProcessingException e) {
        String problem = null;
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof NullPointerException) {
                problem = t.getMessage();
                break;
            }
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
}
