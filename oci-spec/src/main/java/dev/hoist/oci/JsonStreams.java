package dev.hoist.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON trees read from a streaming parser and written to a streaming generator, without data binding (an
 * {@code ObjectMapper} costs tens of milliseconds on a cold start). Numbers keep their exact value: whole
 * numbers as int, long or big integer nodes, fractions as big decimals with their scale. Only for pretty
 * printing and for documents in UTF-16 or UTF-32: {@link JsonTreeReader} and {@link JsonTreeWriter} do the
 * common work without a {@code JsonFactory}. Stateless.
 */
final class JsonStreams {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonStreams() {
    }

    /**
     * The value that starts at the parser's current token (which must be set), leaving the parser on the
     * value's last token.
     */
    static JsonNode readValue(JsonParser p, boolean exactDecimals) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT:
                ObjectNode o = F.objectNode();
                for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                    p.nextToken();
                    o.set(name, readValue(p, exactDecimals));
                }
                return o;
            case START_ARRAY:
                ArrayNode a = F.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(readValue(p, exactDecimals));
                }
                return a;
            case VALUE_STRING:
                return F.textNode(p.getText());
            case VALUE_NUMBER_INT:
                return switch (p.getNumberType()) {
                    case INT -> F.numberNode(p.getIntValue());
                    case LONG -> F.numberNode(p.getLongValue());
                    default -> F.numberNode(p.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT:
                return exactDecimals ? DecimalNode.valueOf(p.getDecimalValue()) : F.numberNode(p.getDoubleValue());
            case VALUE_TRUE:
                return F.booleanNode(true);
            case VALUE_FALSE:
                return F.booleanNode(false);
            case VALUE_NULL:
                return F.nullNode();
            case VALUE_EMBEDDED_OBJECT:
                return F.pojoNode(p.getEmbeddedObject());
            default:
                throw new IllegalStateException("unexpected " + t + " at the start of a JSON value");
        }
    }

    /** Writes {@code node} as it is, members in the tree's order. */
    static void write(JsonGenerator g, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode element : node) {
                    write(g, element);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(node.textValue());
            case NUMBER -> {
                switch (node.numberType()) {
                    case INT -> g.writeNumber(node.intValue());
                    case LONG -> g.writeNumber(node.longValue());
                    case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
                    case FLOAT -> g.writeNumber(node.floatValue());
                    case DOUBLE -> g.writeNumber(node.doubleValue());
                    default -> g.writeNumber(node.decimalValue());
                }
            }
            case BOOLEAN -> g.writeBoolean(node.booleanValue());
            case NULL, MISSING -> g.writeNull();
            case BINARY -> g.writeBinary(node.binaryValue());
            case POJO -> OciJson.mapper().writeValue(g, ((POJONode) node).getPojo());
        }
    }
}
