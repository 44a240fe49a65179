package dev.hoist.dockerfile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The variables of one stage while its instructions are walked in order: the base image's environment, then
 * each ENV, and each ARG the stage declares (its build arg, else its default, else the global value when the
 * ARG was declared globally). ENV always wins over an ARG of the same name, as Docker documents. Call
 * {@link #expand} on each instruction in order. Not thread-safe: one instance per stage walk.
 */
public final class StageScope {

    private final ArgScope global;
    private final ShellLexer lexer;
    private final Map<String, String> env;
    private final Map<String, String> args = new LinkedHashMap<>();

    StageScope(ArgScope global, Map<String, String> baseImageEnv, ShellLexer lexer) {
        this.global = global;
        this.lexer = lexer;
        this.env = new LinkedHashMap<>(baseImageEnv);
    }

    /**
     * Expands {@code in} with the variables in scope at its place and, for ARG and ENV, brings the variables
     * it defines into scope. Returns the expanded instruction; an ARG comes back with its resolved values as
     * defaults ({@code null} when the ARG has no value).
     */
    public Instruction expand(Instruction in) throws DockerfileException {
        if (in instanceof Instruction.Arg arg) {
            return declare(arg);
        }
        Instruction out = in.expand(lexer, variables());
        if (out instanceof Instruction.Env e) {
            for (Instruction.KeyValue kv : e.pairs()) {
                env.put(kv.key(), kv.value());
            }
        }
        return out;
    }

    private Instruction.Arg declare(Instruction.Arg arg) throws DockerfileException {
        List<Instruction.ArgDefinition> resolved = new ArrayList<>();
        for (Instruction.ArgDefinition def : arg.args()) {
            String key;
            String value;
            try {
                key = lexer.processWord(def.key(), variables());
                if (global.buildArgs().containsKey(key)) {
                    value = global.buildArgs().get(key);
                } else if (def.defaultValue() != null) {
                    value = lexer.processWord(def.defaultValue(), variables());
                } else if (global.declares(key)) {
                    value = global.values().get(key);
                } else {
                    value = null;
                }
            } catch (DockerfileException e) {
                throw e.at(arg.range());
            }
            if (value != null) {
                args.put(key, value);
            }
            resolved.add(new Instruction.ArgDefinition(key, value, def.comment()));
        }
        return new Instruction.Arg(arg.origin(), resolved);
    }

    /** The variables instructions are expanded with: the ARGs in scope, overridden by the environment. */
    public Map<String, String> variables() {
        Map<String, String> m = new LinkedHashMap<>(args);
        m.putAll(env);
        return Collections.unmodifiableMap(m);
    }

    /** The environment a RUN sees: proxy build args, the stage's ARGs, then the environment over them. */
    public Map<String, String> runEnvironment() {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : global.buildArgs().entrySet()) {
            if (ArgScope.PROXY_ARGS.contains(e.getKey())) {
                m.put(e.getKey(), e.getValue());
            }
        }
        m.putAll(args);
        m.putAll(env);
        return Collections.unmodifiableMap(m);
    }

    /** The environment the image will carry: the base image's plus the stage's ENVs (never ARGs). */
    public Map<String, String> imageEnvironment() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(env));
    }

    /** The ARGs in scope with a value. */
    public Map<String, String> args() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(args));
    }
}
