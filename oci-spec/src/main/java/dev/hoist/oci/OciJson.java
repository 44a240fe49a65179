package dev.hoist.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.Instantiatable;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The JSON settings every hoist module uses for OCI and Docker documents. Output is compact (no whitespace)
 * and deterministic: record and class properties in declared order, map entries sorted by key, so the same
 * content always gives the same bytes and digest. Input is read strictly, as Go's encoding/json would:
 * duplicate keys, trailing garbage, strings where numbers or booleans belong, numbers or booleans where
 * strings belong and fractional integers are refused; unknown properties are ignored. Numbers in JSON trees
 * keep their exact value (big decimals).
 *
 * <p>Reading and writing JSON trees ({@link #readObject}, {@link #readTree}, {@link #write} of a
 * {@link JsonNode}) and hoist's own types (which have hand-written codecs) use neither data binding nor, for
 * UTF-8 and compact output, jackson-core's streaming parser and generator: a hand-written reader and writer
 * give the same trees and bytes at a fraction of the cold-start cost. The shared {@link ObjectMapper} is for other values and is made on first use only, as it costs
 * tens of milliseconds on a cold start; it is thread-safe; do not reconfigure it (use {@link #newMapper()}
 * for a private copy).
 */
public final class OciJson {
    private OciJson() {
    }

    /**
     * jackson-core's factories, made on first use: only pretty printing and documents in UTF-16 or UTF-32 need
     * them, as {@link JsonTreeReader} and {@link JsonTreeWriter} read and write trees (making a factory costs
     * milliseconds on a cold start).
     */
    private static final class Factories {
        /** Strict reading: duplicate keys are refused. Thread-safe. */
        static final JsonFactory STRICT = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
        /** Lenient reading, as a default ObjectMapper reads: a repeated key keeps its last value. Thread-safe. */
        static final JsonFactory LENIENT = JsonFactory.builder()
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
    }

    /** The shared mapper, made on first use. */
    private static final class Shared {
        static final ObjectMapper MAPPER = newMapper();
    }

    /**
     * The shared, preconfigured mapper, made on first use (which costs tens of milliseconds: keep it off
     * the paths of quick commands). Thread-safe; never reconfigure it.
     */
    public static ObjectMapper mapper() {
        return Shared.MAPPER;
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
     * Writes {@code value} as compact JSON (UTF-8). JSON trees are written in their own key order, hoist's
     * OCI types (descriptors, platforms, container configs, manifests, image configs…) by their hand-written
     * codecs, both without data binding; other records, classes and maps by the shared mapper as described
     * above.
     */
    public static byte[] write(Object value) {
        JsonNode tree = ownTree(value);
        if (tree != null) {
            return writeTree(tree, null);
        }
        try {
            return mapper().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The tree of a JSON tree or of a hoist type with a hand-written codec; null for anything else. */
    private static JsonNode ownTree(Object value) {
        if (value instanceof JsonNode node) {
            return node;
        }
        if (value instanceof Descriptor d) {
            return DescriptorJson.write(d);
        }
        if (value instanceof Platform p) {
            return PlatformJson.write(p);
        }
        if (value instanceof ContainerConfig c) {
            return ContainerConfigJson.write(c);
        }
        if (value instanceof Healthcheck h) {
            return HealthcheckJson.write(h);
        }
        if (value instanceof History h) {
            return HistoryJson.write(h);
        }
        if (value instanceof RootFs r) {
            return RootFsJson.write(r);
        }
        if (value instanceof ImageManifest m) {
            return m.jsonValue();
        }
        if (value instanceof ImageIndex i) {
            return i.jsonValue();
        }
        if (value instanceof ImageConfig c) {
            return c.jsonValue();
        }
        if (value instanceof dev.hoist.oci.distribution.ErrorResponse r) {
            return r.jsonValue();
        }
        return null;
    }

    /** {@link #write} as a string. */
    public static String writeString(Object value) {
        return new String(write(value), StandardCharsets.UTF_8);
    }

    /**
     * Writes a JSON tree as UTF-8 text laid out by {@code printer} (for example a
     * {@link com.fasterxml.jackson.core.util.DefaultPrettyPrinter}), without data binding. A printer that
     * keeps state is copied first, so one printer can be shared.
     */
    public static String writeString(JsonNode tree, PrettyPrinter printer) {
        Objects.requireNonNull(printer, "printer");
        return new String(writeTree(tree, printer), StandardCharsets.UTF_8);
    }

    private static byte[] writeTree(JsonNode tree, PrettyPrinter printer) {
        try {
            if (printer == null) {
                return JsonTreeWriter.write(tree);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            try (JsonGenerator g = Factories.STRICT.createGenerator(out)) {
                g.setPrettyPrinter(printer instanceof Instantiatable<?> i ? (PrettyPrinter) i.createInstance() : printer);
                JsonStreams.write(g, tree);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
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
            node = readTree(bytes);
        } catch (JsonProcessingException e) {
            throw InvalidContentException.malformed(what, "not valid JSON: " + describe(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from memory", e);
        }
        if (node.isMissingNode()) {
            throw InvalidContentException.malformed(what, "the document is empty");
        }
        if (!node.isObject()) {
            throw InvalidContentException.malformed(what, "expected a JSON object, got " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return (ObjectNode) node;
    }

    /**
     * Reads {@code bytes} as one JSON value, strictly (see above), without data binding: what
     * {@code mapper().readTree(bytes)} gives, but cheap on a cold start. Empty input gives a
     * {@link com.fasterxml.jackson.databind.node.MissingNode}.
     *
     * @throws JsonProcessingException if the bytes are not one JSON value (the message says where)
     */
    public static JsonNode readTree(byte[] bytes) throws IOException {
        return read(bytes, true);
    }

    /**
     * Reads {@code bytes} as a default {@link ObjectMapper} would: a repeated key keeps its last value,
     * fractions are doubles, anything after the first value is ignored. For documents hoist only looks into
     * (the garbage collector reading stored blobs), not ones it checks. Empty input gives a
     * {@link com.fasterxml.jackson.databind.node.MissingNode}.
     *
     * @throws JsonProcessingException if the bytes do not start with one JSON value
     */
    public static JsonNode readTreeLeniently(byte[] bytes) throws IOException {
        return read(bytes, false);
    }

    private static JsonNode read(byte[] bytes, boolean strict) throws IOException {
        if (!JsonTreeReader.notUtf8(bytes)) {
            return JsonTreeReader.read(bytes, strict);
        }
        try (JsonParser p = (strict ? Factories.STRICT : Factories.LENIENT).createParser(bytes)) {
            if (p.nextToken() == null) {
                return MissingNode.getInstance();
            }
            JsonNode node = JsonStreams.readValue(p, strict);
            if (strict) {
                JsonToken trailing = p.nextToken();
                if (trailing != null) {
                    throw new JsonParseException(p, "more content (" + kind(trailing) + ") after the end of the document");
                }
            }
            return node;
        }
    }

    /** A short message for people: what is wrong and where (line and column). */
    static String describe(JsonProcessingException e) {
        String problem = e.getOriginalMessage();
        int nl = problem.indexOf('\n');
        if (nl > 0) {
            problem = problem.substring(0, nl);
        }
        if (e.getLocation() != null) {
            problem += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        }
        return problem;
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
