package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The JSON codec of {@link Descriptor}, as manifests and indexes hold them. Stateless. */
final class DescriptorJson {
    private DescriptorJson() {
    }

    /** A descriptor, or null for JSON null; a missing size reads as 0, as Go's encoding/json reads it. */
    static Descriptor read(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = JsonRead.members(n, at);
        if (it == null) {
            return null;
        }
        String mediaType = null;
        Digest digest = null;
        Long size = null;
        List<String> urls = null;
        Map<String, String> annotations = null;
        String data = null;
        Platform platform = null;
        String artifactType = null;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonPath p = at.field(e.getKey());
            switch (e.getKey()) {
                case "mediaType" -> mediaType = JsonRead.string(v, p);
                case "digest" -> digest = JsonRead.digest(v, p);
                case "size" -> size = JsonRead.longValue(v, p);
                case "urls" -> urls = JsonRead.strings(v, p);
                case "annotations" -> annotations = JsonRead.stringMap(v, p);
                case "data" -> data = JsonRead.string(v, p);
                case "platform" -> platform = PlatformJson.read(v, p);
                case "artifactType" -> artifactType = JsonRead.string(v, p);
                default -> {
                }
            }
        }
        try {
            return new Descriptor(mediaType, digest, size == null ? 0 : size, urls, annotations, data, platform, artifactType);
        } catch (NullPointerException | IllegalArgumentException e) {
            throw JsonRead.refused(at, e);
        }
    }

    /**
     * As {@link JsonRead#list} with {@link #read}, written out: every manifest read comes here, and linking a method
     * reference's call site costs a cold start a fraction of a millisecond in the interpreter.
     */
    static List<Descriptor> list(JsonNode n, JsonPath at) throws InvalidContentException {
        if (JsonRead.isAbsent(n)) {
            return null;
        }
        if (!n.isArray()) {
            throw at.error("expected an array, got " + JsonRead.describe(n));
        }
        List<Descriptor> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            out.add(read(n.get(i), at.index(i)));
        }
        return out;
    }

    static ObjectNode write(Descriptor d) {
        ObjectNode o = JsonWrite.object();
        JsonWrite.nonEmpty(o, "mediaType", d.mediaType());
        o.put("digest", d.digest().toString());
        o.put("size", d.size());
        JsonWrite.nonEmpty(o, "urls", d.urls());
        JsonWrite.nonEmpty(o, "annotations", d.annotations());
        JsonWrite.nonEmpty(o, "data", d.data());
        if (d.platform() != null) {
            o.set("platform", PlatformJson.write(d.platform()));
        }
        JsonWrite.nonEmpty(o, "artifactType", d.artifactType());
        return o;
    }
}
