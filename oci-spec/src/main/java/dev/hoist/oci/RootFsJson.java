package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The JSON codec of {@link RootFs}. Stateless. */
final class RootFsJson {
    private RootFsJson() {
    }

    static RootFs read(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = JsonRead.members(n, at);
        if (it == null) {
            return null;
        }
        String type = null;
        List<Digest> diffIds = null;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonPath p = at.field(e.getKey());
            switch (e.getKey()) {
                case "type" -> type = JsonRead.string(v, p);
                case "diff_ids" -> diffIds = JsonRead.list(v, p, JsonRead.DIGEST);
                default -> {
                }
            }
        }
        try {
            return new RootFs(type, diffIds);
        } catch (NullPointerException | IllegalArgumentException e) {
            throw JsonRead.refused(at, e);
        }
    }

    /** {@code diff_ids} is always written, even when empty (Docker needs it). */
    static ObjectNode write(RootFs r) {
        ObjectNode o = JsonWrite.object();
        JsonWrite.nonNull(o, "type", r.type());
        o.set("diff_ids", JsonWrite.strings(r.diffIds()));
        return o;
    }
}
