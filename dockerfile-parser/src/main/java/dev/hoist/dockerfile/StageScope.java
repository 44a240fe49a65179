package dev.hoist.dockerfile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The variables of one stage while its instructions are walked in order: the base image's environment, then
 * each ENV, and each ARG the stage declares (its build arg, else its default, else the global value when the
 * ARG was declared globally). A stage built FROM an earlier stage starts with that stage's ARGs, as BuildKit's
 * {@code dispatchState.init} has it. ENV always wins over an ARG of the same name, as Docker documents. Call
 * {@link #expand} on each instruction in order. Not thread-safe: one instance per stage walk; a finished walk is
 * only read (by the stages based on it).
 */
public final class StageScope {

    private final ArgScope global;
    private final ShellLexer lexer;
    private final Map<String, String> env;
    private final Map<String, String> args;
    /** The names of the ARGs in scope, with a value or not, in the order first declared. */
    private final Set<String> declared;

    StageScope(ArgScope global, Map<String, String> baseImageEnv, StageScope baseStage, ShellLexer lexer) {
        this.global = global;
        this.lexer = lexer;
        this.env = new LinkedHashMap<>(baseImageEnv);
        this.args = baseStage == null ? new LinkedHashMap<>() : new LinkedHashMap<>(baseStage.args);
        this.declared = baseStage == null ? new LinkedHashSet<>() : new LinkedHashSet<>(baseStage.declared);
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
            declared.add(key);
            resolved.add(new Instruction.ArgDefinition(key, value, def.comment()));
        }
        return new Instruction.Arg(arg.origin(), resolved);
    }

    /**
     * The variables instructions are expanded with: the ARGs in scope, overridden by the environment. A RUN gets
     * them as its environment (and its cache key names them), with the proxy build args over them
     * ({@link ArgScope#proxyEnvironment()}), which the key leaves out.
     */
    public Map<String, String> variables() {
        Map<String, String> m = new LinkedHashMap<>(args);
        m.putAll(env);
        return Collections.unmodifiableMap(m);
    }

    /**
     * The ARGs in scope as a RUN's history lists them, {@code NAME=value} in the order first declared, each with
     * its value in {@link #variables()} (an ENV of the same name wins) or else empty: BuildKit's
     * {@code runCommandString} over the stage's {@code buildArgs}.
     */
    public List<String> historyArgs() {
        Map<String, String> vars = variables();
        List<String> out = new ArrayList<>(declared.size());
        for (String key : declared) {
            String value = vars.get(key);
            out.add(key + "=" + (value == null ? "" : value));
        }
        return out;
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
