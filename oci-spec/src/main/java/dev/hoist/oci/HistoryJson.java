package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/** The JSON codec of {@link History}. Stateless. */
final class HistoryJson {
    private HistoryJson() {
    }

    static final JsonRead.Reader<History> READER = new JsonRead.Reader<>() {
        @Override
        public History read(JsonNode n, JsonPath at) throws InvalidContentException {
            return HistoryJson.read(n, at);
        }
    };

    static History read(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = JsonRead.members(n, at);
        if (it == null) {
            return null;
        }
        String created = null;
        String createdBy = null;
        String author = null;
        String comment = null;
        Boolean emptyLayer = null;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonPath p = at.field(e.getKey());
            switch (e.getKey()) {
                case "created" -> created = JsonRead.string(v, p);
                case "created_by" -> createdBy = JsonRead.string(v, p);
                case "author" -> author = JsonRead.string(v, p);
                case "comment" -> comment = JsonRead.string(v, p);
                case "empty_layer" -> emptyLayer = JsonRead.bool(v, p);
                default -> {
                }
            }
        }
        return new History(created, createdBy, author, comment, emptyLayer);
    }

    static ObjectNode write(History h) {
        ObjectNode o = JsonWrite.object();
        JsonWrite.nonNull(o, "created", h.created());
        JsonWrite.nonNull(o, "created_by", h.createdBy());
        JsonWrite.nonNull(o, "author", h.author());
        JsonWrite.nonNull(o, "comment", h.comment());
        JsonWrite.nonNull(o, "empty_layer", h.emptyLayer());
        return o;
    }
}
