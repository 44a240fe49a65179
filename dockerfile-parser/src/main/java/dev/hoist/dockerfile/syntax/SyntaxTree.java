package dev.hoist.dockerfile.syntax;

import java.util.List;

/**
 * A Dockerfile as a list of instruction nodes, with its parser directives, escape character and warnings.
 * {@link #dump()} prints it as BuildKit's parser dumper does, one instruction per line. Immutable.
 */
public record SyntaxTree(String name, List<Node> nodes, List<Directive> directives, char escapeToken,
                         List<Warning> warnings) {

    public SyntaxTree {
        nodes = List.copyOf(nodes);
        directives = List.copyOf(directives);
        warnings = List.copyOf(warnings);
    }

    /** The value of a directive ({@code syntax}, {@code escape}, {@code check}), or {@code null}. */
    public String directive(String directiveName) {
        for (Directive d : directives) {
            if (d.name().equals(directiveName)) {
                return d.value();
            }
        }
        return null;
    }

    /** One s-expression per instruction, each line ending in a newline. */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        for (Node n : nodes) {
            n.dumpTo(sb);
            sb.append('\n');
        }
        return sb.toString();
    }
}
