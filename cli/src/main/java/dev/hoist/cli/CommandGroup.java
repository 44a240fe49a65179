package dev.hoist.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A command whose first argument names a subcommand, such as {@code hoist registry serve}. */
final class CommandGroup {
    final String name;
    final String summary;
    final List<Command> commands;
    final List<CommandGroup> groups;

    CommandGroup(String name, String summary, List<Command> commands, List<CommandGroup> groups) {
        this.name = name;
        this.summary = summary;
        this.commands = List.copyOf(commands);
        this.groups = List.copyOf(groups);
    }

    /** The subcommand or group called {@code word} (by name or alias), or null. */
    Object find(String word) {
        for (Command c : commands) {
            if (c.name().equals(word) || c.aliases().contains(word)) {
                return c;
            }
        }
        for (CommandGroup g : groups) {
            if (g.name.equals(word)) {
                return g;
            }
        }
        return null;
    }

    String help(String path, boolean top) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage:  ").append(path).append(top ? " [OPTIONS] COMMAND" : " COMMAND").append("\n\n");
        sb.append(summary).append('\n');
        Map<String, String> rows = new LinkedHashMap<>();
        for (CommandGroup g : groups) {
            rows.put(g.name + "*", g.summary);
        }
        for (Command c : commands) {
            rows.put(c.name(), c.summary());
        }
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        sb.append("\nCommands:\n");
        rows.forEach((k, v) -> sb.append("  ").append(k).append(" ".repeat(width - k.length() + 3)).append(v).append('\n'));
        if (!groups.isEmpty()) {
            sb.append("\n* has subcommands of its own.\n");
        }
        return sb.toString();
    }
}
