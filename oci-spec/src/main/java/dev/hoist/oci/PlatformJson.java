package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The JSON codec of {@link Platform}. Stateless. */
final class PlatformJson {
    private PlatformJson() {
    }

    static Platform read(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = JsonRead.members(n, at);
        if (it == null) {
            return null;
        }
        String architecture = null;
        String os = null;
        String osVersion = null;
        List<String> osFeatures = null;
        String variant = null;
        List<String> features = null;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonPath p = at.field(e.getKey());
            switch (e.getKey()) {
                case "architecture" -> architecture = JsonRead.string(v, p);
                case "os" -> os = JsonRead.string(v, p);
                case "os.version" -> osVersion = JsonRead.string(v, p);
                case "os.features" -> osFeatures = JsonRead.strings(v, p);
                case "variant" -> variant = JsonRead.string(v, p);
                case "features" -> features = JsonRead.strings(v, p);
                default -> {
                }
            }
        }
        try {
            return new Platform(architecture, os, osVersion, osFeatures, variant, features);
        } catch (NullPointerException | IllegalArgumentException e) {
            throw JsonRead.refused(at, e);
        }
    }

    static ObjectNode write(Platform p) {
        ObjectNode o = JsonWrite.object();
        JsonWrite.nonEmpty(o, "architecture", p.architecture());
        JsonWrite.nonEmpty(o, "os", p.os());
        JsonWrite.nonEmpty(o, "os.version", p.osVersion());
        JsonWrite.nonEmpty(o, "os.features", p.osFeatures());
        JsonWrite.nonEmpty(o, "variant", p.variant());
        JsonWrite.nonEmpty(o, "features", p.features());
        return o;
    }
}
