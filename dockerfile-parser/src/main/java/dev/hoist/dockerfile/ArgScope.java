package dev.hoist.dockerfile;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The global ARG scope of one build, as Docker defines it: the platform ARGs, then the ARGs declared before
 * the first FROM, each taking its {@code --build-arg} value or else its default (expanded with the ARGs above
 * it). These values are what FROM lines see; a stage sees one only after re-declaring it (see
 * {@link StageScope}). Immutable and thread-safe.
 */
public final class ArgScope {

    /** The ARGs Docker defines in the global scope from the build and target platforms. */
    public static final List<String> PLATFORM_ARGS = List.of("BUILDPLATFORM", "BUILDOS", "BUILDARCH",
            "BUILDVARIANT", "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT");

    /**
     * The predefined proxy ARGs, matched in any case: given as build args, they reach every RUN without an ARG
     * instruction (see {@link #proxyEnvironment()}).
     */
    public static final List<String> PROXY_ARGS = List.of("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY",
            "ALL_PROXY");

    private final Map<String, String> values;
    private final Set<String> declared;
    private final Map<String, String> buildArgs;
    private final ShellLexer lexer;

    private ArgScope(Map<String, String> values, Set<String> declared, Map<String, String> buildArgs,
                     ShellLexer lexer) {
        this.values = Collections.unmodifiableMap(values);
        this.declared = Collections.unmodifiableSet(declared);
        this.buildArgs = Map.copyOf(buildArgs);
        this.lexer = lexer;
    }

    /**
     * The platform ARGs for {@code os/arch[/variant]} platforms, e.g. {@code linux/arm64} and
     * {@code linux/arm/v7}: BUILDPLATFORM, BUILDOS, BUILDARCH, BUILDVARIANT and the TARGET* ones.
     */
    public static Map<String, String> platformArgs(String buildPlatform, String targetPlatform) {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "BUILD", buildPlatform);
        put(m, "TARGET", targetPlatform);
        return m;
    }

    private static void put(Map<String, String> m, String prefix, String platform) {
        String[] parts = platform.split("/", 3);
        if (parts.length < 2) {
            throw new IllegalArgumentException("platform must be os/arch[/variant], not " + platform);
        }
        m.put(prefix + "PLATFORM", platform);
        m.put(prefix + "OS", parts[0]);
        m.put(prefix + "ARCH", parts[1]);
        m.put(prefix + "VARIANT", parts.length == 3 ? parts[2] : "");
    }

    /**
     * Evaluates the global ARGs of {@code dockerfile} with the given build args and platform ARGs.
     *
     * @throws DockerfileException when a default cannot be expanded, at that ARG
     */
    public static ArgScope global(Dockerfile dockerfile, Map<String, String> buildArgs,
                                  Map<String, String> platformArgs) throws DockerfileException {
        ShellLexer lexer = dockerfile.lexer();
        Map<String, String> values = new LinkedHashMap<>(platformArgs);
        Set<String> declared = new HashSet<>(platformArgs.keySet());
        for (Instruction.Arg arg : dockerfile.globalArgs()) {
            for (Instruction.ArgDefinition def : arg.args()) {
                String key = def.key();
                String value;
                if (buildArgs.containsKey(key)) {
                    value = buildArgs.get(key);
                } else if (def.defaultValue() != null) {
                    try {
                        value = lexer.processWord(def.defaultValue(), values);
                    } catch (DockerfileException e) {
                        throw e.at(arg.range());
                    }
                } else {
                    value = values.get(key);
                }
                declared.add(key);
                if (value != null) {
                    values.put(key, value);
                }
            }
        }
        return new ArgScope(values, declared, buildArgs, lexer);
    }

    /** The values FROM lines see: the platform ARGs and the global ARGs that have a value. */
    public Map<String, String> values() {
        return values;
    }

    /** Whether {@code key} is a platform ARG or was declared before the first FROM. */
    public boolean declares(String key) {
        return declared.contains(key);
    }

    /** The build args this scope was made with. */
    public Map<String, String> buildArgs() {
        return buildArgs;
    }

    /**
     * The proxy variables every RUN gets from the build args, as BuildKit gives them (dockerfile2llb's
     * {@code proxyEnvFromBuildArgs}, the exec op's {@code proxyEnvList}): a build arg named like one of
     * {@link #PROXY_ARGS} in any case sets both the upper- and the lower-case variable; of several spellings of
     * one, the last in sorted order wins; an empty value sets none. BuildKit leaves them out of the step's cache
     * key and history (the exec op's {@code CacheMap} drops {@code ProxyEnv}), and they override the stage's
     * variables of the same name.
     */
    public Map<String, String> proxyEnvironment() {
        String[] values = new String[PROXY_ARGS.size()];
        for (String key : new TreeSet<>(buildArgs.keySet())) {
            for (int i = 0; i < values.length; i++) {
                if (key.equalsIgnoreCase(PROXY_ARGS.get(i))) {
                    values[i] = buildArgs.get(key);
                }
            }
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null && !values[i].isEmpty()) {
                m.put(PROXY_ARGS.get(i), values[i]);
                m.put(PROXY_ARGS.get(i).toLowerCase(Locale.ROOT), values[i]);
            }
        }
        return m;
    }

    /** The FROM of {@code stage} with its base name and platform expanded in this scope. */
    public Instruction.From expandFrom(Stage stage) throws DockerfileException {
        return stage.from().expand(lexer, values);
    }

    /**
     * A new scope for the instructions of a stage whose base image has the given environment; {@code baseStage}
     * is the finished scope of the earlier stage it is built FROM, whose ARGs it starts with, or null when it
     * starts from an image or scratch.
     */
    public StageScope enterStage(Map<String, String> baseImageEnv, StageScope baseStage) {
        return new StageScope(this, Objects.requireNonNull(baseImageEnv, "baseImageEnv"), baseStage, lexer);
    }
}
