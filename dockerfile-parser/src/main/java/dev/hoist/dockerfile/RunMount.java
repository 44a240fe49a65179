package dev.hoist.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One {@code RUN --mount=...}: a bind, cache, tmpfs, secret or ssh mount with its options, as BuildKit reads
 * them. Unset numbers are {@code null}; {@code sharing} is {@code ""} for the default (shared); {@code env} is
 * {@code null} unless a secret is exposed as an environment variable. Immutable.
 */
public record RunMount(String type, String from, String source, String target, boolean readOnly, String id,
                       String sharing, boolean required, Long mode, Long uid, Long gid, Long size, String env) {

    public static final String BIND = "bind";
    public static final String CACHE = "cache";
    public static final String TMPFS = "tmpfs";
    public static final String SECRET = "secret";
    public static final String SSH = "ssh";

    private static final List<String> TYPES = List.of(BIND, CACHE, TMPFS, SECRET, SSH);
    private static final List<String> SHARING = List.of("shared", "private", "locked");
    private static final List<String> KEYS = List.of("type", "from", "source", "target", "readonly", "id",
            "sharing", "required", "size", "mode", "uid", "gid", "src", "dst", "destination", "ro", "rw",
            "readwrite", "env");

    /**
     * Parses a mount spec ({@code type=cache,target=/root/.cache,sharing=locked}). Each value is passed through
     * {@code expander} first. With a {@code null} expander only what BuildKit checks before expansion is
     * checked (the CSV syntax, and that {@code from} has no variable) and the result holds only literal values.
     */
    public static RunMount parse(String spec, WordExpander expander) throws DockerfileException {
        List<String> fields = csvFields(spec);
        String type = BIND;
        String from = "";
        String source = "";
        String target = "";
        boolean readOnly = false;
        boolean roAuto = true;
        String id = "";
        String sharing = "";
        boolean required = false;
        Long mode = null;
        Long uid = null;
        Long gid = null;
        Long size = null;
        String env = null;
        for (String field : fields) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (eq < 0) {
                if (expander == null) {
                    continue;
                }
                switch (key) {
                    case "readonly", "ro" -> {
                        readOnly = true;
                        roAuto = false;
                    }
                    case "readwrite", "rw" -> {
                        readOnly = false;
                        roAuto = false;
                    }
                    case "required" -> {
                        if (!type.equals(SECRET) && !type.equals(SSH)) {
                            throw new DockerfileException("unexpected key '" + key + "' for mount type '" + type + "'");
                        }
                        required = true;
                    }
                    default -> throw new DockerfileException(
                            "invalid field '" + field + "' must be a key=value pair");
                }
                continue;
            }
            String value = field.substring(eq + 1);
            if (expander != null) {
                value = expander.expand(value);
            } else if (key.equals("from")) {
                int dollar = value.indexOf('$');
                if (dollar >= 0 && dollar != value.length() - 1) {
                    throw new DockerfileException("'" + key
                            + "' doesn't support variable expansion, define alias stage instead");
                }
            } else {
                continue; // evaluated once the values can be expanded
            }
            switch (key) {
                case "type" -> {
                    String t = value.toLowerCase(Locale.ROOT);
                    if (!TYPES.contains(t)) {
                        throw new DockerfileException(Suggest.wrap("unsupported mount type "
                                + dev.hoist.dockerfile.syntax.GoStrings.quote(value), value, TYPES, true));
                    }
                    type = t;
                }
                case "from" -> from = value;
                case "source", "src" -> source = value;
                case "target", "dst", "destination" -> target = value;
                case "readonly", "ro" -> {
                    readOnly = parseBool(key, value);
                    roAuto = false;
                }
                case "readwrite", "rw" -> {
                    readOnly = !parseBool(key, value);
                    roAuto = false;
                }
                case "required" -> {
                    if (!type.equals(SECRET) && !type.equals(SSH)) {
                        throw new DockerfileException("unexpected key '" + key + "' for mount type '" + type + "'");
                    }
                    required = parseBool(key, value);
                }
                case "size" -> {
                    if (!type.equals(TMPFS)) {
                        throw new DockerfileException("unexpected key '" + key + "' for mount type '" + type + "'");
                    }
                    size = ramInBytes(value);
                    if (size == null) {
                        throw new DockerfileException("invalid value for " + key + ": " + value);
                    }
                }
                case "id" -> id = value;
                case "sharing" -> {
                    String s = value.toLowerCase(Locale.ROOT);
                    if (!SHARING.contains(s)) {
                        throw new DockerfileException("unsupported sharing value "
                                + dev.hoist.dockerfile.syntax.GoStrings.quote(value));
                    }
                    sharing = s;
                }
                case "mode" -> mode = parseUint(value, 8, "mode");
                case "uid" -> uid = parseUint(value, 10, "uid");
                case "gid" -> gid = parseUint(value, 10, "gid");
                case "env" -> env = value;
                default -> throw new DockerfileException(Suggest.wrap(
                        "unexpected key '" + key + "' in '" + field + "'", key, KEYS, true));
            }
        }
        boolean fileInfoAllowed = type.equals(SECRET) || type.equals(SSH) || type.equals(CACHE);
        if (!fileInfoAllowed) {
            if (mode != null) {
                throw new DockerfileException("mode not allowed for \"" + type + "\" type mounts");
            }
            if (uid != null) {
                throw new DockerfileException("uid not allowed for \"" + type + "\" type mounts");
            }
            if (gid != null) {
                throw new DockerfileException("gid not allowed for \"" + type + "\" type mounts");
            }
        }
        if (roAuto) {
            readOnly = !(type.equals(CACHE) || type.equals(TMPFS));
        }
        if (!sharing.isEmpty() && !type.equals(CACHE)) {
            throw new DockerfileException("invalid cache sharing set for " + type + " mount");
        }
        if (type.equals(SECRET)) {
            if (!from.isEmpty()) {
                throw new DockerfileException("secret mount should not have a from");
            }
            if (!sharing.isEmpty()) {
                throw new DockerfileException("secret mount should not define sharing");
            }
            if (source.isEmpty() && target.isEmpty() && id.isEmpty() && env == null) {
                throw new DockerfileException("invalid secret mount. one of source, target required");
            }
            if (!source.isEmpty() && !id.isEmpty()) {
                throw new DockerfileException("both source and id can't be set");
            }
        }
        return new RunMount(type, from, source, target, readOnly, id, sharing, required, mode, uid, gid, size, env);
    }

    private static boolean parseBool(String key, String value) throws DockerfileException {
        // Go's strconv.ParseBool
        switch (value) {
            case "1", "t", "T", "TRUE", "true", "True":
                return true;
            case "0", "f", "F", "FALSE", "false", "False":
                return false;
            default:
                throw new DockerfileException("invalid value for " + key + ": " + value);
        }
    }

    private static Long parseUint(String value, int radix, String what) throws DockerfileException {
        try {
            if (value.isEmpty() || value.startsWith("+") || value.startsWith("-")) {
                throw new NumberFormatException();
            }
            long v = Long.parseLong(value, radix);
            if (v > 0xFFFF_FFFFL) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new DockerfileException("invalid value " + value + " for " + what);
        }
    }

    /**
     * docker/go-units {@code RAMInBytes}: {@code 64m}, {@code 1.5g}, {@code 100} (bytes), binary multiples. The
     * value is read as go-units' {@code (?i)^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$}, by hand (a regex costs a fresh
     * JVM milliseconds); of a number like {@code 1.2.3} only {@code 1.2} counts.
     */
    static Long ramInBytes(String value) {
        int n = value.length();
        int i = 0;
        while (i < n && isDigit(value.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return null;
        }
        while (i + 1 < n && value.charAt(i) == '.' && isDigit(value.charAt(i + 1))) {
            i += 2;
            while (i < n && isDigit(value.charAt(i))) {
                i++;
            }
        }
        String number = value.substring(0, i);
        if (i < n && value.charAt(i) == ' ') {
            i++;
        }
        char unit = 0;
        if (i < n && "kmgtpKMGTP".indexOf(value.charAt(i)) >= 0) {
            unit = value.charAt(i);
            i++;
        }
        if (i < n && (value.charAt(i) == 'i' || value.charAt(i) == 'I')) {
            i++;
        }
        if (i < n && (value.charAt(i) == 'b' || value.charAt(i) == 'B')) {
            i++;
        }
        if (i != n) {
            return null;
        }
        int firstDot = number.indexOf('.');
        int secondDot = firstDot < 0 ? -1 : number.indexOf('.', firstDot + 1);
        double size = Double.parseDouble(secondDot < 0 ? number : number.substring(0, secondDot));
        long mult = 1;
        if (unit != 0) {
            mult = switch (Character.toLowerCase(unit)) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                case 'g' -> 1L << 30;
                case 't' -> 1L << 40;
                default -> 1L << 50;
            };
        }
        return (long) (size * mult);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** One CSV record, as Go's {@code encoding/csv} reads a line: quoted fields, {@code ""} for a quote. */
    static List<String> csvFields(String line) throws DockerfileException {
        List<String> fields = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            StringBuilder f = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = line.charAt(i);
                    if (c == '"') {
                        if (i + 1 < n && line.charAt(i + 1) == '"') {
                            f.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        closed = true;
                        break;
                    }
                    f.append(c);
                    i++;
                }
                if (!closed || (i < n && line.charAt(i) != ',')) {
                    throw new DockerfileException("failed to parse csv mounts: parse error on line 1, column "
                            + (i + 1) + ": extraneous or missing \" in quoted-field");
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    if (line.charAt(i) == '"') {
                        throw new DockerfileException("failed to parse csv mounts: parse error on line 1, column "
                                + (i + 1) + ": bare \" in non-quoted-field");
                    }
                    f.append(line.charAt(i));
                    i++;
                }
            }
            fields.add(f.toString());
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }
}
