package dev.hoist.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A command line parsed against a command's options, the way Docker's CLI parses: {@code --name=value},
 * {@code --name value}, {@code -n value}, {@code -nvalue}, grouped short flags ({@code -it}), {@code --}
 * ending the options, and optionally options ending at the first positional argument (for {@code run}).
 * Not thread-safe.
 */
final class Args {
    private final Map<String, List<String>> values = new HashMap<>();
    private final List<String> positionals = new ArrayList<>();

    static Args parse(List<OptionSpec> specs, List<String> tokens, boolean stopAtFirstPositional) throws UsageException {
        Map<String, OptionSpec> byName = new HashMap<>();
        for (OptionSpec s : specs) {
            for (String n : s.names()) {
                byName.put(n, s);
            }
        }
        Args args = new Args();
        boolean optionsEnded = false;
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (optionsEnded || t.equals("-") || !t.startsWith("-")) {
                args.positionals.add(t);
                if (stopAtFirstPositional) {
                    optionsEnded = true;
                }
                continue;
            }
            if (t.equals("--")) {
                optionsEnded = true;
                continue;
            }
            if (t.startsWith("--")) {
                int eq = t.indexOf('=');
                String name = eq < 0 ? t : t.substring(0, eq);
                OptionSpec spec = byName.get(name);
                if (spec == null) {
                    throw new UsageException("unknown flag: " + name);
                }
                if (spec.takesValue()) {
                    String v;
                    if (eq >= 0) {
                        v = t.substring(eq + 1);
                    } else if (i + 1 < tokens.size()) {
                        v = tokens.get(++i);
                    } else {
                        throw new UsageException("flag needs an argument: " + name);
                    }
                    args.put(spec, v);
                } else if (eq >= 0) {
                    String v = t.substring(eq + 1);
                    if (!v.equals("true") && !v.equals("false")) {
                        throw new UsageException("invalid argument \"" + v + "\" for \"" + name + "\" flag: expected true or false");
                    }
                    args.put(spec, v);
                } else {
                    args.put(spec, "true");
                }
                continue;
            }
            // Short options, possibly grouped: -it, -tname, -t name.
            for (int j = 1; j < t.length(); j++) {
                String name = "-" + t.charAt(j);
                OptionSpec spec = byName.get(name);
                if (spec == null) {
                    throw new UsageException("unknown shorthand flag: '" + t.charAt(j) + "' in " + t);
                }
                if (spec.takesValue()) {
                    String rest = t.substring(j + 1);
                    if (rest.startsWith("=")) {
                        rest = rest.substring(1);
                    }
                    if (!rest.isEmpty()) {
                        args.put(spec, rest);
                    } else if (i + 1 < tokens.size()) {
                        args.put(spec, tokens.get(++i));
                    } else {
                        throw new UsageException("flag needs an argument: '" + t.charAt(j) + "' in " + t);
                    }
                    break;
                }
                args.put(spec, "true");
            }
        }
        return args;
    }

    private void put(OptionSpec spec, String value) {
        // No lambda (computeIfAbsent): on most commands this is the process's first invokedynamic, whose linking
        // sets up java.lang.invoke for ~5 ms.
        List<String> list = values.get(spec.key());
        if (list == null) {
            list = new ArrayList<>();
            values.put(spec.key(), list);
        }
        if (!spec.repeatable()) {
            list.clear();
        }
        list.add(value);
    }

    /** Whether a flag was given (and not given as {@code =false}). */
    boolean flag(String key) {
        String v = value(key);
        return v != null && !v.equals("false");
    }

    /** The option's value, or null when absent. */
    String value(String key) {
        List<String> l = values.get(key);
        return l == null || l.isEmpty() ? null : l.get(l.size() - 1);
    }

    String value(String key, String fallback) {
        String v = value(key);
        return v == null ? fallback : v;
    }

    /** Every value of a repeatable option, in order. */
    List<String> values(String key) {
        return values.getOrDefault(key, List.of());
    }

    List<String> positionals() {
        return positionals;
    }
}
