package dev.hoist.cli;

import java.util.List;

/** Formats help text in the shape of Docker's CLI help. */
final class Help {
    private Help() {
    }

    static String forCommand(String path, Command c) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage:  hoist ").append(path);
        if (!c.options().isEmpty()) {
            sb.append(" [OPTIONS]");
        }
        if (!c.usage().isEmpty()) {
            sb.append(' ').append(c.usage());
        }
        sb.append("\n\n").append(c.summary()).append('\n');
        if (!c.aliases().isEmpty()) {
            sb.append("\nAliases:\n  ").append(String.join(", ", c.aliases())).append('\n');
        }
        appendOptions(sb, c.options());
        return sb.toString();
    }

    static void appendOptions(StringBuilder sb, List<OptionSpec> options) {
        sb.append("\nOptions:\n");
        int width = 0;
        for (OptionSpec o : options) {
            width = Math.max(width, flagColumn(o).length());
        }
        width = Math.max(width, flagColumn(HELP).length());
        for (OptionSpec o : options) {
            appendOption(sb, o, width);
        }
        appendOption(sb, HELP, width);
    }

    private static final OptionSpec HELP = OptionSpec.flag("-h, --help", "Print usage");

    private static void appendOption(StringBuilder sb, OptionSpec o, int width) {
        String col = flagColumn(o);
        sb.append("  ").append(col).append(" ".repeat(width - col.length() + 3)).append(o.description()).append('\n');
    }

    private static String flagColumn(OptionSpec o) {
        String shortName = null;
        String longName = null;
        for (String n : o.names()) {
            if (n.startsWith("--")) {
                longName = n;
            } else {
                shortName = n;
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(shortName == null ? "    " : shortName + ", ");
        sb.append(longName == null ? "" : longName);
        if (o.takesValue()) {
            sb.append(' ').append(o.valueLabel());
        }
        return sb.toString();
    }
}
