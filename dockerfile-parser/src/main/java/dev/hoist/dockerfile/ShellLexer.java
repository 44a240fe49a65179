package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.GoStrings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Shell-word expansion as BuildKit's lexer does it: quotes, the escape character, {@code $VAR} and the
 * {@code ${VAR...}} forms ({@code :- - :+ + :? ? # ## % %% / //}), and word splitting after expansion.
 * Variables are looked up case-sensitively in the map given to each call; a key that is absent is unset, a key
 * mapped to {@code ""} is set and empty. Immutable and thread-safe; every call keeps its own state.
 */
public final class ShellLexer {

    /** The result of one expansion: the word, the words it splits into, and the variables it looked up. */
    public record Result(String word, List<String> words, Set<String> matched, Set<String> unmatched) {
        public Result {
            words = List.copyOf(words);
            matched = Collections.unmodifiableSet(new LinkedHashSet<>(matched));
            unmatched = Collections.unmodifiableSet(new LinkedHashSet<>(unmatched));
        }
    }

    private static final int EOF = -1;

    private final int escapeToken;
    private final boolean rawQuotes;
    private final boolean rawEscapes;
    private final boolean skipProcessQuotes;
    private final boolean skipUnsetEnv;

    /** A lexer with the given escape character, {@code '\\'} or {@code '`'}. */
    public ShellLexer(char escapeToken) {
        this(escapeToken, false, false, false, false);
    }

    private ShellLexer(int escapeToken, boolean rawQuotes, boolean rawEscapes, boolean skipProcessQuotes,
                       boolean skipUnsetEnv) {
        if (escapeToken != '\\' && escapeToken != '`') {
            throw new IllegalArgumentException("escape token must be \\ or `, not " + (char) escapeToken);
        }
        this.escapeToken = escapeToken;
        this.rawQuotes = rawQuotes;
        this.rawEscapes = rawEscapes;
        this.skipProcessQuotes = skipProcessQuotes;
        this.skipUnsetEnv = skipUnsetEnv;
    }

    /** The escape character. */
    public char escapeToken() {
        return (char) escapeToken;
    }

    /** A copy that keeps quote characters in its output (BuildKit's {@code RawQuotes}). */
    public ShellLexer withRawQuotes(boolean on) {
        return new ShellLexer(escapeToken, on, rawEscapes, skipProcessQuotes, skipUnsetEnv);
    }

    /** A copy that keeps escape characters in its output (BuildKit's {@code RawEscapes}). */
    public ShellLexer withRawEscapes(boolean on) {
        return new ShellLexer(escapeToken, rawQuotes, on, skipProcessQuotes, skipUnsetEnv);
    }

    /** A copy that treats quotes as ordinary characters (BuildKit's {@code SkipProcessQuotes}). */
    public ShellLexer withSkipProcessQuotes(boolean on) {
        return new ShellLexer(escapeToken, rawQuotes, rawEscapes, on, skipUnsetEnv);
    }

    /** A copy that leaves references to unset variables as written (BuildKit's {@code SkipUnsetEnv}). */
    public ShellLexer withSkipUnsetEnv(boolean on) {
        return new ShellLexer(escapeToken, rawQuotes, rawEscapes, skipProcessQuotes, on);
    }

    /** Expands {@code word} into one string, keeping the spaces between its words. */
    public String processWord(String word, Map<String, String> env) throws DockerfileException {
        return process(word, env).word();
    }

    /** Expands {@code word} and splits the result into words, as a shell would, honouring quotes. */
    public List<String> processWords(String word, Map<String, String> env) throws DockerfileException {
        return process(word, env).words();
    }

    /** Expands {@code word}; the result has both the single word and the split words. */
    public Result process(String word, Map<String, String> env) throws DockerfileException {
        Run run = new Run(word, env);
        try {
            Run.Out out = run.processStopOn(EOF, rawEscapes);
            return new Result(out.result, out.words, run.matched, run.unmatched);
        } catch (LexError e) {
            throw new DockerfileException("failed to process " + GoStrings.quote(word) + ": " + e.getMessage());
        }
    }

    /** An expansion error, before the word it happened in is added to the message. */
    private static final class LexError extends Exception {
        private static final long serialVersionUID = 1L;

        LexError(String message) {
            super(message, null, false, false);
        }
    }

    /** The state of one call: the scanner position, the current raw-escapes mode, the names looked up. */
    private final class Run {
        private final int[] cps;
        private final Map<String, String> env;
        private final Set<String> matched = new LinkedHashSet<>();
        private final Set<String> unmatched = new LinkedHashSet<>();
        private int pos;
        private boolean rawEsc = rawEscapes;

        Run(String word, Map<String, String> env) {
            this.cps = GoStrings.codePoints(word);
            this.env = env;
            // Go's text/scanner drops a byte-order mark at the very start of its input.
            this.pos = cps.length > 0 && cps[0] == 0xFEFF ? 1 : 0;
        }

        private int peek() {
            return pos < cps.length ? cps[pos] : EOF;
        }

        private int next() {
            return pos < cps.length ? cps[pos++] : EOF;
        }

        final class Out {
            final String result;
            final List<String> words;

            Out(String result, List<String> words) {
                this.result = result;
                this.words = words;
            }
        }

        Out processStopOn(int stopChar, boolean raw) throws LexError {
            boolean saved = rawEsc;
            rawEsc = raw;
            try {
                StringBuilder result = new StringBuilder();
                Words words = new Words();
                while (peek() != EOF) {
                    int ch = peek();
                    if (stopChar != EOF && ch == stopChar) {
                        next();
                        return new Out(result.toString(), words.getWords());
                    }
                    if (ch == '$' || (!skipProcessQuotes && (ch == '\'' || ch == '"'))) {
                        String tmp = ch == '$' ? processDollar() : ch == '\'' ? processSingleQuote() : processDoubleQuote();
                        result.append(tmp);
                        if (ch == '$') {
                            words.addString(tmp);
                        } else {
                            words.addRawString(tmp);
                        }
                        continue;
                    }
                    ch = next();
                    if (ch == escapeToken) {
                        if (rawEsc) {
                            words.addRawChar(ch);
                            result.appendCodePoint(ch);
                        }
                        ch = next();
                        if (ch == EOF) {
                            break;
                        }
                        words.addRawChar(ch);
                    } else {
                        words.addChar(ch);
                    }
                    result.appendCodePoint(ch);
                }
                if (stopChar != EOF) {
                    throw new LexError("unexpected end of statement while looking for matching "
                            + new String(Character.toChars(stopChar)));
                }
                return new Out(result.toString(), words.getWords());
            } finally {
                rawEsc = saved;
            }
        }

        private String processSingleQuote() throws LexError {
            StringBuilder result = new StringBuilder();
            int ch = next();
            if (rawQuotes) {
                result.appendCodePoint(ch);
            }
            while (true) {
                ch = next();
                if (ch == EOF) {
                    throw new LexError("unexpected end of statement while looking for matching single-quote");
                }
                if (ch == '\'') {
                    if (rawQuotes) {
                        result.appendCodePoint(ch);
                    }
                    return result.toString();
                }
                result.appendCodePoint(ch);
            }
        }

        private String processDoubleQuote() throws LexError {
            StringBuilder result = new StringBuilder();
            int ch = next();
            if (rawQuotes) {
                result.appendCodePoint(ch);
            }
            while (true) {
                int p = peek();
                if (p == EOF) {
                    throw new LexError("unexpected end of statement while looking for matching double-quote");
                }
                if (p == '"') {
                    ch = next();
                    if (rawQuotes) {
                        result.appendCodePoint(ch);
                    }
                    return result.toString();
                }
                if (p == '$') {
                    result.append(processDollar());
                    continue;
                }
                ch = next();
                if (ch == escapeToken) {
                    if (rawEsc) {
                        result.appendCodePoint(ch);
                    }
                    int after = peek();
                    if (after == EOF) {
                        continue; // an escape at the very end is dropped; the missing quote is reported next
                    }
                    if (after == '"' || after == '$' || after == escapeToken) {
                        ch = next();
                    }
                }
                result.appendCodePoint(ch);
            }
        }

        private String processDollar() throws LexError {
            next(); // the '$'
            if (peek() != '{') {
                String name = processName();
                if (name.isEmpty()) {
                    return "$";
                }
                String value = getEnv(name);
                if (value == null && skipUnsetEnv) {
                    return "$" + name;
                }
                return value == null ? "" : value;
            }
            next(); // the '{'
            int p = peek();
            if (p == EOF) {
                throw new LexError("syntax error: missing '}'");
            }
            if (p == '{' || p == '}' || p == ':') {
                throw new LexError("syntax error: bad substitution");
            }
            String name = processName();
            int ch = next();
            if (ch == EOF) {
                throw new LexError("syntax error: missing '}'");
            }
            String chs = new String(Character.toChars(ch));
            boolean nullIsUnset = false;
            switch (ch) {
                case '}': {
                    String value = getEnv(name);
                    if (value == null && skipUnsetEnv) {
                        return "${" + name + "}";
                    }
                    return value == null ? "" : value;
                }
                case ':':
                    nullIsUnset = true;
                    ch = next();
                    chs += ch == EOF ? "" : new String(Character.toChars(ch));
                    // fall through to the modifiers
                case '+':
                case '-':
                case '?':
                case '#':
                case '%': {
                    boolean patternEscapes = ch == '#' || ch == '%';
                    if (nullIsUnset && patternEscapes) {
                        throw new LexError("unsupported modifier (" + chs + ") in substitution");
                    }
                    String word = stopOnBrace(patternEscapes);
                    String value = getEnv(name);
                    boolean set = value != null;
                    if (skipUnsetEnv && !set) {
                        return "${" + name + chs + word + "}";
                    }
                    if (!set) {
                        value = "";
                    }
                    switch (ch) {
                        case '-':
                            return !set || (nullIsUnset && value.isEmpty()) ? word : value;
                        case '+':
                            return !set || (nullIsUnset && value.isEmpty()) ? "" : word;
                        case '?':
                            if (!set) {
                                throw new LexError(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                            }
                            if (nullIsUnset && value.isEmpty()) {
                                throw new LexError(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
                            }
                            return value;
                        case '%':
                        case '#': {
                            boolean greedy = false;
                            if (!word.isEmpty() && word.charAt(0) == ch) {
                                greedy = true;
                                word = word.substring(1);
                            }
                            return ch == '%' ? trimSuffix(word, value, greedy) : trimPrefix(word, value, greedy);
                        }
                        default:
                            throw new LexError("unsupported modifier (" + chs + ") in substitution");
                    }
                }
                case '/': {
                    boolean replaceAll = peek() == '/';
                    if (replaceAll) {
                        next();
                    }
                    String pattern;
                    try {
                        pattern = processStopOn('/', true).result;
                    } catch (LexError e) {
                        if (peek() == EOF) {
                            throw new LexError("syntax error: missing '/' in ${}");
                        }
                        throw e;
                    }
                    String replacement = stopOnBrace(true);
                    String value = getEnv(name);
                    if (skipUnsetEnv && value == null) {
                        return "${" + name + "/" + pattern + "/" + replacement + "}";
                    }
                    if (value == null) {
                        value = "";
                    }
                    return replaceAll ? replaceAll(pattern, value, replacement) : replaceFirst(pattern, value, replacement);
                }
                default:
                    throw new LexError("unsupported modifier (" + chs + ") in substitution");
            }
        }

        private String stopOnBrace(boolean raw) throws LexError {
            try {
                return processStopOn('}', raw).result;
            } catch (LexError e) {
                if (peek() == EOF) {
                    throw new LexError("syntax error: missing '}'");
                }
                throw e;
            }
        }

        private String processName() {
            StringBuilder name = new StringBuilder();
            while (peek() != EOF) {
                int ch = peek();
                if (name.length() == 0 && Character.isDigit(ch)) {
                    while (peek() != EOF && Character.isDigit(peek())) {
                        name.appendCodePoint(next());
                    }
                    return name.toString();
                }
                if (name.length() == 0 && isSpecialParam(ch)) {
                    return new String(Character.toChars(next()));
                }
                if (!Character.isLetter(ch) && !Character.isDigit(ch) && ch != '_') {
                    break;
                }
                name.appendCodePoint(next());
            }
            return name.toString();
        }

        /** The value of {@code name}, or {@code null} when it is unset. */
        private String getEnv(String name) {
            String v = env.get(name);
            if (v != null) {
                matched.add(name);
            } else {
                unmatched.add(name);
            }
            return v;
        }
    }

    private static boolean isSpecialParam(int ch) {
        return switch (ch) {
            case '@', '*', '#', '?', '-', '$', '!', '0' -> true;
            default -> false;
        };
    }

    /** Go's word accumulator: splits on unquoted white space, keeps quoted text whole. */
    private static final class Words {
        private final StringBuilder buf = new StringBuilder();
        private final List<String> words = new ArrayList<>();
        private boolean inWord;

        void addChar(int ch) {
            if (GoStrings.isSpace(ch) && inWord) {
                if (buf.length() != 0) {
                    words.add(buf.toString());
                    buf.setLength(0);
                    inWord = false;
                }
            } else if (!GoStrings.isSpace(ch)) {
                addRawChar(ch);
            }
        }

        void addRawChar(int ch) {
            buf.appendCodePoint(ch);
            inWord = true;
        }

        void addString(String s) {
            // a loop, not codePoints().forEach(this::addChar): a fresh JVM pays for every stream and method reference
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                addChar(cp);
                i += Character.charCount(cp);
            }
        }

        void addRawString(String s) {
            buf.append(s);
            inWord = true;
        }

        List<String> getWords() {
            if (buf.length() > 0) {
                words.add(buf.toString());
                buf.setLength(0);
                inWord = false;
            }
            return words;
        }
    }

    /** The pattern, or the lexer's error for a bad escape in it. See {@link ShellPattern} on why not a regex. */
    private static ShellPattern compile(String pattern, boolean greedy) throws LexError {
        try {
            return ShellPattern.compile(pattern, greedy);
        } catch (ShellPattern.InvalidPattern e) {
            throw new LexError(e.getMessage());
        }
    }

    /** {@code ${var#pattern}} ({@code ##} when greedy): the value without its shortest (longest) matching prefix. */
    static String trimPrefix(String pattern, String value, boolean greedy) throws LexError {
        int end = compile(pattern, greedy).matchPrefix(value);
        return end >= 0 ? value.substring(end) : value;
    }

    /** {@code ${var%pattern}} ({@code %%} when greedy): the value without its shortest (longest) matching suffix. */
    static String trimSuffix(String pattern, String value, boolean greedy) throws LexError {
        // Patterns match leftmost, as BuildKit's regular expressions do, which cannot find the shortest rightmost
        // match: reverse both pattern and value and trim the prefix, as BuildKit does.
        return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
    }

    /** Reverses a pattern, keeping each backslash in front of the character it escapes. */
    static String reversePattern(String pattern) {
        int[] in = GoStrings.codePoints(pattern);
        int[] out = new int[in.length];
        int last = in.length - 1;
        for (int i = 0; i <= last; ) {
            int tok = in[i];
            int outIdx = last - i;
            if (tok == '\\' && i != last) {
                out[outIdx - 1] = tok;
                out[outIdx] = in[i + 1];
                i += 2;
            } else {
                out[outIdx] = tok;
                i++;
            }
        }
        return new String(out, 0, out.length);
    }

    private static String reverse(String s) {
        int[] cps = GoStrings.codePoints(s);
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = cps.length - 1; i >= 0; i--) {
            sb.appendCodePoint(cps[i]);
        }
        return sb.toString();
    }

    /** {@code ${var/pattern/string}}: the value with its leftmost match (stars greedy) replaced. */
    static String replaceFirst(String pattern, String value, String replacement) throws LexError {
        int[] m = compile(pattern, true).find(value, 0);
        return m == null ? value : value.substring(0, m[0]) + replacement + value.substring(m[1]);
    }

    /**
     * {@code ${var//pattern/string}}, as Go's {@code Regexp.ReplaceAllString}: empty matches right after a match
     * are skipped, {@code $} expands.
     */
    static String replaceAll(String pattern, String src, String template) throws LexError {
        ShellPattern re = compile(pattern, true);
        StringBuilder buf = new StringBuilder();
        int lastMatchEnd = 0;
        int searchPos = 0;
        int end = src.length();
        while (searchPos <= end) {
            int[] m = re.find(src, searchPos);
            if (m == null) {
                break;
            }
            int s = m[0];
            int e = m[1];
            buf.append(src, lastMatchEnd, s);
            if (e > lastMatchEnd || s == 0) {
                expandTemplate(buf, template, src.substring(s, e));
            }
            lastMatchEnd = e;
            int width = searchPos < end ? Character.charCount(src.codePointAt(searchPos)) : 0;
            if (searchPos + width > e) {
                searchPos += width;
            } else if (searchPos + 1 > e) {
                searchPos++;
            } else {
                searchPos = e;
            }
        }
        buf.append(src, lastMatchEnd, end);
        return buf.toString();
    }

    /** Go's {@code Regexp.Expand} for an expression without groups: {@code $0} is the match, {@code $$} a dollar. */
    private static void expandTemplate(StringBuilder dst, String template, String match) {
        int i = 0;
        while (i < template.length()) {
            int d = template.indexOf('$', i);
            if (d < 0) {
                dst.append(template, i, template.length());
                return;
            }
            dst.append(template, i, d);
            i = d + 1;
            if (i < template.length() && template.charAt(i) == '$') {
                dst.append('$');
                i++;
                continue;
            }
            int j = i;
            boolean brace = j < template.length() && template.charAt(j) == '{';
            if (brace) {
                j++;
            }
            int nameStart = j;
            while (j < template.length()) {
                int cp = template.codePointAt(j);
                if (!Character.isLetter(cp) && !Character.isDigit(cp) && cp != '_') {
                    break;
                }
                j += Character.charCount(cp);
            }
            String name = template.substring(nameStart, j);
            if (name.isEmpty() || (brace && (j >= template.length() || template.charAt(j) != '}'))) {
                dst.append('$'); // malformed: the dollar is literal
                continue;
            }
            if (brace) {
                j++;
            }
            i = j;
            if (name.equals("0")) {
                dst.append(match);
            }
            // any other group or name does not exist and expands to nothing
        }
    }
}
