package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The JSON codec of {@link ImageConfigFields}: the OCI fields in the Go type's order, then Docker's. Stateless. */
final class ImageConfigJson {
    private ImageConfigJson() {
    }

    static ImageConfigFields read(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = JsonRead.members(n, at);
        if (it == null) {
            throw at.error("expected an object, got null");
        }
        String created = null;
        String author = null;
        String architecture = null;
        String os = null;
        String osVersion = null;
        List<String> osFeatures = null;
        String variant = null;
        ContainerConfig config = null;
        RootFs rootfs = null;
        List<History> history = null;
        String comment = null;
        String container = null;
        ContainerConfig containerConfig = null;
        String dockerVersion = null;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonPath p = at.field(e.getKey());
            switch (e.getKey()) {
                case "created" -> created = JsonRead.string(v, p);
                case "author" -> author = JsonRead.string(v, p);
                case "architecture" -> architecture = JsonRead.string(v, p);
                case "os" -> os = JsonRead.string(v, p);
                case "os.version" -> osVersion = JsonRead.string(v, p);
                case "os.features" -> osFeatures = JsonRead.strings(v, p);
                case "variant" -> variant = JsonRead.string(v, p);
                case "config" -> config = ContainerConfigJson.read(v, p);
                case "rootfs" -> rootfs = RootFsJson.read(v, p);
                case "history" -> history = JsonRead.list(v, p, HistoryJson.READER);
                case "comment" -> comment = JsonRead.string(v, p);
                case "container" -> container = JsonRead.string(v, p);
                case "container_config" -> containerConfig = ContainerConfigJson.read(v, p);
                case "docker_version" -> dockerVersion = JsonRead.string(v, p);
                default -> {
                }
            }
        }
        try {
            return new ImageConfigFields(created, author, architecture, os, osVersion, osFeatures, variant, config,
                    rootfs, history, comment, container, containerConfig, dockerVersion);
        } catch (NullPointerException | IllegalArgumentException e) {
            throw JsonRead.refused(at, e);
        }
    }

    static ObjectNode write(ImageConfigFields f) {
        ObjectNode o = JsonWrite.object();
        JsonWrite.nonEmpty(o, "created", f.created());
        JsonWrite.nonEmpty(o, "author", f.author());
        JsonWrite.nonEmpty(o, "architecture", f.architecture());
        JsonWrite.nonEmpty(o, "os", f.os());
        JsonWrite.nonEmpty(o, "os.version", f.osVersion());
        JsonWrite.nonEmpty(o, "os.features", f.osFeatures());
        JsonWrite.nonEmpty(o, "variant", f.variant());
        if (f.config() != null) {
            o.set("config", ContainerConfigJson.write(f.config()));
        }
        if (f.rootfs() != null) {
            o.set("rootfs", RootFsJson.write(f.rootfs()));
        }
        if (!f.history().isEmpty()) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode(f.history().size());
            for (History h : f.history()) {
                a.add(HistoryJson.write(h));
            }
            o.set("history", a);
        }
        JsonWrite.nonEmpty(o, "comment", f.comment());
        JsonWrite.nonEmpty(o, "container", f.container());
        if (f.containerConfig() != null) {
            o.set("container_config", ContainerConfigJson.write(f.containerConfig()));
        }
        JsonWrite.nonEmpty(o, "docker_version", f.dockerVersion());
        return o;
    }
}
