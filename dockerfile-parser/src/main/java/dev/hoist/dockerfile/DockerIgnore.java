package dev.hoist.dockerfile;

import dev.hoist.dockerfile.syntax.GoStrings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.PatternSyntaxException;

/**
 * A {@code .dockerignore} file as Docker reads it (moby/patternmatcher): Go {@code filepath.Match} syntax plus
 * {@code **}, {@code !} exceptions applied in order, comment lines starting with {@code #}, patterns and paths
 * cleaned with leading {@code /} and {@code ./} dropped, and a path excluded when it or one of its parent
 * directories matches. Immutable and thread-safe.
 */
public final class DockerIgnore {

    /** Ignores nothing. */
    public static final DockerIgnore EMPTY = new DockerIgnore(List.of());

    private enum MatchType { EXACT, PREFIX, SUFFIX, REGEXP }

    private record Rule(String pattern, boolean exclusion, MatchType type, java.util.regex.Pattern regex) {
        boolean matches(String path) {
            return switch (type) {
                case EXACT -> path.equals(pattern);
                case PREFIX -> path.startsWith(pattern.substring(0, pattern.length() - 2));
                case SUFFIX -> {
                    String suffix = pattern.substring(2);
                    yield path.endsWith(suffix) || (suffix.startsWith("/") && path.equals(suffix.substring(1)));
                }
                case REGEXP -> regex.matcher(path).matches();
            };
        }
    }

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Reads an ignore file; {@code name} is used in error messages. */
    public static DockerIgnore parse(String name, byte[] content) throws DockerfileException {
        String text = new String(content, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String> patterns = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.startsWith("#")) {
                continue;
            }
            String pattern = GoStrings.trimSpace(line);
            if (pattern.isEmpty()) {
                continue;
            }
            boolean invert = pattern.charAt(0) == '!';
            if (invert) {
                pattern = GoStrings.trimSpace(pattern.substring(1));
            }
            if (!pattern.isEmpty()) {
                pattern = clean(pattern);
                if (pattern.length() > 1 && pattern.charAt(0) == '/') {
                    pattern = pattern.substring(1);
                }
            }
            patterns.add(invert ? "!" + pattern : pattern);
            lineNumbers.add(i + 1);
        }
        return compile(name, patterns, lineNumbers);
    }

    /** An ignore list from patterns as they would appear in the file, one per element. */
    public static DockerIgnore of(List<String> patterns) throws DockerfileException {
        return compile(null, patterns, null);
    }

    private static DockerIgnore compile(String name, List<String> patterns, List<Integer> lineNumbers)
            throws DockerfileException {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            int line = lineNumbers == null ? 0 : lineNumbers.get(i);
            String p = GoStrings.trimSpace(patterns.get(i));
            if (p.isEmpty()) {
                continue;
            }
            p = clean(p);
            boolean exclusion = false;
            if (p.charAt(0) == '!') {
                if (p.length() == 1) {
                    throw new DockerfileException(name, line, 0, "illegal exclusion pattern: \"!\"");
                }
                exclusion = true;
                p = p.substring(1);
            }
            if (!GoGlob.isValid(p)) {
                throw new DockerfileException(name, line, 0, "syntax error in pattern " + GoStrings.quote(p));
            }
            try {
                rules.add(rule(p, exclusion));
            } catch (PatternSyntaxException e) {
                throw new DockerfileException(name, line, 0, "syntax error in pattern " + GoStrings.quote(p));
            }
        }
        return new DockerIgnore(rules);
    }

    /**
     * Where the ignore file of a build is: {@code NAME.dockerignore} next to a Dockerfile called NAME when it
     * exists, else {@code .dockerignore} at the root of the context, else none.
     */
    public static Optional<Path> locate(Path contextDir, Path dockerfile) {
        if (dockerfile != null && dockerfile.getFileName() != null) {
            Path specific = dockerfile.resolveSibling(dockerfile.getFileName() + ".dockerignore");
            if (Files.isRegularFile(specific)) {
                return Optional.of(specific);
            }
        }
        Path root = contextDir.resolve(".dockerignore");
        return Files.isRegularFile(root) ? Optional.of(root) : Optional.empty();
    }

    /**
     * The ignore list of a build: the file {@link #locate} finds (or none), never excluding the Dockerfile (when
     * it is inside the context) and the ignore file themselves, which Docker always sends.
     */
    public static DockerIgnore load(Path contextDir, Path dockerfile) throws IOException, DockerfileException {
        Optional<Path> file = locate(contextDir, dockerfile);
        DockerIgnore ignore = EMPTY;
        if (file.isPresent()) {
            ignore = parse(file.get().toString(), Files.readAllBytes(file.get()));
        }
        List<String> keep = new ArrayList<>();
        keep.add(".dockerignore");
        Path ctx = contextDir.toAbsolutePath().normalize();
        for (Path p : new Path[] {dockerfile, file.orElse(null)}) {
            if (p != null) {
                Path abs = p.toAbsolutePath().normalize();
                if (abs.startsWith(ctx)) {
                    keep.add(ctx.relativize(abs).toString().replace('\\', '/'));
                }
            }
        }
        return ignore.keeping(keep);
    }

    /** This list with exceptions added for each of {@code paths} that it would exclude. */
    public DockerIgnore keeping(List<String> paths) {
        List<Rule> more = new ArrayList<>(rules);
        for (String path : paths) {
            String p = relative(path);
            if (!p.equals(".") && excludes(p)) {
                more.add(rule(p, true));
            }
        }
        return more.size() == rules.size() ? this : new DockerIgnore(more);
    }

    /** The cleaned patterns, exceptions with their leading {@code !}. */
    public List<String> patterns() {
        List<String> out = new ArrayList<>(rules.size());
        for (Rule r : rules) {
            out.add(r.exclusion() ? "!" + r.pattern() : r.pattern());
        }
        return Collections.unmodifiableList(out);
    }

    /** Whether any pattern is an exception ({@code !}); then excluded directories must still be walked. */
    public boolean hasExceptions() {
        return rules.stream().anyMatch(Rule::exclusion);
    }

    /**
     * Whether {@code path} (relative to the context, {@code /}-separated) is left out of the context: the last
     * pattern that matches it or one of its parent directories decides. The context root is never excluded.
     */
    public boolean excludes(String path) {
        String file = relative(path);
        if (file.equals(".")) {
            return false;
        }
        int slash = file.lastIndexOf('/');
        String parent = slash < 0 ? "." : file.substring(0, slash);
        String[] parentDirs = parent.split("/", -1);
        boolean matched = false;
        for (Rule rule : rules) {
            if (rule.exclusion() != matched) {
                continue; // an inclusion after a match, or an exception before one, changes nothing
            }
            boolean match = rule.matches(file);
            if (!match && !parent.equals(".")) {
                StringBuilder prefix = new StringBuilder();
                for (int i = 0; i < parentDirs.length && !match; i++) {
                    if (i > 0) {
                        prefix.append('/');
                    }
                    prefix.append(parentDirs[i]);
                    match = rule.matches(prefix.toString());
                }
            }
            if (match) {
                matched = !rule.exclusion();
            }
        }
        return matched;
    }

    private static String relative(String path) {
        String p = clean(path.replace('\\', '/'));
        while (p.startsWith("/") && p.length() > 1) {
            p = p.substring(1);
        }
        return p.equals("/") ? "." : p;
    }

    /** patternmatcher's translation of a pattern into an exact, prefix, suffix or regular-expression match. */
    private static Rule rule(String pattern, boolean exclusion) {
        StringBuilder re = new StringBuilder("^");
        MatchType type = MatchType.EXACT;
        int[] cps = GoStrings.codePoints(pattern);
        boolean inClass = false;
        for (int i = 0; i < cps.length; i++) {
            int ch = cps[i];
            if (ch == '*') {
                if (i + 1 < cps.length && cps[i + 1] == '*') {
                    boolean atStart = i == 0;
                    i++;
                    if (i + 1 < cps.length && cps[i + 1] == '/') {
                        i++; // "**/" is "**"
                    }
                    if (i + 1 >= cps.length) {
                        if (type == MatchType.EXACT) {
                            type = MatchType.PREFIX;
                        } else {
                            re.append(".*");
                            type = MatchType.REGEXP;
                        }
                    } else {
                        re.append("(.*/)?");
                        type = MatchType.REGEXP;
                    }
                    if (atStart) {
                        type = MatchType.SUFFIX;
                    }
                } else {
                    re.append("[^/]*");
                    type = MatchType.REGEXP;
                }
            } else if (ch == '?') {
                re.append("[^/]");
                type = MatchType.REGEXP;
            } else if (".+()|{}$".indexOf(ch) >= 0) {
                re.append('\\').appendCodePoint(ch);
            } else if (ch == '\\') {
                if (i + 1 < cps.length) {
                    re.append('\\').appendCodePoint(cps[++i]);
                    type = MatchType.REGEXP;
                } else {
                    re.append("\\\\");
                }
            } else if (ch == '[' || ch == ']') {
                if (ch == '[' && inClass) {
                    re.append("\\["); // a literal in Go's syntax; Java would open a nested class
                } else {
                    re.append((char) ch);
                    inClass = ch == '[';
                }
                type = MatchType.REGEXP;
            } else if (ch == '&') {
                re.append("\\&"); // literal in Go; Java reads && in a class as an intersection
            } else {
                re.appendCodePoint(ch);
            }
        }
        java.util.regex.Pattern regex = null;
        if (type == MatchType.REGEXP) {
            re.append('$');
            regex = java.util.regex.Pattern.compile(re.toString(), java.util.regex.Pattern.UNIX_LINES);
        }
        return new Rule(pattern, exclusion, type, regex);
    }

    /** Go's {@code filepath.Clean} for {@code /}-separated paths. */
    static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        int n = path.length();
        StringBuilder out = new StringBuilder();
        int r = 0;
        int dotdot = 0;
        if (rooted) {
            out.append('/');
            r = 1;
            dotdot = 1;
        }
        while (r < n) {
            char c = path.charAt(r);
            if (c == '/') {
                r++;
            } else if (c == '.' && (r + 1 == n || path.charAt(r + 1) == '/')) {
                r++;
            } else if (c == '.' && path.charAt(r + 1) == '.' && (r + 2 == n || path.charAt(r + 2) == '/')) {
                r += 2;
                if (out.length() > dotdot) {
                    int w = out.length() - 1;
                    while (w > dotdot && out.charAt(w) != '/') {
                        w--;
                    }
                    out.setLength(w);
                } else if (!rooted) {
                    if (out.length() > 0) {
                        out.append('/');
                    }
                    out.append("..");
                    dotdot = out.length();
                }
            } else {
                if ((rooted && out.length() != 1) || (!rooted && out.length() != 0)) {
                    out.append('/');
                }
                while (r < n && path.charAt(r) != '/') {
                    out.append(path.charAt(r++));
                }
            }
        }
        return out.length() == 0 ? "." : out.toString();
    }
}
