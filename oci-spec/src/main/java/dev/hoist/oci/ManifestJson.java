package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON codecs of {@link ManifestFields} and {@link IndexFields}, in the OCI Go types' field order;
 * {@code layers} and {@code manifests} are always written, {@code annotations} only when there are some.
 * Stateless.
 */
final class ManifestJson {
    private ManifestJson() {
    }

    static ManifestFields readManifest(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = JsonRead.members(n, at);
        if (it == null) {
            throw at.error("expected an object, got null");
        }
        Integer schemaVersion = null;
        String mediaType = null;
        String artifactType = null;
        Descriptor config = null;
        List<Descriptor> layers = null;
        Descriptor subject = null;
        Map<String, String> annotations = null;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonPath p = at.field(e.getKey());
            switch (e.getKey()) {
                case "schemaVersion" -> schemaVersion = JsonRead.integer(v, p);
                case "mediaType" -> mediaType = JsonRead.string(v, p);
                case "artifactType" -> artifactType = JsonRead.string(v, p);
                case "config" -> config = DescriptorJson.read(v, p);
                case "layers" -> layers = DescriptorJson.list(v, p);
                case "subject" -> subject = DescriptorJson.read(v, p);
                case "annotations" -> annotations = JsonRead.stringMap(v, p);
                default -> {
                }
            }
        }
        try {
            return new ManifestFields(schemaVersion, mediaType, artifactType, config, layers, subject, annotations);
        } catch (NullPointerException | IllegalArgumentException e) {
            throw JsonRead.refused(at, e);
        }
    }

    static IndexFields readIndex(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = JsonRead.members(n, at);
        if (it == null) {
            throw at.error("expected an object, got null");
        }
        Integer schemaVersion = null;
        String mediaType = null;
        String artifactType = null;
        List<Descriptor> manifests = null;
        Descriptor subject = null;
        Map<String, String> annotations = null;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonPath p = at.field(e.getKey());
            switch (e.getKey()) {
                case "schemaVersion" -> schemaVersion = JsonRead.integer(v, p);
                case "mediaType" -> mediaType = JsonRead.string(v, p);
                case "artifactType" -> artifactType = JsonRead.string(v, p);
                case "manifests" -> manifests = DescriptorJson.list(v, p);
                case "subject" -> subject = DescriptorJson.read(v, p);
                case "annotations" -> annotations = JsonRead.stringMap(v, p);
                default -> {
                }
            }
        }
        try {
            return new IndexFields(schemaVersion, mediaType, artifactType, manifests, subject, annotations);
        } catch (NullPointerException | IllegalArgumentException e) {
            throw JsonRead.refused(at, e);
        }
    }

    static ObjectNode write(ManifestFields f) {
        ObjectNode o = head(f.schemaVersion(), f.mediaType(), f.artifactType());
        if (f.config() != null) {
            o.set("config", DescriptorJson.write(f.config()));
        }
        o.set("layers", descriptors(f.layers()));
        return tail(o, f.subject(), f.annotations());
    }

    static ObjectNode write(IndexFields f) {
        ObjectNode o = head(f.schemaVersion(), f.mediaType(), f.artifactType());
        o.set("manifests", descriptors(f.manifests()));
        return tail(o, f.subject(), f.annotations());
    }

    private static ObjectNode head(Integer schemaVersion, String mediaType, String artifactType) {
        ObjectNode o = JsonWrite.object();
        JsonWrite.nonNull(o, "schemaVersion", schemaVersion);
        JsonWrite.nonNull(o, "mediaType", mediaType);
        JsonWrite.nonNull(o, "artifactType", artifactType);
        return o;
    }

    private static ObjectNode tail(ObjectNode o, Descriptor subject, Map<String, String> annotations) {
        if (subject != null) {
            o.set("subject", DescriptorJson.write(subject));
        }
        JsonWrite.nonEmpty(o, "annotations", annotations);
        return o;
    }

    private static ArrayNode descriptors(List<Descriptor> list) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode(list.size());
        for (Descriptor d : list) {
            a.add(DescriptorJson.write(d));
        }
        return a;
    }
}
