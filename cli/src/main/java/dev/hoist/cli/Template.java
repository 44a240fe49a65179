package dev.hoist.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The part of Go's text/template that {@code --format} is used with in practice: {@code {{.Field.Sub}}},
 * {@code {{json .Field}}}, {@code {{json .}}} and literal text, evaluated against a JSON object.
 */
final class Template {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Template() {
    }

    static String render(String template, JsonNode data) throws UsageException {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf("{{", i);
            if (open < 0) {
                out.append(unescape(template.substring(i)));
                break;
            }
            out.append(unescape(template.substring(i, open)));
            int close = template.indexOf("}}", open);
            if (close < 0) {
                throw new UsageException("template: unclosed action in \"" + template + "\"");
            }
            String action = template.substring(open + 2, close).trim();
            out.append(evaluate(action, data, template));
            i = close + 2;
        }
        return out.toString();
    }

    private static String evaluate(String action, JsonNode data, String template) throws UsageException {
        boolean json = false;
        if (action.startsWith("json ")) {
            json = true;
            action = action.substring(5).trim();
        }
        if (!action.startsWith(".")) {
            throw new UsageException("template: unsupported action {{" + action + "}} in \"" + template
                    + "\" (supported: {{.Field}}, {{.Field.Sub}}, {{json .Field}})");
        }
        JsonNode node = data;
        if (!action.equals(".")) {
            for (String part : action.substring(1).split("\\.")) {
                node = node == null ? null : node.get(part);
            }
        }
        if (node == null) {
            if (json) {
                return "null";
            }
            throw new UsageException("template: can't evaluate field " + action + " in \"" + template + "\"");
        }
        if (json) {
            try {
                return JSON.writeValueAsString(node);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        if (node.isNull()) {
            return "<nil>";
        }
        if (node.isValueNode()) {
            return node.asText();
        }
        if (node.isArray()) {
            StringBuilder sb = new StringBuilder("[");
            for (int k = 0; k < node.size(); k++) {
                sb.append(k == 0 ? "" : " ").append(node.get(k).isValueNode() ? node.get(k).asText() : node.get(k).toString());
            }
            return sb.append(']').toString();
        }
        return node.toString();
    }

    private static String unescape(String s) {
        return s.replace("\\n", "\n").replace("\\t", "\t");
    }
}
