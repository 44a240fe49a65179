package dev.hoist.dockerfile.syntax;

import java.util.List;
import java.util.Locale;

/**
 * One instruction as BuildKit's line parser sees it: the keyword as written, its {@code --flags}, its arguments
 * (split the way that instruction is split: exec-form elements, the rest of the line, words, or ENV/LABEL
 * triples), the nested instruction of an ONBUILD, here-documents, the joined line, and where it is (1-based
 * lines, the column of the keyword). Immutable.
 */
public record Node(
        String keyword,
        List<String> flags,
        List<String> args,
        Node child,
        boolean json,
        List<Heredoc> heredocs,
        String original,
        int startLine,
        int endLine,
        int column,
        int endColumn,
        List<String> comments) {

    public Node {
        flags = List.copyOf(flags);
        args = List.copyOf(args);
        heredocs = List.copyOf(heredocs);
        comments = List.copyOf(comments);
    }

    /** The instruction name in lower case, e.g. {@code run}. */
    public String name() {
        return keyword.toLowerCase(Locale.ROOT);
    }

    /**
     * All arguments in order with a nested instruction flattened in as its keyword and arguments, as BuildKit
     * hands them to the instruction parser.
     */
    public List<String> flatArgs() {
        if (child == null) {
            return args;
        }
        java.util.ArrayList<String> all = new java.util.ArrayList<>(args);
        all.add(child.keyword());
        all.addAll(child.flatArgs());
        return all;
    }

    /** The s-expression of BuildKit's dumper, e.g. {@code (copy ["--from=a"] "x" "/y")}. */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        dumpTo(sb);
        return sb.toString();
    }

    void dumpTo(StringBuilder sb) {
        // BuildKit builds "name [flags] args..." and trims it; only an empty name makes the trim visible.
        StringBuilder inner = new StringBuilder(name());
        if (!flags.isEmpty()) {
            inner.append(" [");
            for (int i = 0; i < flags.size(); i++) {
                if (i > 0) {
                    inner.append(' ');
                }
                GoStrings.quoteTo(inner, flags.get(i));
            }
            inner.append(']');
        }
        for (String arg : args) {
            inner.append(' ');
            GoStrings.quoteTo(inner, arg);
        }
        if (child != null) {
            inner.append(' ');
            child.dumpTo(inner);
        }
        sb.append('(').append(GoStrings.trimSpace(inner.toString())).append(')');
    }

    Node withHeredocs(List<Heredoc> docs, int newEndLine, int newEndColumn) {
        return new Node(keyword, flags, args, child, json, docs, original, startLine, newEndLine, column,
                newEndColumn, comments);
    }

    Node at(int start, int end, int col, int endCol, List<String> prevComments) {
        return new Node(keyword, flags, args, child, json, heredocs, original, start, end, col, endCol,
                prevComments);
    }
}
