package dev.hoist.runtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and writes the files of a container's directory (state.json, status, pid); stateless, thread-safe. */
final class StateFiles {

    static final String STATE = "state.json";
    static final String CONFIG = "init.conf";
    static final String LOG = "container.log";
    static final String HELPER = "helper.pid";
    /** The pid of the JVM that removes the container when it exits, beside {@link #HELPER}. */
    static final String OWNER = "owner.pid";

    /** What is written once at start. */
    record Saved(String id, ContainerInfo info, List<String> command, String created, long helperPid,
                 ContainerState.Settings settings) {
    }

    /**
     * Streaming only: {@code ps} starts cold, and data binding's first use costs tens of ms. In a holder: the
     * factory's set-up costs milliseconds, and {@code hoist run} only writes.
     */
    private static final class Json {
        static final JsonFactory FACTORY = new JsonFactory();
    }

    private StateFiles() {
    }

    static void writeSaved(Path dir, Saved saved) throws IOException {
        Path tmp = dir.resolve(STATE + ".tmp");
        Files.write(tmp, toJson(saved));
        Files.move(tmp, dir.resolve(STATE), StandardCopyOption.ATOMIC_MOVE);
    }

    static Optional<Saved> readSaved(Path dir) {
        try {
            return Optional.of(fromJson(Files.readAllBytes(dir.resolve(STATE))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code state.json}: one flat object, {"id":…,"name":…,"image":…,"command":[…],"created":…,"helperPid":…} and the
     * other members of {@link ContainerInfo} and {@link ContainerState.Settings} under their names (limits as
     * memory, memorySwap, nanoCpus, cpuShares, pidsLimit; mounts as objects); a null list or string as null.
     * Written by hand: every {@code hoist run} writes one, and a JSON generator's set-up costs it milliseconds.
     */
    static byte[] toJson(Saved saved) {
        ContainerInfo info = saved.info();
        ContainerState.Settings s = saved.settings();
        StringBuilder j = new StringBuilder(512).append('{');
        member(j, "id").append(string(saved.id()));
        member(j, "name").append(string(info.name()));
        member(j, "image").append(string(info.image()));
        member(j, "imageId").append(string(info.imageId()));
        member(j, "command").append(strings(saved.command()));
        member(j, "entrypoint").append(strings(info.entrypoint()));
        member(j, "cmd").append(strings(info.cmd()));
        member(j, "labels").append('{');
        boolean first = true;
        for (String k : new java.util.TreeSet<>(info.labels().keySet())) {
            j.append(first ? "" : ",").append(string(k)).append(':').append(string(info.labels().get(k)));
            first = false;
        }
        j.append('}');
        member(j, "autoRemove").append(info.autoRemove());
        member(j, "writableLayer").append(string(info.writableLayer() == null ? null : info.writableLayer().toString()));
        member(j, "created").append(string(saved.created()));
        member(j, "helperPid").append(saved.helperPid());
        member(j, "env").append(strings(s.env()));
        member(j, "cwd").append(string(s.cwd()));
        member(j, "user").append(string(s.user()));
        member(j, "hostname").append(string(s.hostname()));
        member(j, "network").append(string(s.network().id()));
        member(j, "memory").append(s.limits().memoryBytes());
        member(j, "memorySwap").append(s.limits().memorySwapBytes());
        member(j, "nanoCpus").append(Math.round(s.limits().cpus() * 1e9));
        member(j, "cpuShares").append(s.limits().cpuShares());
        member(j, "pidsLimit").append(s.limits().pidsLimit());
        member(j, "readOnly").append(s.readOnly());
        member(j, "init").append(s.init());
        member(j, "tty").append(s.tty());
        member(j, "interactive").append(s.interactive());
        member(j, "detached").append(s.detached());
        member(j, "mounts").append('[');
        for (int i = 0; i < s.mounts().size(); i++) {
            Mount m = s.mounts().get(i);
            j.append(i == 0 ? "{" : ",{").append("\"type\":").append(m.type() == Mount.Type.BIND ? "\"bind\"" : "\"tmpfs\"");
            member(j, "source").append(string(m.source() == null ? null : m.source().toString()));
            member(j, "destination").append(string(m.destination()));
            member(j, "readOnly").append(m.readOnly());
            member(j, "options").append(string(m.options())).append('}');
        }
        return j.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Appends {@code ,"name":}, without the comma right after an opening brace. */
    private static StringBuilder member(StringBuilder j, String name) {
        return j.append(j.charAt(j.length() - 1) == '{' ? "\"" : ",\"").append(name).append("\":");
    }

    private static String strings(List<String> values) {
        if (values == null) {
            return "null";
        }
        StringBuilder a = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            a.append(i == 0 ? "" : ",").append(string(values.get(i)));
        }
        return a.append(']').toString();
    }

    /** A JSON string (or null): quotes, backslashes and control characters escaped. */
    static String string(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /**
     * Reads what {@link #toJson} wrote, ignoring members it does not know; a member that is missing (a file of an
     * older hoist) takes its default: empty, false, zero, no network.
     *
     * @throws IOException if the bytes are not such an object (a member of the wrong type included)
     */
    static Saved fromJson(byte[] bytes) throws IOException {
        String id = null;
        String name = null;
        String image = null;
        String imageId = null;
        List<String> command = null;
        List<String> entrypoint = null;
        List<String> cmd = null;
        java.util.Map<String, String> labels = new java.util.HashMap<>();
        boolean autoRemove = false;
        String writableLayer = null;
        String created = null;
        long helperPid = 0;
        List<String> env = List.of();
        String cwd = "/";
        String user = "";
        String hostname = "";
        NetworkMode network = NetworkMode.NONE;
        long memory = 0;
        long memorySwap = 0;
        long nanoCpus = 0;
        long cpuShares = 0;
        long pidsLimit = 0;
        boolean readOnly = false;
        boolean init = false;
        boolean tty = false;
        boolean interactive = false;
        boolean detached = false;
        List<Mount> mounts = new ArrayList<>();
        try (JsonParser p = Json.FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("state.json is not a JSON object");
            }
            for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                p.nextToken();
                switch (field) {
                    case "id" -> id = string(p, field);
                    case "name" -> name = string(p, field);
                    case "image" -> image = string(p, field);
                    case "imageId" -> imageId = string(p, field);
                    case "created" -> created = string(p, field);
                    case "helperPid" -> helperPid = number(p, field);
                    case "command" -> command = list(p, field);
                    case "entrypoint" -> entrypoint = list(p, field);
                    case "cmd" -> cmd = list(p, field);
                    case "labels" -> {
                        expect(p, JsonToken.START_OBJECT, field);
                        for (String k = p.nextFieldName(); k != null; k = p.nextFieldName()) {
                            p.nextToken();
                            labels.put(k, string(p, field));
                        }
                    }
                    case "autoRemove" -> autoRemove = bool(p, field);
                    case "writableLayer" -> writableLayer = string(p, field);
                    case "env" -> env = list(p, field);
                    case "cwd" -> cwd = string(p, field);
                    case "user" -> user = string(p, field);
                    case "hostname" -> hostname = string(p, field);
                    case "network" -> {
                        try {
                            network = NetworkMode.parse(string(p, field));
                        } catch (IllegalArgumentException | NullPointerException e) {
                            throw new IOException("state.json: network is not a network mode");
                        }
                    }
                    case "memory" -> memory = number(p, field);
                    case "memorySwap" -> memorySwap = number(p, field);
                    case "nanoCpus" -> nanoCpus = number(p, field);
                    case "cpuShares" -> cpuShares = number(p, field);
                    case "pidsLimit" -> pidsLimit = number(p, field);
                    case "readOnly" -> readOnly = bool(p, field);
                    case "init" -> init = bool(p, field);
                    case "tty" -> tty = bool(p, field);
                    case "interactive" -> interactive = bool(p, field);
                    case "detached" -> detached = bool(p, field);
                    case "mounts" -> {
                        expect(p, JsonToken.START_ARRAY, field);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            mounts.add(mount(p));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        Limits limits;
        ContainerInfo info;
        try {
            limits = new Limits(memory, memorySwap, nanoCpus / 1e9, (int) cpuShares, pidsLimit);
            info = new ContainerInfo(name, image, imageId, entrypoint, cmd, labels, autoRemove,
                    writableLayer == null ? null : Path.of(writableLayer));
        } catch (IllegalArgumentException e) {
            throw new IOException("state.json: " + e.getMessage());
        }
        return new Saved(id, info, command, created, helperPid, new ContainerState.Settings(env == null ? List.of() : env,
                cwd, user, hostname, network, limits, readOnly, init, tty, interactive, mounts, detached));
    }

    private static Mount mount(JsonParser p) throws IOException {
        String type = null;
        String source = null;
        String destination = null;
        boolean readOnly = false;
        String options = "";
        for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
            p.nextToken();
            switch (field) {
                case "type" -> type = string(p, field);
                case "source" -> source = string(p, field);
                case "destination" -> destination = string(p, field);
                case "readOnly" -> readOnly = bool(p, field);
                case "options" -> options = string(p, field);
                default -> p.skipChildren();
            }
        }
        try {
            return "bind".equals(type) ? Mount.bind(Path.of(source), destination, readOnly)
                    : new Mount(Mount.Type.TMPFS, null, destination, readOnly, options);
        } catch (RuntimeException e) {
            throw new IOException("state.json: a mount is not valid: " + e.getMessage());
        }
    }

    private static void expect(JsonParser p, JsonToken token, String field) throws IOException {
        if (p.currentToken() != token) {
            throw new IOException("state.json: " + field + " has a value of the wrong type");
        }
    }

    private static List<String> list(JsonParser p, String field) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, JsonToken.START_ARRAY, field);
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String s = string(p, field);
            if (s == null) {
                throw new IOException("state.json: " + field + " holds a null");
            }
            out.add(s);
        }
        return out;
    }

    private static long number(JsonParser p, String field) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return 0;
        }
        expect(p, JsonToken.VALUE_NUMBER_INT, field);
        return p.getLongValue();
    }

    private static boolean bool(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_TRUE && p.currentToken() != JsonToken.VALUE_FALSE) {
            throw new IOException("state.json: " + field + " is not true or false");
        }
        return p.getBooleanValue();
    }

    private static String string(JsonParser p, String field) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> p.getText();
            case VALUE_NULL -> null;
            default -> throw new IOException("state.json: " + field + " has a value that is not a string");
        };
    }

    /** Whether {@code pid} is a live (not zombie) hoist-init holding the container in {@code dir}. */
    static boolean helperAlive(long pid, Path dir) {
        try {
            Path proc = Path.of("/proc", Long.toString(pid));
            String stat = Files.readString(proc.resolve("stat"));
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) == 'Z') {
                return false;
            }
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            return cmdline.contains(dir.resolve(CONFIG).toString());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * {@code t} as {@link Instant#toString()} writes it, for years 1970 to 9999, without java.time's formatting and
     * calendar classes, whose set-up costs every {@code hoist run} a millisecond (CONTRIBUTING.md, "Start-up paths").
     */
    static String iso(Instant t) {
        long seconds = t.getEpochSecond();
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        long[] date = dev.hoist.oci.Rfc3339.civil(Math.floorDiv(seconds, 86_400));
        StringBuilder out = new StringBuilder(30);
        pad(out, date[0], 4).append('-');
        pad(out, date[1], 2).append('-');
        pad(out, date[2], 2).append('T');
        pad(out, secondOfDay / 3600, 2).append(':');
        pad(out, secondOfDay / 60 % 60, 2).append(':');
        pad(out, secondOfDay % 60, 2);
        int nanos = t.getNano();
        if (nanos > 0) {   // in groups of three digits, as Instant.toString
            out.append('.');
            if (nanos % 1_000_000 == 0) {
                pad(out, nanos / 1_000_000, 3);
            } else if (nanos % 1000 == 0) {
                pad(out, nanos / 1000, 6);
            } else {
                pad(out, nanos, 9);
            }
        }
        return out.append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder out, long value, int width) {
        String digits = Long.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }

    /** The pid in {@code file}, or 0 when it is missing or unreadable. */
    static long readPid(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    static Instant modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            return null;
        }
    }
}
