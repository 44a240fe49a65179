package dev.hoist.dockerfile.syntax;

/**
 * A here-document attached to a RUN, COPY or ADD line: its delimiter {@code name}, the file descriptor written
 * before {@code <<} (0 when none), whether variables in it are expanded (the delimiter was not quoted), whether
 * leading tabs are stripped ({@code <<-}), and its content as written, line endings included. Immutable.
 */
public record Heredoc(String name, int fileDescriptor, boolean expand, boolean chomp, String content) {

    /** The content with leading tabs removed from every line when {@link #chomp} is set, as BuildKit uses it. */
    public String effectiveContent() {
        return chomp ? stripLeadingTabs(content) : content;
    }

    /**
     * {@code s} without the tabs that start its lines, as {@code s.replaceAll("(?m)^\t+", "")} has it: a line
     * starts at the beginning and after any of Java's line terminators ({@code \n}, {@code \r}, U+0085, U+2028,
     * U+2029). By hand, not by regex: compiling one costs a fresh JVM milliseconds.
     */
    static String stripLeadingTabs(String s) {
        int n = s.length();
        StringBuilder out = new StringBuilder(n);
        boolean lineStart = true;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (lineStart && c == '\t') {
                continue;
            }
            out.append(c);
            lineStart = c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
        }
        return out.toString();
    }

    Heredoc withContent(String newContent) {
        return new Heredoc(name, fileDescriptor, expand, chomp, newContent);
    }
}
