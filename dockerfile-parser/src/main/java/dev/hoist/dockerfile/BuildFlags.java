package dev.hoist.dockerfile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code --flags} one instruction accepts, and their values once parsed, as BuildKit's {@code BFlags}.
 * One instance per instruction; not thread-safe.
 */
final class BuildFlags {

    enum Type { BOOL, STRING, STRINGS }

    static final class Flag {
        final String name;
        final Type type;
        String value;
        final List<String> values = new ArrayList<>();
        boolean used;

        Flag(String name, Type type, String value) {
            this.name = name;
            this.type = type;
            this.value = value;
        }

        boolean isTrue() {
            return "true".equals(value);
        }
    }

    private final String instruction;
    private final List<String> args;
    private final Map<String, Flag> flags = new LinkedHashMap<>();

    BuildFlags(String instruction, List<String> args) {
        this.instruction = instruction.toUpperCase(Locale.ROOT);
        this.args = args;
    }

    Flag addBool(String name, boolean def) {
        return add(new Flag(name, Type.BOOL, def ? "true" : "false"));
    }

    Flag addString(String name, String def) {
        return add(new Flag(name, Type.STRING, def));
    }

    Flag addStrings(String name) {
        return add(new Flag(name, Type.STRINGS, ""));
    }

    private Flag add(Flag f) {
        if (flags.putIfAbsent(f.name, f) != null) {
            throw new IllegalStateException("duplicate flag defined: " + f.name);
        }
        return f;
    }

    /** The names of the flags used, in the order they were defined. */
    List<String> used() {
        // loops, not streams: see SyntaxParser on what lambdas and streams cost a fresh JVM
        List<String> out = new ArrayList<>();
        for (Flag f : flags.values()) {
            if (f.used) {
                out.add(f.name);
            }
        }
        return out;
    }

    void parse() throws DockerfileException {
        for (String a : args) {
            if (a.equals("--")) {
                return; // the end of the flags
            }
            if (!a.startsWith("--")) {
                throw new DockerfileException("arg should start with -- : " + a);
            }
            int eq = a.indexOf('=');
            boolean hasValue = eq >= 0;
            String flagName = hasValue ? a.substring(0, eq) : a;
            String value = hasValue ? a.substring(eq + 1) : "";
            String name = flagName.substring(2);
            Flag flag = flags.get(name);
            if (flag == null) {
                String msg = Suggest.wrap("unknown flag: " + flagName, name, new ArrayList<>(flags.keySet()), true);
                throw new DockerfileException(msg + "; " + allowed());
            }
            if (flag.used && flag.type != Type.STRINGS) {
                throw new DockerfileException("duplicate flag specified: " + flagName);
            }
            flag.used = true;
            switch (flag.type) {
                case BOOL -> {
                    if (hasValue && value.isEmpty()) {
                        throw new DockerfileException("missing a value on flag: " + flagName);
                    }
                    switch (value.toLowerCase(Locale.ROOT)) {
                        case "true", "" -> flag.value = "true";
                        case "false" -> flag.value = "false";
                        default -> throw new DockerfileException(
                                "expecting boolean value for flag " + flagName + ", not: " + value);
                    }
                }
                case STRING -> {
                    if (!hasValue) {
                        throw new DockerfileException("missing a value on flag: " + flagName);
                    }
                    flag.value = value;
                }
                case STRINGS -> {
                    if (!hasValue) {
                        throw new DockerfileException("missing a value on flag: " + flagName);
                    }
                    flag.values.add(value);
                }
            }
        }
    }

    private String allowed() {
        if (flags.isEmpty()) {
            return instruction + " accepts no flags";
        }
        List<String> names = new ArrayList<>(flags.keySet());
        Collections.sort(names);
        StringBuilder sb = new StringBuilder(instruction).append(" accepts ");
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "--" : ", --").append(names.get(i));
        }
        return sb.toString();
    }
}
