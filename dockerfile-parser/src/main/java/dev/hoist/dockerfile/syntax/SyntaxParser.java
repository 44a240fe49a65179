package dev.hoist.dockerfile.syntax;

import dev.hoist.dockerfile.DockerfileException;
import dev.hoist.dockerfile.ShellLexer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BuildKit's line parser: bytes to a {@link SyntaxTree}. It handles parser directives, comments, line
 * continuations, here-documents, flags and each instruction's way of splitting its arguments, and knows
 * nothing of what the instructions mean (unknown instructions pass; the instruction layer rejects them).
 * Stateless and thread-safe.
 */
public final class SyntaxParser {

    /** Go's {@code bufio.MaxScanTokenSize}: a line with its newline may hold at most this many bytes. */
    static final int MAX_LINE_BYTES = 64 * 1024;

    private static final Pattern WHITESPACE = Pattern.compile("[\\t\\u000B\\f\\r ]+");
    private static final Pattern DIRECTIVE =
            Pattern.compile("(?s)\\A([a-zA-Z][a-zA-Z0-9]*)[\\t\\n\\f\\r ]*=[\\t\\n\\f\\r ]*(.+?)[\\t\\n\\f\\r ]*\\z");
    private static final Pattern HEREDOC = Pattern.compile("(?s)\\A([0-9]*)<<(-?)([^<]*)\\z");
    private static final Set<String> DIRECTIVE_NAMES = Set.of("syntax", "escape", "check");
    private static final Set<String> HEREDOC_INSTRUCTIONS = Set.of("add", "copy", "run");

    private SyntaxParser() {
    }

    /**
     * Parses a Dockerfile. {@code name} is used in error messages and source ranges.
     *
     * @throws DockerfileException for what BuildKit's parser rejects: no instructions at all, a repeated or
     *                             invalid directive, a JSON array with something other than strings, ENV or
     *                             LABEL without a value, an unterminated here-document, an over-long line
     */
    public static SyntaxTree parse(String name, byte[] content) throws DockerfileException {
        return new State(name, content).run();
    }

    /** The escape character in force and the parser-directive state at the top of the file. */
    static final class Directives {
        int escapeToken = '\\';
        Pattern continuation = continuationPattern('\\');
        boolean done;
        final Set<String> seen = new HashSet<>();
        final List<Directive> found = new ArrayList<>();

        static Pattern continuationPattern(int token) {
            String t = Pattern.quote(String.valueOf((char) token));
            String notT = token == '\\' ? "[^\\\\]" : "[^`]";
            return Pattern.compile("(?s)(" + notT + ")" + t + "[ \\t]*\\z|\\A" + t + "[ \\t]*\\z");
        }

        void possibleDirective(String line, int lineNo) throws DockerfileException {
            if (done) {
                return;
            }
            if (!line.startsWith("#")) {
                done = true;
                return;
            }
            Matcher m = DIRECTIVE.matcher(GoStrings.trimLeftSpace(line.substring(1)));
            if (!m.matches()) {
                done = true;
                return;
            }
            String key = m.group(1).toLowerCase(Locale.ROOT);
            if (!DIRECTIVE_NAMES.contains(key)) {
                done = true;
                return;
            }
            if (!seen.add(key)) {
                throw new DockerfileException(null, lineNo, 1, "only one " + key + " parser directive can be used");
            }
            String value = m.group(2);
            if (key.equals("escape")) {
                if (!value.equals("`") && !value.equals("\\")) {
                    throw new DockerfileException(null, lineNo, 1,
                            "invalid escape token '" + value + "' does not match ` or \\");
                }
                escapeToken = value.charAt(0);
                continuation = continuationPattern(escapeToken);
            }
            found.add(new Directive(key, value, lineNo));
        }

        /** The line without its continuation character, or {@code null} when the line does not continue. */
        String trimContinuation(String line) {
            Matcher m = continuation.matcher(line);
            if (!m.find()) {
                return null;
            }
            String kept = m.group(1) == null ? "" : m.group(1);
            return line.substring(0, m.start()) + kept + line.substring(m.end());
        }
    }

    /** The split-up arguments of one instruction line. */
    private record Parsed(List<String> args, boolean json, Node child) {
        static final Parsed NONE = new Parsed(List.of(), false, null);
    }

    private static final class State {
        private final String name;
        private final List<String> lines; // physical lines, each with its line ending
        private final Directives d = new Directives();
        private final List<Node> nodes = new ArrayList<>();
        private final List<Warning> warnings = new ArrayList<>();
        private int next; // index of the next physical line to read
        private int currentLine; // number of physical lines read so far

        State(String name, byte[] content) throws DockerfileException {
            this.name = name;
            this.lines = splitLines(name, content);
        }

        private static List<String> splitLines(String name, byte[] content) throws DockerfileException {
            List<String> out = new ArrayList<>();
            int start = 0;
            int lineNo = 1;
            while (start < content.length) {
                int nl = start;
                while (nl < content.length && content[nl] != '\n') {
                    nl++;
                }
                int end = nl < content.length ? nl + 1 : nl;
                if (end - start > MAX_LINE_BYTES) {
                    throw new DockerfileException(name, lineNo, 0,
                            "dockerfile line greater than max allowed size of " + (MAX_LINE_BYTES - 1));
                }
                String line = new String(content, start, end - start, StandardCharsets.UTF_8);
                if (start == 0 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                out.add(line);
                start = end;
                lineNo++;
            }
            return out;
        }

        private String nextLine() {
            return next < lines.size() ? lines.get(next++) : null;
        }

        SyntaxTree run() throws DockerfileException {
            List<String> comments = new ArrayList<>();
            String raw;
            while ((raw = nextLine()) != null) {
                if (isComment(raw)) {
                    String comment = GoStrings.trimSpace(raw.substring(raw.offsetByCodePoints(0, 1)));
                    if (comment.isEmpty()) {
                        comments.clear();
                    } else {
                        comments.add(comment);
                    }
                }
                String processed = processLine(raw, true, currentLine + 1);
                currentLine++;
                int startLine = currentLine;
                int column = 1 + leadingSpace(raw);
                String trimmed = d.trimContinuation(processed);
                boolean endOfLine = trimmed == null;
                String first = endOfLine ? processed : trimmed;
                if (endOfLine && first.isEmpty()) {
                    continue;
                }
                StringBuilder buf = new StringBuilder(first);
                boolean emptyContinuation = false;
                while (!endOfLine && (raw = nextLine()) != null) {
                    String cont = processLine(raw, false, currentLine + 1);
                    currentLine++;
                    if (isComment(raw)) {
                        continue;
                    }
                    if (GoStrings.trimLeftSpace(trimNewline(cont)).isEmpty()) {
                        emptyContinuation = true;
                        continue;
                    }
                    String t = d.trimContinuation(cont);
                    endOfLine = t == null;
                    buf.append(endOfLine ? cont : t);
                }
                String line = buf.toString();
                if (emptyContinuation) {
                    warnings.add(new Warning("Empty continuation line found in: " + line, currentLine));
                }
                Node node;
                try {
                    node = newNodeFromLine(line, d);
                } catch (DockerfileException e) {
                    throw e.at(name, startLine, column);
                }
                node = node.at(startLine, currentLine, column, endColumn(currentLine), comments);
                if (canContainHeredoc(node) && line.contains("<<")) {
                    node = readHeredocs(node, line, startLine, column);
                }
                nodes.add(node);
                comments = new ArrayList<>();
            }
            if (nodes.isEmpty()) {
                throw new DockerfileException(name, currentLine, 0, "file with no instructions");
            }
            return new SyntaxTree(name, nodes, d.found, (char) d.escapeToken, warnings);
        }

        private Node readHeredocs(Node node, String line, int startLine, int column) throws DockerfileException {
            List<Heredoc> docs;
            try {
                docs = heredocsFromLine(line);
            } catch (DockerfileException e) {
                throw e.at(name, startLine, column);
            }
            if (docs.isEmpty()) {
                return node;
            }
            List<Heredoc> filled = new ArrayList<>();
            for (Heredoc doc : docs) {
                StringBuilder content = new StringBuilder();
                boolean terminated = false;
                String raw;
                while ((raw = nextLine()) != null) {
                    currentLine++;
                    String candidate = trimNewline(raw);
                    if (doc.chomp()) {
                        int i = 0;
                        while (i < candidate.length() && candidate.charAt(i) == '\t') {
                            i++;
                        }
                        candidate = candidate.substring(i);
                    }
                    if (candidate.equals(doc.name())) {
                        terminated = true;
                        break;
                    }
                    content.append(raw);
                }
                if (!terminated) {
                    throw new DockerfileException(name, startLine, column, "unterminated heredoc");
                }
                filled.add(doc.withContent(content.toString()));
            }
            return node.withHeredocs(filled, currentLine, endColumn(currentLine));
        }

        private int endColumn(int lineNo) {
            String l = lineNo >= 1 && lineNo <= lines.size() ? trimNewline(lines.get(lineNo - 1)) : "";
            return Math.max(1, l.codePointCount(0, l.length()));
        }

        /** Drops the line ending, then (for a first line) leading space; a comment becomes empty. */
        private String processLine(String raw, boolean stripLeft, int lineNo) throws DockerfileException {
            String token = trimNewline(raw);
            if (stripLeft) {
                token = GoStrings.trimLeftSpace(token);
            }
            try {
                d.possibleDirective(token, lineNo);
            } catch (DockerfileException e) {
                throw e.at(name, lineNo, 1);
            }
            return token.startsWith("#") ? "" : token;
        }
    }

    private static int leadingSpace(String raw) {
        int n = 0;
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            if (cp == '\n' || !GoStrings.isSpace(cp)) {
                break;
            }
            n++;
            i += Character.charCount(cp);
        }
        return n;
    }

    static String trimNewline(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    static boolean isComment(String raw) {
        return GoStrings.trimLeftSpace(trimNewline(raw)).startsWith("#");
    }

    static boolean canContainHeredoc(Node node) {
        Node target = node;
        if (node.name().equals("onbuild") && node.child() != null) {
            target = node.child();
        }
        return HEREDOC_INSTRUCTIONS.contains(target.name()) && !target.json();
    }

    /** Splits a joined line into keyword, flags and arguments, and splits the arguments as the keyword wants. */
    static Node newNodeFromLine(String line, Directives d) throws DockerfileException {
        String trimmed = GoStrings.trimSpace(line);
        String[] cmdline = WHITESPACE.split(trimmed, 2);
        String keyword = cmdline[0];
        List<String> flags = new ArrayList<>();
        String rest = "";
        if (cmdline.length == 2) {
            rest = extractBuilderFlags(cmdline[1], flags);
        }
        rest = GoStrings.trimSpace(rest);
        Parsed parsed = dispatch(keyword.toLowerCase(Locale.ROOT), rest, d);
        return new Node(keyword, flags, parsed.args(), parsed.child(), parsed.json(), List.of(), line, 0, 0, 0, 0,
                List.of());
    }

    private static Parsed dispatch(String cmd, String rest, Directives d) throws DockerfileException {
        switch (cmd) {
            case "add", "copy", "volume":
                return parseMaybeJsonToList(rest);
            case "arg":
                return new Parsed(parseWords(rest, d.escapeToken), false, null);
            case "cmd", "entrypoint", "run", "shell":
                return parseMaybeJson(rest);
            case "env":
                return parseNameVal(rest, "ENV", d);
            case "label":
                return parseNameVal(rest, "LABEL", d);
            case "expose", "from":
                return parseWhitespaceDelimited(rest);
            case "healthcheck":
                return parseHealthConfig(rest);
            case "maintainer", "stopsignal", "user", "workdir":
                return rest.isEmpty() ? Parsed.NONE : new Parsed(List.of(rest), false, null);
            case "onbuild":
                if (rest.isEmpty()) {
                    return Parsed.NONE;
                }
                return new Parsed(List.of(), false, newNodeFromLine(rest, d));
            default:
                // BuildKit keeps an unknown instruction with one empty argument; the instruction layer rejects it.
                return new Parsed(List.of(""), false, null);
        }
    }

    /**
     * Takes the leading {@code --flag[=value]} words off {@code line} into {@code flags} and returns the rest.
     * Quotes in a flag are removed, a backslash escapes the next character, and {@code --} ends the flags.
     */
    static String extractBuilderFlags(String line, List<String> flags) {
        final int inSpaces = 0;
        final int inWord = 1;
        final int inQuote = 2;
        int[] cps = line.codePoints().toArray();
        int n = cps.length;
        int phase = inSpaces;
        StringBuilder word = new StringBuilder();
        int quote = 0;
        boolean blankOK = false;
        int ch = 0;
        for (int pos = 0; pos <= n; pos++) {
            if (pos != n) {
                ch = cps[pos];
            }
            if (phase == inSpaces) {
                if (pos == n) {
                    break;
                }
                if (GoStrings.isSpace(ch)) {
                    continue;
                }
                if (ch != '-' || pos + 1 == n || cps[pos + 1] != '-') {
                    return new String(cps, pos, n - pos);
                }
                phase = inWord;
            }
            if (pos == n) {
                if (!word.toString().equals("--") && (blankOK || word.length() > 0)) {
                    flags.add(word.toString());
                }
                break;
            }
            if (phase == inWord) {
                if (GoStrings.isSpace(ch)) {
                    phase = inSpaces;
                    if (word.toString().equals("--")) {
                        return new String(cps, pos, n - pos);
                    }
                    if (blankOK || word.length() > 0) {
                        flags.add(word.toString());
                    }
                    word.setLength(0);
                    blankOK = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOK = true;
                    phase = inQuote;
                    continue;
                }
                if (ch == '\\') {
                    if (pos + 1 == n) {
                        continue;
                    }
                    pos++;
                    ch = cps[pos];
                }
                word.appendCodePoint(ch);
                continue;
            }
            // inQuote
            if (ch == quote) {
                phase = inWord;
                continue;
            }
            if (ch == '\\') {
                if (pos + 1 == n) {
                    phase = inWord;
                    continue;
                }
                pos++;
                ch = cps[pos];
            }
            word.appendCodePoint(ch);
        }
        return "";
    }

    /**
     * Splits on white space outside quotes, keeping quotes and escapes as written (they are removed later, by
     * expansion). An escape character always takes the next character with it.
     */
    static List<String> parseWords(String rest, int escapeToken) {
        final int inSpaces = 0;
        final int inWord = 1;
        final int inQuote = 2;
        List<String> words = new ArrayList<>();
        int[] cps = rest.codePoints().toArray();
        int n = cps.length;
        int phase = inSpaces;
        int quote = 0;
        boolean blankOK = false;
        StringBuilder sb = new StringBuilder();
        int ch = 0;
        for (int pos = 0; pos <= n; pos++) {
            if (pos != n) {
                ch = cps[pos];
            }
            if (phase == inSpaces) {
                if (pos == n) {
                    break;
                }
                if (GoStrings.isSpace(ch)) {
                    continue;
                }
                phase = inWord;
            }
            if (pos == n) {
                if (blankOK || sb.length() > 0) {
                    words.add(sb.toString());
                }
                break;
            }
            if (phase == inWord) {
                if (GoStrings.isSpace(ch)) {
                    phase = inSpaces;
                    if (blankOK || sb.length() > 0) {
                        words.add(sb.toString());
                    }
                    sb.setLength(0);
                    blankOK = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOK = true;
                    phase = inQuote;
                }
                if (ch == escapeToken) {
                    if (pos + 1 == n) {
                        continue; // an escape at the end of the line is dropped
                    }
                    sb.appendCodePoint(ch);
                    pos++;
                    ch = cps[pos];
                }
                sb.appendCodePoint(ch);
                continue;
            }
            // inQuote
            if (ch == quote) {
                phase = inWord;
            }
            if (ch == escapeToken && quote != '\'') {
                if (pos + 1 == n) {
                    phase = inWord;
                    continue;
                }
                pos++;
                sb.appendCodePoint(ch);
                ch = cps[pos];
            }
            sb.appendCodePoint(ch);
        }
        return words;
    }

    private static Parsed parseNameVal(String rest, String key, Directives d) throws DockerfileException {
        List<String> words = parseWords(rest, d.escapeToken);
        if (words.isEmpty()) {
            return Parsed.NONE;
        }
        if (!words.get(0).contains("=")) {
            String[] parts = WHITESPACE.split(rest, 2);
            if (parts.length < 2) {
                throw new DockerfileException(key + " must have two arguments");
            }
            return new Parsed(List.of(parts[0], parts[1], ""), false, null);
        }
        List<String> args = new ArrayList<>();
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                throw new DockerfileException("Syntax error - can't find = in " + GoStrings.quote(word)
                        + ". Must be of the form: name=value");
            }
            args.add(word.substring(0, eq));
            args.add(word.substring(eq + 1));
            args.add("=");
        }
        return new Parsed(args, false, null);
    }

    private static Parsed parseWhitespaceDelimited(String rest) {
        if (rest.isEmpty()) {
            return Parsed.NONE;
        }
        return new Parsed(List.of(WHITESPACE.split(rest, -1)), false, null);
    }

    private static List<String> parseJson(String rest) throws DockerfileException {
        try {
            return JsonArray.parse(GoStrings.trimLeftSpace(rest));
        } catch (JsonArray.NotStringArray e) {
            throw new DockerfileException(e.getMessage());
        }
    }

    private static Parsed parseMaybeJson(String rest) throws DockerfileException {
        if (rest.isEmpty()) {
            return Parsed.NONE;
        }
        List<String> json = parseJson(rest);
        if (json != null) {
            return new Parsed(json, true, null);
        }
        return new Parsed(List.of(rest), false, null);
    }

    private static Parsed parseMaybeJsonToList(String rest) throws DockerfileException {
        List<String> json = parseJson(rest);
        if (json != null) {
            return new Parsed(json, true, null);
        }
        return parseWhitespaceDelimited(rest);
    }

    private static Parsed parseHealthConfig(String rest) throws DockerfileException {
        int sep = 0;
        while (sep < rest.length() && !isAsciiSpace(rest.charAt(sep))) {
            sep++;
        }
        int nextArg = sep;
        while (nextArg < rest.length() && isAsciiSpace(rest.charAt(nextArg))) {
            nextArg++;
        }
        if (sep == 0) {
            return Parsed.NONE;
        }
        Parsed cmd = parseMaybeJson(rest.substring(nextArg));
        List<String> args = new ArrayList<>();
        args.add(rest.substring(0, sep));
        args.addAll(cmd.args());
        return new Parsed(args, cmd.json(), null);
    }

    private static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** The here-documents a RUN, COPY or ADD line opens, in order. */
    static List<Heredoc> heredocsFromLine(String line) throws DockerfileException {
        ShellLexer lexer = new ShellLexer('\\').withRawQuotes(true).withRawEscapes(true).withSkipUnsetEnv(true);
        List<String> words;
        try {
            words = lexer.processWords(line, Map.of());
        } catch (DockerfileException e) {
            words = List.of(); // BuildKit ignores a line it cannot split
        }
        List<Heredoc> docs = new ArrayList<>();
        for (String word : words) {
            Heredoc doc = parseHeredoc(word);
            if (doc != null) {
                docs.add(doc);
            }
        }
        return docs;
    }

    /**
     * The here-document a word like {@code <<EOF}, {@code 3<<-"EOF"} opens, or {@code null} when the word is not
     * one. A quoted delimiter (or a quoted part of one) turns off expansion of the content.
     */
    public static Heredoc parseHeredoc(String word) throws DockerfileException {
        Matcher m = HEREDOC.matcher(word);
        if (!m.matches()) {
            return null;
        }
        int fd = 0;
        if (!m.group(1).isEmpty()) {
            try {
                fd = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                fd = 0;
            }
        }
        boolean chomp = m.group(2).equals("-");
        String rest = m.group(3);
        if (rest.isEmpty()) {
            return null;
        }
        ShellLexer lexer = new ShellLexer('\\').withSkipUnsetEnv(true);
        List<String> words = lexer.processWords(rest, Map.of());
        if (words.size() != 1) {
            return null;
        }
        List<String> raw = lexer.withRawQuotes(true).processWords(rest, Map.of());
        if (raw.size() != words.size()) {
            throw new DockerfileException("internal lexing of heredoc produced inconsistent results: " + rest);
        }
        String w = words.get(0);
        boolean expand = countQuotes(w) == countQuotes(raw.get(0));
        return new Heredoc(w, fd, expand, chomp, "");
    }

    private static int countQuotes(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                n++;
            }
        }
        return n;
    }
}
