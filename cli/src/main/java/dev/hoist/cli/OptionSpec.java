package dev.hoist.cli;

import java.util.List;

/**
 * One option of a command: its names ({@code -t}, {@code --tag}), the label of its value (null for a flag),
 * whether it may be repeated, and its help text. Immutable.
 */
record OptionSpec(List<String> names, String valueLabel, boolean repeatable, String description) {

    OptionSpec {
        names = List.copyOf(names);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("an option needs a name");
        }
    }

    /** A boolean flag. */
    static OptionSpec flag(String names, String description) {
        return new OptionSpec(List.of(names.split(",\\s*")), null, false, description);
    }

    /** An option that takes a value; the last one given wins. */
    static OptionSpec value(String names, String label, String description) {
        return new OptionSpec(List.of(names.split(",\\s*")), label, false, description);
    }

    /** An option that takes a value and may be given several times. */
    static OptionSpec list(String names, String label, String description) {
        return new OptionSpec(List.of(names.split(",\\s*")), label, true, description);
    }

    boolean takesValue() {
        return valueLabel != null;
    }

    /** The long name without dashes, used as the key of parsed values. */
    String key() {
        for (String n : names) {
            if (n.startsWith("--")) {
                return n.substring(2);
            }
        }
        return names.get(0).substring(1);
    }
}
