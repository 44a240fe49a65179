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

/**
 * BuildKit's line parser: bytes to a {@link SyntaxTree}. It handles parser directives, comments, line
 * continuations, here-documents, flags and each instruction's way of splitting its arguments, and knows
 * nothing of what the instructions mean (unknown instructions pass; the instruction layer rejects them).
 * Stateless and thread-safe.
 *
 * <p>No regular expressions, lambdas or streams: BuildKit's regexes are scanned for by hand. Compiling a
 * {@code java.util.regex.Pattern} links the JDK's invokedynamic machinery and runs the regex engine in the
 * interpreter; in the fresh JVM of a {@code hoist build} that was most of the 6-10 ms the parse took.
 */
public final class SyntaxParser {

    /** Go's {@code bufio.MaxScanTokenSize}: a line with its newline may hold at most this many bytes. */
    static final int MAX_LINE_BYTES = 64 * 1024;

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
        boolean done;
        final Set<String> seen = new HashSet<>();
        final List<Directive> found = new ArrayList<>();

        void possibleDirective(String line, int lineNo) throws DockerfileException {
            if (done) {
                return;
            }
            if (!line.startsWith("#")) {
                done = true;
                return;
            }
            String[] keyValue = directive(GoStrings.trimLeftSpace(line.substring(1)));
            if (keyValue == null) {
                done = true;
                return;
            }
            String key = keyValue[0].toLowerCase(Locale.ROOT);
            if (!DIRECTIVE_NAMES.contains(key)) {
                done = true;
                return;
            }
            if (!seen.add(key)) {
                throw new DockerfileException(null, lineNo, 1, "only one " + key + " parser directive can be used");
            }
            String value = keyValue[1];
            if (key.equals("escape")) {
                if (!value.equals("`") && !value.equals("\\")) {
                    throw new DockerfileException(null, lineNo, 1,
                            "invalid escape token '" + value + "' does not match ` or \\");
                }
                escapeToken = value.charAt(0);
            }
            found.add(new Directive(key, value, lineNo));
        }

        /**
         * The line without its continuation character, or {@code null} when the line does not continue. BuildKit
         * asks {@code (?s)([^E])E[ \t]*\z|\AE[ \t]*\z} for escape character E: the line ends in E and spaces
         * or tabs, and E is the whole line or follows something other than E (an escaped escape does not
         * continue). The line is kept up to the E.
         */
        String trimContinuation(String line) {
            int end = line.length();
            while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
                end--;
            }
            if (end == 0 || line.charAt(end - 1) != escapeToken) {
                return null;
            }
            int token = end - 1;
            if (token > 0 && line.charAt(token - 1) == escapeToken) {
                return null;
            }
            return line.substring(0, token);
        }
    }

    /**
     * The key and value of a parser directive, the text after its {@code #}, as BuildKit's
     * {@code (?s)\A([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\z} reads it, or
     * {@code null} when it is not one. The value is trimmed of those five white-space characters; when nothing else
     * follows the {@code =}, the regex still takes the last of them as the value.
     */
    static String[] directive(String s) {
        int n = s.length();
        if (n == 0 || !isAsciiLetter(s.charAt(0))) {
            return null;
        }
        int i = 1;
        while (i < n && (isAsciiLetter(s.charAt(i)) || isAsciiDigit(s.charAt(i)))) {
            i++;
        }
        String key = s.substring(0, i);
        while (i < n && isDirectiveSpace(s.charAt(i))) {
            i++;
        }
        if (i == n || s.charAt(i) != '=') {
            return null;
        }
        i++;
        if (i == n) {
            return null;
        }
        int start = i;
        while (start < n && isDirectiveSpace(s.charAt(start))) {
            start++;
        }
        int end = n;
        while (end > start && isDirectiveSpace(s.charAt(end - 1))) {
            end--;
        }
        if (start == end) {
            return new String[] {key, s.substring(n - 1)};
        }
        return new String[] {key, s.substring(start, end)};
    }

    private static boolean isDirectiveSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** BuildKit splits arguments on {@code [\t\v\f\r ]+}: these five, not a newline or other Unicode space. */
    private static boolean isSplitSpace(char c) {
        return c == ' ' || c == '\t' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /**
     * {@code s} split at its first run of {@code [\t\v\f\r ]}: the text before it and the text after it, or
     * {@code s} alone when it has none (what {@code Pattern.split(s, 2)} returned).
     */
    static String[] splitFirst(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && !isSplitSpace(s.charAt(i))) {
            i++;
        }
        if (i == n) {
            return new String[] {s};
        }
        int j = i + 1;
        while (j < n && isSplitSpace(s.charAt(j))) {
            j++;
        }
        return new String[] {s.substring(0, i), s.substring(j)};
    }

    /**
     * {@code s} split at every run of {@code [\t\v\f\r ]}, keeping a leading and a trailing empty string (what
     * {@code Pattern.split(s, -1)} returned).
     */
    static List<String> splitAll(String s) {
        List<String> out = new ArrayList<>();
        int n = s.length();
        int start = 0;
        int i = 0;
        while (i < n) {
            if (!isSplitSpace(s.charAt(i))) {
                i++;
                continue;
            }
            out.add(s.substring(start, i));
            i++;
            while (i < n && isSplitSpace(s.charAt(i))) {
                i++;
            }
            start = i;
        }
        out.add(s.substring(start));
        return out;
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
        String[] cmdline = splitFirst(trimmed);
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
        int[] cps = GoStrings.codePoints(line);
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
        int[] cps = GoStrings.codePoints(rest);
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
            String[] parts = splitFirst(rest);
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
        return new Parsed(splitAll(rest), false, null);
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
     * one. A quoted delimiter (or a quoted part of one) turns off expansion of the content. The word is read as
     * BuildKit's {@code (?s)\A([0-9]*)<<(-?)([^<]*)\z}: digits, {@code <<}, an optional {@code -}, then no more
     * {@code <}.
     */
    public static Heredoc parseHeredoc(String word) throws DockerfileException {
        int digits = 0;
        while (digits < word.length() && isAsciiDigit(word.charAt(digits))) {
            digits++;
        }
        if (!word.startsWith("<<", digits)) {
            return null;
        }
        int restStart = digits + 2;
        boolean chomp = restStart < word.length() && word.charAt(restStart) == '-';
        if (chomp) {
            restStart++;
        }
        if (word.indexOf('<', restStart) >= 0) {
            return null;
        }
        int fd = 0;
        if (digits > 0) {
            try {
                fd = Integer.parseInt(word.substring(0, digits));
            } catch (NumberFormatException e) {
                fd = 0;
            }
        }
        String rest = word.substring(restStart);
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
