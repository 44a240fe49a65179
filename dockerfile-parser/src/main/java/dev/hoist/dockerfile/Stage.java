package dev.hoist.dockerfile;

import java.util.List;
import java.util.Objects;

/**
 * One build stage: its 0-based index, its name ({@code ""} when unnamed, else lower case), the FROM that starts
 * it and the instructions after it. Immutable.
 */
public record Stage(int index, String name, Instruction.From from, List<Instruction> instructions) {

    public Stage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(from, "from");
        instructions = List.copyOf(instructions);
    }

    /** The image or earlier stage this stage starts from, as written (variables not yet expanded). */
    public String baseName() {
        return from.baseName();
    }

    /** The {@code --platform} of the FROM, or {@code ""}. */
    public String platform() {
        return from.platform();
    }

    /** Where the FROM line is. */
    public SourceRange range() {
        return from.range();
    }
}
