package dev.hoist.runtime;

import dev.hoist.oci.ContainerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How {@code docker run} turns an image config and a command line into argv and env. Stateless, thread-safe. */
public final class ProcessSpecs {

    /** Docker's PATH when the image sets none. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ProcessSpecs() {
    }

    /**
     * The argv of {@code docker run [--entrypoint E] IMAGE [ARGS…]}: with {@code --entrypoint} (a non-null
     * {@code entrypointOverride}; empty means none) the image's ENTRYPOINT and CMD are both dropped; otherwise the
     * image's ENTRYPOINT followed by ARGS, or by the image's CMD when there are no ARGS.
     *
     * @throws IllegalArgumentException when the result is empty ("no command specified")
     */
    public static List<String> command(ContainerConfig config, List<String> entrypointOverride, List<String> args) {
        List<String> entrypoint;
        List<String> cmd;
        List<String> imageEntrypoint = config == null || config.entrypoint() == null ? List.of() : config.entrypoint();
        List<String> imageCmd = config == null || config.cmd() == null ? List.of() : config.cmd();
        if (entrypointOverride != null) {
            entrypoint = entrypointOverride.size() == 1 && entrypointOverride.get(0).isEmpty() ? List.of() : entrypointOverride;
            cmd = args == null ? List.of() : args;
        } else {
            entrypoint = imageEntrypoint;
            cmd = args == null || args.isEmpty() ? imageCmd : args;
        }
        List<String> argv = new ArrayList<>(entrypoint);
        argv.addAll(cmd);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("no command specified: the image has no ENTRYPOINT or CMD; give a command after the image name");
        }
        return List.copyOf(argv);
    }

    /**
     * The environment of a container as Docker makes it: {@code HOSTNAME}, then the image's Env, then
     * {@code overrides} ({@code -e NAME=value}), each later one replacing an earlier one of the same name; PATH
     * defaults to {@link #DEFAULT_PATH}. HOME, when still unset, is set at start from the user's /etc/passwd entry.
     */
    public static List<String> environment(ContainerConfig config, List<String> overrides, String hostname) {
        return environment(config, overrides, hostname, false);
    }

    /**
     * As {@link #environment(ContainerConfig, List, String)}; with {@code tty} ({@code docker run -t}) also
     * {@code TERM=xterm} unless the image or the overrides set TERM.
     */
    public static List<String> environment(ContainerConfig config, List<String> overrides, String hostname, boolean tty) {
        Map<String, String> env = new LinkedHashMap<>();
        if (hostname != null && !hostname.isEmpty()) {
            env.put("HOSTNAME", hostname);
        }
        if (tty) {
            env.put("TERM", "xterm");
        }
        if (config != null && config.env() != null) {
            for (String e : config.env()) {
                put(env, e);
            }
        }
        if (overrides != null) {
            for (String e : overrides) {
                put(env, e);
            }
        }
        env.putIfAbsent("PATH", DEFAULT_PATH);
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            out.add(e.getKey() + "=" + e.getValue());
        }
        return List.copyOf(out);
    }

    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            String value = System.getenv(entry);
            if (eq < 0 && value != null) {
                env.put(entry, value);   // docker run -e NAME takes NAME from the caller's environment
            }
            return;
        }
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }
}
