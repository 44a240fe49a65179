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
        return new OptionSpec(names(names), null, false, description);
    }

    /** An option that takes a value; the last one given wins. */
    static OptionSpec value(String names, String label, String description) {
        return new OptionSpec(names(names), label, false, description);
    }

    /** An option that takes a value and may be given several times. */
    static OptionSpec list(String names, String label, String description) {
        return new OptionSpec(names(names), label, true, description);
    }

    /**
     * "-t, --tag" as its names. Split by hand: the regex that String.split would compile is the first use of
     * invokedynamic in every command (java.util.regex builds its character classes from lambdas).
     */
    private static List<String> names(String names) {
        List<String> out = new java.util.ArrayList<>(2);
        int start = 0;
        for (int comma = names.indexOf(','); ; comma = names.indexOf(',', start)) {
            out.add(names.substring(start, comma < 0 ? names.length() : comma));
            if (comma < 0) {
                return out;
            }
            start = comma + 1;
            while (start < names.length() && Character.isWhitespace(names.charAt(start))) {
                start++;
            }
        }
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
