package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.SyntaxTree;
import dev.hoist.dockerfile.syntax.Warning;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed Dockerfile: the syntax tree, the global ARGs declared before the first FROM, and the stages.
 * {@link #dump()} prints the tree as BuildKit's dumper does; {@link #toJson()} prints the typed instructions
 * with their source ranges. Immutable.
 */
public record Dockerfile(String name, SyntaxTree syntax, List<Instruction.Arg> globalArgs, List<Stage> stages,
                         List<Warning> warnings) {

    public Dockerfile {
        Objects.requireNonNull(syntax, "syntax");
        globalArgs = List.copyOf(globalArgs);
        stages = List.copyOf(stages);
        warnings = List.copyOf(warnings);
    }

    /** The escape character ({@code \} unless an {@code # escape=} directive says otherwise). */
    public char escapeToken() {
        return syntax.escapeToken();
    }

    /** A lexer with this file's escape character. */
    public ShellLexer lexer() {
        return new ShellLexer(escapeToken());
    }

    /** The value of a parser directive ({@code syntax}, {@code escape}, {@code check}), if present. */
    public Optional<String> directive(String directiveName) {
        return Optional.ofNullable(syntax.directive(directiveName));
    }

    /** The stage with this name (stage names are case-insensitive), or the one at this index when numeric. */
    public Optional<Stage> stage(String nameOrIndex) {
        return stage(nameOrIndex, stages.size());
    }

    /**
     * As {@link #stage(String)}, among the stages before index {@code before} only: those the stage at that index
     * can use ({@code FROM}, {@code COPY --from}, {@code RUN --mount=from=}).
     */
    public Optional<Stage> stage(String nameOrIndex, int before) {
        String lower = nameOrIndex.toLowerCase(Locale.ROOT);
        for (Stage s : stages) {
            if (s.index() >= before) {
                break;
            }
            if (!s.name().isEmpty() && s.name().equals(lower)) {
                return Optional.of(s);
            }
        }
        if (isDigits(nameOrIndex)) {
            int i;
            try {
                i = Integer.parseInt(nameOrIndex);
            } catch (NumberFormatException tooBig) {
                return Optional.empty();   // past every stage, as BuildKit's Atoi would have it
            }
            if (i < before && i < stages.size()) {
                return Optional.of(stages.get(i));
            }
        }
        return Optional.empty();
    }

    /** Whether {@code s} is {@code [0-9]+}; by hand, as a regex costs a fresh JVM milliseconds. */
    static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** The syntax tree in BuildKit's s-expression notation, one instruction per line. */
    public String dump() {
        return syntax.dump();
    }

    /** The typed instructions with their source ranges, as JSON, for tools. */
    public String toJson() {
        return JsonOutput.dockerfile(this);
    }
}
