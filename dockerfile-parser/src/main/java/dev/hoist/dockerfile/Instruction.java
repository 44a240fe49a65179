package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.Heredoc;
import dev.hoist.dockerfile.syntax.Node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One typed Dockerfile instruction, as BuildKit's instruction layer reads it. Values are as written: variables
 * are expanded later, with the environment of the stage at that point, by {@link #expand}, which touches
 * exactly the arguments Docker expands. Empty strings stand for flags that were not given. All records are
 * immutable.
 */
public sealed interface Instruction {

    /** Where an instruction comes from: its keyword as written, its source text, range and raw flags. */
    record Origin(String keyword, String source, SourceRange range, List<String> flags) {
        public Origin {
            Objects.requireNonNull(keyword, "keyword");
            Objects.requireNonNull(range, "range");
            flags = List.copyOf(flags);
        }

        /** The instruction name in lower case, e.g. {@code copy}. */
        public String name() {
            return keyword.toLowerCase(Locale.ROOT);
        }
    }

    /** An ENV or LABEL pair; {@code legacy} is the old {@code KEY value} form without {@code =}. */
    record KeyValue(String key, String value, boolean legacy) {
    }

    /** One name of an ARG, with its default ({@code null} when none) and its doc comment ({@code ""} when none). */
    record ArgDefinition(String key, String defaultValue, String comment) {
        public ArgDefinition {
            Objects.requireNonNull(key, "key");
            comment = comment == null ? "" : comment;
        }
    }

    /** A COPY or ADD source given inline as a here-document: its name, content, and whether to expand it. */
    record InlineSource(String path, String data, boolean expand) {
    }

    Origin origin();

    /** The instruction name in lower case. */
    default String name() {
        return origin().name();
    }

    default SourceRange range() {
        return origin().range();
    }

    /**
     * This instruction with its variables expanded as Docker expands them, using {@code lexer} (which carries
     * the escape character) and {@code env}; instructions Docker does not expand are returned as they are.
     */
    default Instruction expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
        return this;
    }

    /** {@code FROM [--platform=p] base [AS name]}: the start of a stage. {@code stageName} is lower case. */
    record From(Origin origin, String baseName, String stageName, String platform) implements Instruction {
        @Override
        public From expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            return new From(origin, word(this, lexer, env, baseName), stageName,
                    word(this, lexer, env, platform));
        }
    }

    /**
     * {@code RUN}: the command (one string in shell form), here-documents, raw {@code --mount} specs (see
     * {@link #mounts}), {@code --network} and {@code --security}.
     */
    record Run(Origin origin, List<String> command, boolean shellForm, List<Heredoc> heredocs,
               List<String> mountSpecs, String network, String security) implements Instruction {
        public Run {
            command = List.copyOf(command);
            heredocs = List.copyOf(heredocs);
            mountSpecs = List.copyOf(mountSpecs);
        }

        /** The mounts, with the variables in their values expanded by {@code expander}. */
        public List<RunMount> mounts(WordExpander expander) throws DockerfileException {
            List<RunMount> out = new ArrayList<>();
            for (String spec : mountSpecs) {
                try {
                    out.add(RunMount.parse(spec, expander));
                } catch (DockerfileException e) {
                    throw e.at(range());
                }
            }
            return out;
        }

        /** The mounts, with the variables in their values expanded with {@code env}. */
        public List<RunMount> mounts(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            // an anonymous class, not a lambda: a fresh JVM links each lambda call site, ~0.2-0.5 ms the first time
            return mounts(new WordExpander() {
                @Override
                public String expand(String word) throws DockerfileException {
                    return lexer.processWord(word, env);
                }
            });
        }
    }

    /** {@code CMD}: the command (one string in shell form). */
    record Cmd(Origin origin, List<String> command, boolean shellForm) implements Instruction {
        public Cmd {
            command = List.copyOf(command);
        }
    }

    /** {@code ENTRYPOINT}: the command (one string in shell form). */
    record Entrypoint(Origin origin, List<String> command, boolean shellForm) implements Instruction {
        public Entrypoint {
            command = List.copyOf(command);
        }
    }

    /** {@code SHELL ["executable", "parameters"]}. */
    record Shell(Origin origin, List<String> shell) implements Instruction {
        public Shell {
            shell = List.copyOf(shell);
        }
    }

    /**
     * {@code HEALTHCHECK}: {@code test} is {@code ["NONE"]}, {@code ["CMD", args...]} or
     * {@code ["CMD-SHELL", command]}, as in an image config; unset durations and retries are zero.
     */
    record Healthcheck(Origin origin, List<String> test, Duration interval, Duration timeout, Duration startPeriod,
                       Duration startInterval, int retries) implements Instruction {
        public Healthcheck {
            test = List.copyOf(test);
        }
    }

    /** {@code ENV k=v ...} or {@code ENV k v}. */
    record Env(Origin origin, List<KeyValue> pairs) implements Instruction {
        public Env {
            pairs = List.copyOf(pairs);
        }

        @Override
        public Env expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            return new Env(origin, expandPairs(this, lexer, env, pairs));
        }
    }

    /** {@code LABEL k=v ...} or {@code LABEL k v}. */
    record Label(Origin origin, List<KeyValue> pairs) implements Instruction {
        public Label {
            pairs = List.copyOf(pairs);
        }

        @Override
        public Label expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            return new Label(origin, expandPairs(this, lexer, env, pairs));
        }
    }

    /** {@code MAINTAINER name} (deprecated by Docker in favour of a label). */
    record Maintainer(Origin origin, String maintainer) implements Instruction {
    }

    /** {@code EXPOSE port[/proto] ...}, sorted as BuildKit sorts them. */
    record Expose(Origin origin, List<String> ports) implements Instruction {
        public Expose {
            ports = List.copyOf(ports);
        }

        @Override
        public Expose expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            List<String> out = new ArrayList<>();
            for (String p : ports) {
                try {
                    out.addAll(lexer.processWords(p, env));
                } catch (DockerfileException e) {
                    throw e.at(range());
                }
            }
            return new Expose(origin, out);
        }
    }

    /** {@code ADD [--chown --chmod --link --keep-git-dir --checksum --exclude] src... dest}. */
    record Add(Origin origin, List<String> sources, List<InlineSource> inlineSources, String destination,
               String chown, String chmod, boolean link, boolean keepGitDir, String checksum,
               List<String> excludes) implements Instruction {
        public Add {
            sources = List.copyOf(sources);
            inlineSources = List.copyOf(inlineSources);
            excludes = List.copyOf(excludes);
        }

        @Override
        public Add expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            return new Add(origin, words(this, lexer, env, sources), inline(this, env, inlineSources),
                    word(this, lexer, env, destination), word(this, lexer, env, chown), chmod, link, keepGitDir,
                    word(this, lexer, env, checksum), excludes);
        }
    }

    /** {@code COPY [--from --chown --chmod --link --parents --exclude] src... dest}. */
    record Copy(Origin origin, List<String> sources, List<InlineSource> inlineSources, String destination,
                String from, String chown, String chmod, boolean link, boolean parents,
                List<String> excludes) implements Instruction {
        public Copy {
            sources = List.copyOf(sources);
            inlineSources = List.copyOf(inlineSources);
            excludes = List.copyOf(excludes);
        }

        @Override
        public Copy expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            return new Copy(origin, words(this, lexer, env, sources), inline(this, env, inlineSources),
                    word(this, lexer, env, destination), from, word(this, lexer, env, chown), chmod, link,
                    parents, excludes);
        }
    }

    /** {@code VOLUME path...}. */
    record Volume(Origin origin, List<String> volumes) implements Instruction {
        public Volume {
            volumes = List.copyOf(volumes);
        }

        @Override
        public Volume expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            return new Volume(origin, words(this, lexer, env, volumes));
        }
    }

    /** {@code USER user[:group]}. */
    record User(Origin origin, String user) implements Instruction {
        @Override
        public User expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            return new User(origin, word(this, lexer, env, user));
        }
    }

    /** {@code WORKDIR path}. */
    record Workdir(Origin origin, String path) implements Instruction {
        @Override
        public Workdir expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            return new Workdir(origin, word(this, lexer, env, path));
        }
    }

    /** {@code ARG name[=default] ...}. */
    record Arg(Origin origin, List<ArgDefinition> args) implements Instruction {
        public Arg {
            args = List.copyOf(args);
        }

        @Override
        public Arg expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            List<ArgDefinition> out = new ArrayList<>();
            for (ArgDefinition a : args) {
                out.add(new ArgDefinition(word(this, lexer, env, a.key()),
                        a.defaultValue() == null ? null : word(this, lexer, env, a.defaultValue()), a.comment()));
            }
            return new Arg(origin, out);
        }
    }

    /**
     * {@code ONBUILD instruction}: the trigger as text (here-documents appended, as BuildKit stores it) and as
     * a syntax node. The trigger is checked only when a child image runs it, as in Docker; {@link #trigger()}
     * parses it now.
     */
    record Onbuild(Origin origin, String expression, Node triggerNode) implements Instruction {
        /** The trigger as a typed instruction. */
        public Instruction trigger() throws DockerfileException {
            return InstructionParser.parse(triggerNode, range().file());
        }
    }

    /** {@code STOPSIGNAL signal}. */
    record StopSignal(Origin origin, String signal) implements Instruction {
        @Override
        public StopSignal expand(ShellLexer lexer, Map<String, String> env) throws DockerfileException {
            return new StopSignal(origin, word(this, lexer, env, signal));
        }
    }

    private static String word(Instruction in, ShellLexer lexer, Map<String, String> env, String w)
            throws DockerfileException {
        if (w == null || w.isEmpty()) {
            return w;
        }
        try {
            return lexer.processWord(w, env);
        } catch (DockerfileException e) {
            throw e.at(in.range());
        }
    }

    private static List<String> words(Instruction in, ShellLexer lexer, Map<String, String> env, List<String> ws)
            throws DockerfileException {
        List<String> out = new ArrayList<>(ws.size());
        for (String w : ws) {
            out.add(word(in, lexer, env, w));
        }
        return out;
    }

    private static List<KeyValue> expandPairs(Instruction in, ShellLexer lexer, Map<String, String> env,
                                              List<KeyValue> pairs) throws DockerfileException {
        List<KeyValue> out = new ArrayList<>(pairs.size());
        for (KeyValue kv : pairs) {
            out.add(new KeyValue(word(in, lexer, env, kv.key()), word(in, lexer, env, kv.value()), kv.legacy()));
        }
        return out;
    }

    /** Here-document sources are expanded with quotes kept and a backslash escape, as BuildKit does. */
    private static List<InlineSource> inline(Instruction in, Map<String, String> env, List<InlineSource> sources)
            throws DockerfileException {
        ShellLexer raw = new ShellLexer('\\').withSkipProcessQuotes(true);
        List<InlineSource> out = new ArrayList<>(sources.size());
        for (InlineSource s : sources) {
            out.add(s.expand() ? new InlineSource(s.path(), word(in, raw, env, s.data()), true) : s);
        }
        return out;
    }
}
