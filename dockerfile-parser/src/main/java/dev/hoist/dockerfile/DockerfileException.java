package dev.hoist.dockerfile;

/**
 * The one checked exception of the Dockerfile parser: what is wrong, and where ({@code file:line:column}) when
 * that is known. Line and column are 1-based; 0 means unknown. Immutable.
 */
public class DockerfileException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final int column;
    private final String reason;

    /** An error whose location is not known (yet); {@link #at} adds it. */
    public DockerfileException(String reason) {
        this(null, 0, 0, reason, null);
    }

    public DockerfileException(String file, int line, int column, String reason) {
        this(file, line, column, reason, null);
    }

    public DockerfileException(String file, int line, int column, String reason, Throwable cause) {
        super(format(file, line, column, reason), cause);
        this.file = file;
        this.line = Math.max(0, line);
        this.column = Math.max(0, column);
        this.reason = reason;
    }

    private static String format(String file, int line, int column, String reason) {
        StringBuilder sb = new StringBuilder();
        if (file != null && !file.isEmpty()) {
            sb.append(file);
        }
        if (line > 0) {
            sb.append(sb.length() > 0 ? ":" : "line ").append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        if (sb.length() > 0) {
            sb.append(": ");
        }
        return sb.append(reason).toString();
    }

    /** The file the error is in, or {@code null} when not known. */
    public String file() {
        return file;
    }

    /** 1-based line, or 0 when not known. */
    public int line() {
        return line;
    }

    /** 1-based column, or 0 when not known. */
    public int column() {
        return column;
    }

    /** What is wrong, without the location. */
    public String reason() {
        return reason;
    }

    /** This error at the given place, keeping a line it already has (and adding the file when missing). */
    public DockerfileException at(String file, int line, int column) {
        DockerfileException moved;
        if (this.line > 0) {
            if (this.file != null || file == null) {
                return this;
            }
            moved = new DockerfileException(file, this.line, this.column, reason, getCause());
        } else {
            moved = new DockerfileException(file, line, column, reason, getCause());
        }
        moved.setStackTrace(getStackTrace());
        return moved;
    }

    /** This error at the start of the given range, keeping a location it already has. */
    public DockerfileException at(SourceRange range) {
        return at(range.file(), range.startLine(), range.startColumn());
    }
}
