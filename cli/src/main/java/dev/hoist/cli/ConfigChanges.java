package dev.hoist.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.ContainerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Dockerfile instructions that {@code import --change} applies to an image config, as {@code docker
 * import -c} does: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
 */
final class ConfigChanges {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigChanges() {
    }

    static ContainerConfig apply(ContainerConfig base, List<String> changes) throws UsageException {
        ContainerConfig.Builder b = base.toBuilder();
        List<String> env = new ArrayList<>(base.env());
        Set<String> ports = new LinkedHashSet<>(base.exposedPorts());
        Set<String> volumes = new LinkedHashSet<>(base.volumes());
        Map<String, String> labels = new LinkedHashMap<>(base.labels());
        List<String> onBuild = new ArrayList<>(base.onBuild());
        for (String change : changes) {
            String line = change.strip();
            int space = indexOfSpace(line);
            String instruction = (space < 0 ? line : line.substring(0, space)).toUpperCase(java.util.Locale.ROOT);
            String rest = space < 0 ? "" : line.substring(space + 1).strip();
            switch (instruction) {
                case "CMD" -> b.cmd(commandForm(rest));
                case "ENTRYPOINT" -> b.entrypoint(commandForm(rest));
                case "ENV" -> {
                    for (Map.Entry<String, String> kv : pairs(instruction, rest).entrySet()) {
                        env.removeIf(e -> e.startsWith(kv.getKey() + "="));
                        env.add(kv.getKey() + "=" + kv.getValue());
                    }
                }
                case "LABEL" -> labels.putAll(pairs(instruction, rest));
                case "EXPOSE" -> {
                    for (String p : words(rest)) {
                        ports.add(p.contains("/") ? p : p + "/tcp");
                    }
                }
                case "VOLUME" -> volumes.addAll(rest.startsWith("[") ? json(rest) : words(rest));
                case "USER" -> b.user(rest);
                case "WORKDIR" -> b.workingDir(rest);
                case "STOPSIGNAL" -> b.stopSignal(rest);
                case "ONBUILD" -> onBuild.add(rest);
                default -> throw new UsageException("dockerfile parse error: " + instruction
                        + " is not a valid change command (valid: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)");
            }
            if (rest.isEmpty()) {
                throw new UsageException(instruction + " requires at least one argument");
            }
        }
        return b.env(env).exposedPorts(ports).volumes(volumes).labels(labels).onBuild(onBuild).build();
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** The exec form when the argument is a JSON array of strings, else the shell form. */
    private static List<String> commandForm(String rest) {
        if (rest.startsWith("[")) {
            try {
                return json(rest);
            } catch (UsageException e) {
                // not valid JSON: Docker falls back to the shell form
            }
        }
        return List.of("/bin/sh", "-c", rest);
    }

    private static List<String> json(String rest) throws UsageException {
        try {
            JsonNode n = JSON.readTree(rest);
            List<String> out = new ArrayList<>();
            if (n == null || !n.isArray()) {
                throw new UsageException("not a JSON array: " + rest);
            }
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw new UsageException("not a JSON array of strings: " + rest);
                }
                out.add(e.asText());
            }
            return out;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UsageException("not a JSON array: " + rest);
        }
    }

    /** {@code K=V K2="v 2"} or the legacy {@code K V...}. */
    private static Map<String, String> pairs(String instruction, String rest) throws UsageException {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> words = words(rest);
        if (words.isEmpty()) {
            throw new UsageException(instruction + " requires at least one argument");
        }
        if (!words.get(0).contains("=")) {
            int sp = indexOfSpace(rest);
            if (sp < 0) {
                throw new UsageException(instruction + " names " + rest + " but gives it no value");
            }
            out.put(rest.substring(0, sp), unquote(rest.substring(sp + 1).strip()));
            return out;
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new UsageException(instruction + ": \"" + w + "\" is not of the form key=value");
            }
            out.put(w.substring(0, eq), w.substring(eq + 1));
        }
        return out;
    }

    /** Splits on unquoted whitespace, removing quotes and backslash escapes as the shell does. */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < s.length()) {
                    cur.append(s.charAt(++i));
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(cur.toString());
        }
        return out;
    }

    private static String unquote(String v) {
        List<String> w = words(v);
        return w.size() == 1 ? w.get(0) : v;
    }
}
