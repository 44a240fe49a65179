package dev.hoist.dockerfile;

import dev.hoist.dockerfile.Instruction.ArgDefinition;
import dev.hoist.dockerfile.Instruction.InlineSource;
import dev.hoist.dockerfile.Instruction.KeyValue;
import dev.hoist.dockerfile.Instruction.Origin;
import dev.hoist.dockerfile.syntax.GoStrings;
import dev.hoist.dockerfile.syntax.Heredoc;
import dev.hoist.dockerfile.syntax.Node;
import dev.hoist.dockerfile.syntax.SyntaxParser;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns syntax nodes into typed {@link Instruction}s with BuildKit's checks and messages (the instruction
 * layer of its frontend). Stateless and thread-safe.
 *
 * <p>No regular expressions, lambdas or streams, for the reason given in
 * {@link dev.hoist.dockerfile.syntax.SyntaxParser}: in a fresh JVM each costs start-up time.
 */
final class InstructionParser {

    static final List<String> INSTRUCTIONS = List.of("add", "arg", "cmd", "copy", "entrypoint", "env", "expose",
            "from", "healthcheck", "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user",
            "volume", "workdir");

    private static final Duration MINIMUM_DURATION = Duration.ofMillis(1);

    /** Takes a mount spec's values as written, for checking a spec that expansion cannot change. */
    private static final WordExpander LITERAL = new WordExpander() {
        @Override
        public String expand(String word) {
            return word;
        }
    };

    private InstructionParser() {
    }

    /** The typed instruction for {@code node}, or a {@link DockerfileException} at the node's place. */
    static Instruction parse(Node node, String file) throws DockerfileException {
        SourceRange range = new SourceRange(file, Math.max(1, node.startLine()), node.column(),
                Math.max(Math.max(1, node.startLine()), node.endLine()), node.endColumn());
        Origin origin = new Origin(node.keyword(), GoStrings.trimSpace(node.original()), range, node.flags());
        Request req = new Request(node, origin, node.flatArgs(), new BuildFlags(node.keyword(), node.flags()));
        try {
            return dispatch(req);
        } catch (DockerfileException e) {
            throw e.at(range);
        }
    }

    private record Request(Node node, Origin origin, List<String> args, BuildFlags flags) {
        boolean json() {
            return node.json();
        }
    }

    private static Instruction dispatch(Request req) throws DockerfileException {
        switch (req.node().name()) {
            case "env":
                req.flags().parse();
                return new Instruction.Env(req.origin(), keyValues(req.args(), "ENV"));
            case "maintainer":
                exactlyOne(req, "MAINTAINER");
                req.flags().parse();
                return new Instruction.Maintainer(req.origin(), req.args().get(0));
            case "label":
                req.flags().parse();
                return new Instruction.Label(req.origin(), keyValues(req.args(), "LABEL"));
            case "add":
                return parseAdd(req);
            case "copy":
                return parseCopy(req);
            case "from":
                return parseFrom(req);
            case "onbuild":
                return parseOnbuild(req);
            case "workdir":
                exactlyOne(req, "WORKDIR");
                req.flags().parse();
                return new Instruction.Workdir(req.origin(), req.args().get(0));
            case "run":
                return parseRun(req);
            case "cmd":
                req.flags().parse();
                return new Instruction.Cmd(req.origin(), commandLine(req), !req.json());
            case "healthcheck":
                return parseHealthcheck(req);
            case "entrypoint":
                req.flags().parse();
                return new Instruction.Entrypoint(req.origin(), commandLine(req), !req.json());
            case "expose": {
                if (req.args().isEmpty()) {
                    throw atLeastOne("EXPOSE");
                }
                req.flags().parse();
                List<String> ports = new ArrayList<>(req.args());
                Collections.sort(ports);
                return new Instruction.Expose(req.origin(), ports);
            }
            case "user":
                exactlyOne(req, "USER");
                req.flags().parse();
                return new Instruction.User(req.origin(), req.args().get(0));
            case "volume": {
                if (req.args().isEmpty()) {
                    throw atLeastOne("VOLUME");
                }
                req.flags().parse();
                List<String> volumes = new ArrayList<>();
                for (String v : req.args()) {
                    String t = GoStrings.trimSpace(v);
                    if (t.isEmpty()) {
                        throw new DockerfileException("VOLUME specified can not be an empty string");
                    }
                    volumes.add(t);
                }
                return new Instruction.Volume(req.origin(), volumes);
            }
            case "stopsignal":
                // BuildKit does not parse flags for STOPSIGNAL; any given are ignored.
                exactlyOne(req, "STOPSIGNAL");
                return new Instruction.StopSignal(req.origin(), req.args().get(0));
            case "arg":
                return parseArg(req);
            case "shell":
                return parseShell(req);
            default: {
                String keyword = req.node().keyword();
                throw new DockerfileException(Suggest.wrap("unknown instruction: " + keyword, keyword,
                        INSTRUCTIONS, false));
            }
        }
    }

    private static void exactlyOne(Request req, String command) throws DockerfileException {
        if (req.args().size() != 1) {
            throw new DockerfileException(command + " requires exactly one argument");
        }
    }

    private static DockerfileException atLeastOne(String command) {
        return new DockerfileException(command + " requires at least one argument");
    }

    private static List<KeyValue> keyValues(List<String> args, String command) throws DockerfileException {
        if (args.isEmpty()) {
            throw atLeastOne(command);
        }
        if (args.size() % 3 != 0) {
            throw new DockerfileException("Bad input to " + command + ", too many arguments");
        }
        List<KeyValue> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 3) {
            if (args.get(i).isEmpty()) {
                throw new DockerfileException(command + " names can not be blank");
            }
            out.add(new KeyValue(args.get(i), args.get(i + 1), args.get(i + 2).isEmpty()));
        }
        return out;
    }

    /** The exec-form arguments, or the shell-form line joined into one string. */
    private static List<String> commandLine(Request req) {
        List<String> args = req.args();
        if (args.isEmpty()) {
            return List.of();
        }
        return req.json() ? args : List.of(String.join(" ", args));
    }

    private static Instruction parseFrom(Request req) throws DockerfileException {
        List<String> args = req.args();
        String stageName = "";
        if (args.size() == 3 && args.get(1).equalsIgnoreCase("as")) {
            stageName = args.get(2).toLowerCase(Locale.ROOT);
            if (!isStageName(stageName)) {
                throw new DockerfileException("invalid name for build stage: " + GoStrings.quote(args.get(2))
                        + ", name can't start with a number or contain symbols");
            }
        } else if (args.size() != 1) {
            throw new DockerfileException("FROM requires either one or three arguments");
        }
        BuildFlags.Flag platform = req.flags().addString("platform", "");
        req.flags().parse();
        return new Instruction.From(req.origin(), args.get(0), stageName, platform.value);
    }

    /** Whether {@code name} is a stage name as BuildKit's {@code ^[a-z][a-z0-9-_.]*$} has it. */
    static boolean isStageName(String name) {
        if (name.isEmpty() || name.charAt(0) < 'a' || name.charAt(0) > 'z') {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.') {
                return false;
            }
        }
        return true;
    }

    private static Instruction parseRun(Request req) throws DockerfileException {
        BuildFlags.Flag mount = req.flags().addStrings("mount");
        BuildFlags.Flag network = req.flags().addString("network", "default");
        BuildFlags.Flag security = req.flags().addString("security", "sandbox");
        req.flags().parse();
        for (String spec : mount.values) {
            validateMount(spec);
        }
        switch (network.value) {
            case "default", "none", "host" -> {
            }
            default -> throw new DockerfileException("unsupported network mode " + GoStrings.quote(network.value));
        }
        switch (security.value) {
            case "sandbox", "insecure" -> {
            }
            default -> throw new DockerfileException("unsupported security mode "
                    + GoStrings.quote(security.value));
        }
        return new Instruction.Run(req.origin(), commandLine(req), !req.json(), req.node().heredocs(),
                mount.values, network.value, security.value);
    }

    /**
     * Checks a mount spec as far as possible before expansion: what BuildKit checks then, and, when the spec
     * holds no variables, quotes or escapes (so expansion cannot change it), everything else too.
     */
    static void validateMount(String spec) throws DockerfileException {
        RunMount.parse(spec, null);
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '$' || c == '\\' || c == '\'' || c == '"' || c == '`') {
                return;
            }
        }
        RunMount.parse(spec, LITERAL);
    }

    private static Instruction parseHealthcheck(Request req) throws DockerfileException {
        List<String> args = req.args();
        if (args.isEmpty()) {
            throw atLeastOne("HEALTHCHECK");
        }
        String typ = args.get(0).toUpperCase(Locale.ROOT);
        List<String> rest = args.subList(1, args.size());
        if (typ.equals("NONE")) {
            if (!rest.isEmpty()) {
                throw new DockerfileException("HEALTHCHECK NONE takes no arguments");
            }
            return new Instruction.Healthcheck(req.origin(), List.of("NONE"), Duration.ZERO, Duration.ZERO,
                    Duration.ZERO, Duration.ZERO, 0);
        }
        BuildFlags.Flag interval = req.flags().addString("interval", "");
        BuildFlags.Flag timeout = req.flags().addString("timeout", "");
        BuildFlags.Flag startPeriod = req.flags().addString("start-period", "");
        BuildFlags.Flag startInterval = req.flags().addString("start-interval", "");
        BuildFlags.Flag retries = req.flags().addString("retries", "");
        req.flags().parse();
        if (!typ.equals("CMD")) {
            throw new DockerfileException("Unknown type " + GoStrings.quote(typ) + " in HEALTHCHECK (try CMD)");
        }
        List<String> cmd = rest.isEmpty() ? List.of() : req.json() ? rest : List.of(String.join(" ", rest));
        if (cmd.isEmpty()) {
            throw new DockerfileException("Missing command after HEALTHCHECK CMD");
        }
        List<String> test = new ArrayList<>();
        test.add(req.json() ? "CMD" : "CMD-SHELL");
        test.addAll(cmd);
        int retryCount = 0;
        Duration i = interval(interval);
        Duration t = interval(timeout);
        Duration sp = interval(startPeriod);
        Duration si = interval(startInterval);
        if (!retries.value.isEmpty()) {
            retryCount = Go.parseInt32(retries.value);
            if (retryCount < 1) {
                throw new DockerfileException("--retries must be at least 1 (not " + retryCount + ")");
            }
        }
        return new Instruction.Healthcheck(req.origin(), test, i, t, sp, si, retryCount);
    }

    private static Duration interval(BuildFlags.Flag flag) throws DockerfileException {
        if (flag.value.isEmpty()) {
            return Duration.ZERO;
        }
        Duration d = Go.parseDuration(flag.value);
        if (d.isZero()) {
            return d;
        }
        if (d.compareTo(MINIMUM_DURATION) < 0) {
            throw new DockerfileException("Interval " + GoStrings.quote(flag.name) + " cannot be less than "
                    + Go.formatDuration(MINIMUM_DURATION));
        }
        return d;
    }

    private record SourcesAndDest(List<String> paths, List<InlineSource> inline, String dest) {
    }

    private static SourcesAndDest sourcesAndDest(Request req, String command) throws DockerfileException {
        List<String> args = req.args();
        String dest = args.get(args.size() - 1);
        if (heredocOrNull(dest) != null) {
            throw new DockerfileException(command + " cannot accept a heredoc as a destination");
        }
        Map<String, Heredoc> byName = new HashMap<>();
        for (Heredoc h : req.node().heredocs()) {
            byName.put(h.name(), h);
        }
        List<String> paths = new ArrayList<>();
        List<InlineSource> inline = new ArrayList<>();
        for (String src : args.subList(0, args.size() - 1)) {
            Heredoc h = heredocOrNull(src);
            if (h == null) {
                paths.add(src);
                continue;
            }
            Heredoc found = byName.get(h.name());
            String content = found == null ? "" : found.content();
            if (h.chomp()) {
                content = new Heredoc(h.name(), h.fileDescriptor(), h.expand(), true, content).effectiveContent();
            }
            inline.add(new InlineSource(h.name(), content, h.expand()));
        }
        return new SourcesAndDest(paths, inline, dest);
    }

    private static Heredoc heredocOrNull(String word) {
        try {
            return SyntaxParser.parseHeredoc(word);
        } catch (DockerfileException e) {
            return null;
        }
    }

    private static DockerfileException noDestination(String command) {
        return new DockerfileException(command + " requires at least two arguments, but only one was provided. "
                + "Destination could not be determined");
    }

    private static Instruction parseAdd(Request req) throws DockerfileException {
        if (req.args().size() < 2) {
            throw noDestination("ADD");
        }
        BuildFlags f = req.flags();
        BuildFlags.Flag excludes = f.addStrings("exclude");
        BuildFlags.Flag chown = f.addString("chown", "");
        BuildFlags.Flag chmod = f.addString("chmod", "");
        BuildFlags.Flag link = f.addBool("link", false);
        BuildFlags.Flag keepGitDir = f.addBool("keep-git-dir", false);
        BuildFlags.Flag checksum = f.addString("checksum", "");
        f.parse();
        SourcesAndDest sd = sourcesAndDest(req, "ADD");
        return new Instruction.Add(req.origin(), sd.paths(), sd.inline(), sd.dest(), chown.value, chmod.value,
                link.isTrue(), keepGitDir.isTrue(), checksum.value, excludes.values);
    }

    private static Instruction parseCopy(Request req) throws DockerfileException {
        if (req.args().size() < 2) {
            throw noDestination("COPY");
        }
        BuildFlags f = req.flags();
        BuildFlags.Flag excludes = f.addStrings("exclude");
        BuildFlags.Flag parents = f.addBool("parents", false);
        BuildFlags.Flag chown = f.addString("chown", "");
        BuildFlags.Flag from = f.addString("from", "");
        BuildFlags.Flag chmod = f.addString("chmod", "");
        BuildFlags.Flag link = f.addBool("link", false);
        f.parse();
        SourcesAndDest sd = sourcesAndDest(req, "COPY");
        return new Instruction.Copy(req.origin(), sd.paths(), sd.inline(), sd.dest(), from.value, chown.value,
                chmod.value, link.isTrue(), parents.isTrue(), excludes.values);
    }

    private static Instruction parseOnbuild(Request req) throws DockerfileException {
        if (req.args().isEmpty()) {
            throw atLeastOne("ONBUILD");
        }
        req.flags().parse();
        String trigger = GoStrings.trimSpace(req.args().get(0)).toUpperCase(Locale.ROOT);
        switch (trigger) {
            case "ONBUILD" -> throw new DockerfileException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "MAINTAINER", "FROM" -> throw new DockerfileException(trigger
                    + " isn't allowed as an ONBUILD trigger");
            default -> {
            }
        }
        StringBuilder expression = new StringBuilder(withoutOnbuild(req.node().original()));
        for (Heredoc h : req.node().heredocs()) {
            expression.append('\n').append(h.content()).append(h.name());
        }
        Node child = req.node().child();
        Node trigger0 = child == null ? null : new Node(child.keyword(), child.flags(), child.args(), child.child(),
                child.json(), req.node().heredocs(), child.original(), req.node().startLine(),
                req.node().endLine(), req.node().column(), req.node().endColumn(), List.of());
        return new Instruction.Onbuild(req.origin(), expression.toString(), trigger0);
    }

    /**
     * The line of an ONBUILD without the keyword and the white space around it, as BuildKit's
     * {@code (?i)^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*} removes them (case-insensitive in ASCII only); the line as
     * it is when it does not start so.
     */
    static String withoutOnbuild(String line) {
        int i = 0;
        while (i < line.length() && isOnbuildSpace(line.charAt(i))) {
            i++;
        }
        String keyword = "ONBUILD";
        if (line.length() - i < keyword.length()) {
            return line;
        }
        for (int k = 0; k < keyword.length(); k++) {
            char c = line.charAt(i + k);
            char upper = keyword.charAt(k);
            if (c != upper && c != (char) (upper + ('a' - 'A'))) {
                return line;
            }
        }
        i += keyword.length();
        while (i < line.length() && isOnbuildSpace(line.charAt(i))) {
            i++;
        }
        return line.substring(i);
    }

    private static boolean isOnbuildSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    }

    private static Instruction parseArg(Request req) throws DockerfileException {
        if (req.args().isEmpty()) {
            throw atLeastOne("ARG");
        }
        // BuildKit does not parse flags for ARG; any given are ignored.
        List<ArgDefinition> defs = new ArrayList<>();
        for (String arg : req.args()) {
            int eq = arg.indexOf('=');
            String key = eq < 0 ? arg : arg.substring(0, eq);
            if (eq == 0) {
                throw new DockerfileException("ARG names can not be blank");
            }
            String value = eq < 0 ? null : arg.substring(eq + 1);
            defs.add(new ArgDefinition(key, value, comment(req.node().comments(), key)));
        }
        return new Instruction.Arg(req.origin(), defs);
    }

    static String comment(List<String> comments, String name) {
        if (name.isEmpty()) {
            return "";
        }
        for (String line : comments) {
            if (line.startsWith(name + " ")) {
                return line.substring(name.length() + 1);
            }
        }
        return "";
    }

    private static Instruction parseShell(Request req) throws DockerfileException {
        req.flags().parse();
        List<String> shell = commandLine(req);
        if (shell.isEmpty()) {
            throw atLeastOne("SHELL");
        }
        if (!req.json()) {
            throw new DockerfileException("SHELL requires the arguments to be in JSON form");
        }
        return new Instruction.Shell(req.origin(), shell);
    }
}
