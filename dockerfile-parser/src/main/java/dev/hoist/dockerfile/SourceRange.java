package dev.hoist.dockerfile;

/**
 * Where an instruction is in its Dockerfile: 1-based lines and columns, end inclusive (the end column is the
 * last character of the last line). Columns count Unicode code points. Immutable.
 */
public record SourceRange(String file, int startLine, int startColumn, int endLine, int endColumn) {

    public SourceRange {
        if (startLine < 1 || endLine < startLine) {
            throw new IllegalArgumentException("bad line range " + startLine + "-" + endLine);
        }
        startColumn = Math.max(1, startColumn);
        endColumn = Math.max(1, endColumn);
    }

    @Override
    public String toString() {
        return (file == null ? "" : file + ":") + startLine + ":" + startColumn + "-" + endLine + ":" + endColumn;
    }
}
