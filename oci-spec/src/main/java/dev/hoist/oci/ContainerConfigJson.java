package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/**
 * The JSON codec of {@link ContainerConfig}, in the field order of Docker's Go type; {@code ExposedPorts}
 * and {@code Volumes} are Go sets ({@code {"80/tcp":{}}}), empty values are left out. Stateless.
 */
final class ContainerConfigJson {
    private ContainerConfigJson() {
    }

    static ContainerConfig read(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = JsonRead.members(n, at);
        if (it == null) {
            return null;
        }
        ContainerConfig.Builder b = ContainerConfig.builder();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonPath p = at.field(e.getKey());
            switch (e.getKey()) {
                case "User" -> b.user(JsonRead.string(v, p));
                case "ExposedPorts" -> b.exposedPorts(JsonRead.keySet(v, p));
                case "Env" -> b.env(JsonRead.strings(v, p));
                case "Entrypoint" -> b.entrypoint(JsonRead.strings(v, p));
                case "Cmd" -> b.cmd(JsonRead.strings(v, p));
                case "Volumes" -> b.volumes(JsonRead.keySet(v, p));
                case "WorkingDir" -> b.workingDir(JsonRead.string(v, p));
                case "Labels" -> b.labels(JsonRead.stringMap(v, p));
                case "StopSignal" -> b.stopSignal(JsonRead.string(v, p));
                case "ArgsEscaped" -> b.argsEscaped(JsonRead.bool(v, p));
                case "Healthcheck" -> b.healthcheck(HealthcheckJson.read(v, p));
                case "OnBuild" -> b.onBuild(JsonRead.strings(v, p));
                case "Shell" -> b.shell(JsonRead.strings(v, p));
                case "Hostname" -> b.hostname(JsonRead.string(v, p));
                case "Domainname" -> b.domainname(JsonRead.string(v, p));
                case "AttachStdin" -> b.attachStdin(JsonRead.bool(v, p));
                case "AttachStdout" -> b.attachStdout(JsonRead.bool(v, p));
                case "AttachStderr" -> b.attachStderr(JsonRead.bool(v, p));
                case "Tty" -> b.tty(JsonRead.bool(v, p));
                case "OpenStdin" -> b.openStdin(JsonRead.bool(v, p));
                case "StdinOnce" -> b.stdinOnce(JsonRead.bool(v, p));
                case "Image" -> b.image(JsonRead.string(v, p));
                case "NetworkDisabled" -> b.networkDisabled(JsonRead.bool(v, p));
                case "MacAddress" -> b.macAddress(JsonRead.string(v, p));
                case "StopTimeout" -> b.stopTimeout(JsonRead.integer(v, p));
                default -> {
                }
            }
        }
        try {
            return b.build();
        } catch (NullPointerException | IllegalArgumentException e) {
            throw JsonRead.refused(at, e);
        }
    }

    static ObjectNode write(ContainerConfig c) {
        ObjectNode o = JsonWrite.object();
        JsonWrite.nonEmpty(o, "User", c.user());
        if (!c.exposedPorts().isEmpty()) {
            o.set("ExposedPorts", JsonWrite.keySet(c.exposedPorts()));
        }
        JsonWrite.nonEmpty(o, "Env", c.env());
        JsonWrite.nonEmpty(o, "Entrypoint", c.entrypoint());
        JsonWrite.nonEmpty(o, "Cmd", c.cmd());
        if (!c.volumes().isEmpty()) {
            o.set("Volumes", JsonWrite.keySet(c.volumes()));
        }
        JsonWrite.nonEmpty(o, "WorkingDir", c.workingDir());
        JsonWrite.nonEmpty(o, "Labels", c.labels());
        JsonWrite.nonEmpty(o, "StopSignal", c.stopSignal());
        JsonWrite.nonNull(o, "ArgsEscaped", c.argsEscaped());
        if (c.healthcheck() != null) {
            o.set("Healthcheck", HealthcheckJson.write(c.healthcheck()));
        }
        JsonWrite.nonEmpty(o, "OnBuild", c.onBuild());
        JsonWrite.nonEmpty(o, "Shell", c.shell());
        JsonWrite.nonEmpty(o, "Hostname", c.hostname());
        JsonWrite.nonEmpty(o, "Domainname", c.domainname());
        JsonWrite.nonNull(o, "AttachStdin", c.attachStdin());
        JsonWrite.nonNull(o, "AttachStdout", c.attachStdout());
        JsonWrite.nonNull(o, "AttachStderr", c.attachStderr());
        JsonWrite.nonNull(o, "Tty", c.tty());
        JsonWrite.nonNull(o, "OpenStdin", c.openStdin());
        JsonWrite.nonNull(o, "StdinOnce", c.stdinOnce());
        JsonWrite.nonEmpty(o, "Image", c.image());
        JsonWrite.nonNull(o, "NetworkDisabled", c.networkDisabled());
        JsonWrite.nonEmpty(o, "MacAddress", c.macAddress());
        JsonWrite.nonNull(o, "StopTimeout", c.stopTimeout());
        return o;
    }
}
