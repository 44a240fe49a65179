package dev.hoist.dockerfile.syntax;

/**
 * A here-document attached to a RUN, COPY or ADD line: its delimiter {@code name}, the file descriptor written
 * before {@code <<} (0 when none), whether variables in it are expanded (the delimiter was not quoted), whether
 * leading tabs are stripped ({@code <<-}), and its content as written, line endings included. Immutable.
 */
public record Heredoc(String name, int fileDescriptor, boolean expand, boolean chomp, String content) {

    /** The content with leading tabs removed from every line when {@link #chomp} is set, as BuildKit uses it. */
    public String effectiveContent() {
        return chomp ? content.replaceAll("(?m)^\t+", "") : content;
    }

    Heredoc withContent(String newContent) {
        return new Heredoc(name, fileDescriptor, expand, chomp, newContent);
    }
}
