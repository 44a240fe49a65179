package dev.hoist.cli;

import java.util.List;

/**
 * One {@code hoist} subcommand: its name, help, options, and what it does. Implementations are stateless;
 * everything a run needs comes in the {@link Context} and the parsed {@link Args}.
 */
interface Command {
    /** The name as typed, e.g. {@code images}. */
    String name();

    /** Other names, e.g. {@code ls} for {@code images}. */
    default List<String> aliases() {
        return List.of();
    }

    /** The arguments after {@code [OPTIONS]} in the usage line, e.g. {@code IMAGE [IMAGE...]}. */
    String usage();

    /** One line saying what the command does. */
    String summary();

    default List<OptionSpec> options() {
        return List.of();
    }

    /** Whether option parsing stops at the first positional argument (as for {@code run IMAGE CMD...}). */
    default boolean stopAtFirstPositional() {
        return false;
    }

    /** The number of positional arguments allowed, as {@code [min, max]}; max -1 for no limit. */
    default int[] arity() {
        return new int[] {0, -1};
    }

    /** Runs the command; returns the exit status. */
    int run(Context ctx, Args args) throws Exception;
}
