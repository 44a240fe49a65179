package dev.hoist.registry.server;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@code hoist registry serve} and {@code hoist registry gc} need to know: where the storage is,
 * where to listen, access, TLS, limits, logs, garbage collection. Read from a YAML file ({@link #load}), then
 * changed by flags ({@link #withOverrides}, dotted keys such as {@code auth.htpasswd}) and environment
 * variables ({@link #withEnvironment}, {@code HOIST_REGISTRY_AUTH_HTPASSWD}). Missing values take defaults:
 * storage {@code registry/} under the hoist root given, listen {@code 127.0.0.1:5000}, anonymous access from
 * loopback only. Immutable.
 *
 * <p>Durations are written {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d} or ISO-8601 ({@code PT1H}); sizes
 * in bytes or with {@code KiB}, {@code MiB}, {@code GiB}.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record RegistryConfig(
        @JsonProperty("storage") Path storage,
        @JsonProperty("listen") String listen,
        @JsonProperty("readOnly") boolean readOnly,
        @JsonProperty("fsync") Boolean fsync,
        @JsonProperty("accessLog") String accessLog,
        @JsonProperty("metrics") Boolean metrics,
        @JsonProperty("limits") Limits limits,
        @JsonProperty("uploads") Uploads uploads,
        @JsonProperty("gc") Gc gc,
        @JsonProperty("tls") Tls tls,
        @JsonProperty("auth") Auth auth) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .findAndRegisterModules();

    public RegistryConfig {
        listen = listen == null ? "127.0.0.1:5000" : listen;
        fsync = fsync == null ? Boolean.TRUE : fsync;
        accessLog = accessLog == null ? "off" : accessLog;
        metrics = metrics == null ? Boolean.TRUE : metrics;
        limits = limits == null ? new Limits(null, null, null, null, null, null, null) : limits;
        uploads = uploads == null ? new Uploads(null) : uploads;
        gc = gc == null ? new Gc(null, null, false) : gc;
        tls = tls == null ? new Tls(null, null, false) : tls;
        auth = auth == null ? new Auth(null, null, false, false, null, null) : auth;
    }

    /** Defaults, with the storage {@code registry/} under {@code hoistRoot}. */
    public static RegistryConfig defaults(Path hoistRoot) {
        return new RegistryConfig(hoistRoot.resolve("registry"), null, false, null, null, null, null, null, null, null, null);
    }

    /**
     * Reads a YAML config file; a relative {@code storage} is resolved against {@code hoistRoot}, relative
     * file paths (htpasswd, certificates) against the file's directory.
     *
     * @throws IOException naming the file and the bad key when it cannot be read
     */
    public static RegistryConfig load(Path file, Path hoistRoot) throws IOException {
        JsonNode tree;
        try {
            tree = YAML.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IOException("the registry config file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IOException("the registry config file " + file + " is not valid YAML: " + e.getMessage(), e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = YAML.createObjectNode();
        }
        if (!tree.isObject()) {
            throw new IOException("the registry config file " + file + " must hold a YAML mapping");
        }
        RegistryConfig c = fromTree((ObjectNode) tree, "the registry config file " + file);
        Path base = file.toAbsolutePath().getParent();
        return c.resolvePaths(hoistRoot, base);
    }

    private static RegistryConfig fromTree(ObjectNode tree, String source) throws IOException {
        try {
            return YAML.treeToValue(tree, RegistryConfig.class);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().split("\n", 2)[0];
            throw new IOException(source + " has a bad value: " + msg, e);
        }
    }

    private RegistryConfig resolvePaths(Path hoistRoot, Path base) {
        Path st = storage == null ? hoistRoot.resolve("registry") : hoistRoot.resolve(storage);
        Tls t = new Tls(abs(base, tls.cert()), abs(base, tls.key()), tls.selfSigned());
        Auth a = new Auth(abs(base, auth.htpasswd()), auth.token() == null ? null
                : new Token(auth.token().realm(), auth.token().service(), auth.token().issuer(), abs(base, auth.token().key()),
                auth.token().expiry()), auth.anonymousPull(), auth.anonymousRemote(), auth.groups(), auth.rules());
        return new RegistryConfig(st, listen, readOnly, fsync, accessLog, metrics, limits, uploads, gc, t, a);
    }

    private static Path abs(Path base, Path p) {
        return p == null ? null : base.resolve(p);
    }

    /**
     * Applies {@code key=value} overrides with dotted keys as in the YAML ({@code listen}, {@code readOnly},
     * {@code tls.selfSigned}, {@code auth.htpasswd}, {@code gc.interval}).
     *
     * @throws IOException naming the key when a key or a value is not valid
     */
    public RegistryConfig withOverrides(Map<String, String> overrides) throws IOException {
        if (overrides.isEmpty()) {
            return this;
        }
        ObjectNode tree = YAML.valueToTree(this);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            set(tree, e.getKey().split("\\."), 0, e.getValue(), e.getKey());
        }
        return fromTree(tree, "the setting");
    }

    /**
     * Applies environment variables {@code HOIST_REGISTRY_<KEY>}, the key's dots written as {@code _}
     * ({@code HOIST_REGISTRY_AUTH_HTPASSWD}, {@code HOIST_REGISTRY_READONLY}); unknown ones are an error.
     */
    public RegistryConfig withEnvironment(Map<String, String> env) throws IOException {
        Map<String, String> overrides = new java.util.TreeMap<>();
        ObjectNode tree = YAML.valueToTree(this);
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().startsWith("HOIST_REGISTRY_") || e.getKey().equals("HOIST_REGISTRY_CONFIG")) {
                continue;
            }
            String[] parts = e.getKey().substring("HOIST_REGISTRY_".length()).split("_");
            StringBuilder key = new StringBuilder();
            JsonNode node = tree;
            for (String part : parts) {
                String found = null;
                if (node != null && node.isObject()) {
                    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                        String f = it.next();
                        if (f.equalsIgnoreCase(part)) {
                            found = f;
                        }
                    }
                }
                if (found == null) {
                    throw new IOException("the environment variable " + e.getKey() + " names no registry setting");
                }
                key.append(key.length() == 0 ? "" : ".").append(found);
                node = node.get(found);
            }
            overrides.put(key.toString(), e.getValue());
        }
        return withOverrides(overrides);
    }

    private static void set(ObjectNode node, String[] path, int i, String value, String key) throws IOException {
        if (i == path.length - 1) {
            node.set(path[i], value.isEmpty() ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : parseScalar(value));
            return;
        }
        JsonNode child = node.get(path[i]);
        if (child == null || child.isNull()) {
            child = node.putObject(path[i]);
        }
        if (!child.isObject()) {
            throw new IOException("the setting " + key + " does not name a value");
        }
        set((ObjectNode) child, path, i + 1, value, key);
    }

    private static JsonNode parseScalar(String value) {
        if (value.equals("true") || value.equals("false")) {
            return com.fasterxml.jackson.databind.node.BooleanNode.valueOf(Boolean.parseBoolean(value));
        }
        if (value.startsWith("[") || value.startsWith("{")) {
            try {
                return YAML.readTree(value);
            } catch (IOException ignored) {
                // a plain string
            }
        }
        return TextNode.valueOf(value);
    }

    /** The host to bind. */
    public String host() {
        int colon = listen.lastIndexOf(':');
        String h = colon < 0 ? listen : listen.substring(0, colon);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.isEmpty() ? "0.0.0.0" : h;
    }

    /** The port to bind; 0 picks a free one. */
    public int port() {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            return 5000;
        }
        try {
            return Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen must be host:port, e.g. 127.0.0.1:5000, not " + listen);
        }
    }

    /** A copy listening on {@code listen} ({@code host:port}). */
    public RegistryConfig withListen(String listen) {
        return new RegistryConfig(storage, listen, readOnly, fsync, accessLog, metrics, limits, uploads, gc, tls, auth);
    }

    /** A copy with its storage at {@code storage}. */
    public RegistryConfig withStorage(Path storage) {
        return new RegistryConfig(storage, listen, readOnly, fsync, accessLog, metrics, limits, uploads, gc, tls, auth);
    }

    /** A copy with {@code auth}. */
    public RegistryConfig withAuth(Auth auth) {
        return new RegistryConfig(storage, listen, readOnly, fsync, accessLog, metrics, limits, uploads, gc, tls, auth);
    }

    /** A copy with {@code tls}. */
    public RegistryConfig withTls(Tls tls) {
        return new RegistryConfig(storage, listen, readOnly, fsync, accessLog, metrics, limits, uploads, gc, tls, auth);
    }

    /** A copy in read-only mode or not. */
    public RegistryConfig withReadOnly(boolean readOnly) {
        return new RegistryConfig(storage, listen, readOnly, fsync, accessLog, metrics, limits, uploads, gc, tls, auth);
    }

    /**
     * Limits: the largest blob, the largest request header block, how long a request may take to arrive and
     * how long a connection (or a request body) may sit idle, how long shutdown waits for requests in flight,
     * worker threads for requests without a body, and body threads for requests with one (uploads, manifest
     * pushes), each of which holds one while its body streams in: bodies that stall wait for each other, never
     * hold up the other requests.
     */
    public record Limits(@JsonProperty("maxBlobSize") Size maxBlobSize,
                         @JsonProperty("maxHeaderSize") Size maxHeaderSize,
                         @JsonProperty("requestParseTimeout") Dur requestParseTimeout,
                         @JsonProperty("idleTimeout") Dur idleTimeout,
                         @JsonProperty("shutdownTimeout") Dur shutdownTimeout,
                         @JsonProperty("workerThreads") Integer workerThreads,
                         @JsonProperty("bodyThreads") Integer bodyThreads) {
        public Limits {
            maxBlobSize = maxBlobSize == null ? new Size(64L << 30) : maxBlobSize;
            maxHeaderSize = maxHeaderSize == null ? new Size(64L << 10) : maxHeaderSize;
            requestParseTimeout = requestParseTimeout == null ? new Dur(Duration.ofSeconds(30)) : requestParseTimeout;
            idleTimeout = idleTimeout == null ? new Dur(Duration.ofMinutes(1)) : idleTimeout;
            shutdownTimeout = shutdownTimeout == null ? new Dur(Duration.ofMinutes(2)) : shutdownTimeout;
            workerThreads = workerThreads == null ? 64 : workerThreads;
            bodyThreads = bodyThreads == null ? 64 : bodyThreads;
            if (workerThreads < 1 || bodyThreads < 1) {
                throw new IllegalArgumentException("limits.workerThreads and limits.bodyThreads must be 1 or more");
            }
        }
    }

    /** Upload sessions not touched for {@code ttl} are ended (by gc and hourly while serving). */
    public record Uploads(@JsonProperty("ttl") Dur ttl) {
        public Uploads {
            ttl = ttl == null ? new Dur(Duration.ofHours(24)) : ttl;
        }
    }

    /**
     * Online garbage collection while serving: every {@code interval} (off when absent or zero); blobs and
     * manifests younger than {@code grace} are kept.
     */
    public record Gc(@JsonProperty("interval") Dur interval, @JsonProperty("grace") Dur grace,
                     @JsonProperty("deleteUntagged") boolean deleteUntagged) {
        public Gc {
            interval = interval == null ? new Dur(Duration.ZERO) : interval;
            grace = grace == null ? new Dur(Duration.ofHours(1)) : grace;
        }
    }

    /**
     * HTTPS: a PEM certificate chain and a PEM private key (RSA or EC; PKCS#1, SEC1 or PKCS#8), or a
     * self-signed certificate made on first start and kept in the storage. HTTP/2 is offered over TLS.
     */
    public record Tls(@JsonProperty("cert") Path cert, @JsonProperty("key") Path key,
                      @JsonProperty("selfSigned") boolean selfSigned) {
        /** Whether HTTPS is on. */
        public boolean enabled() {
            return selfSigned || cert != null;
        }
    }

    /**
     * Access. Without {@code htpasswd} everyone is anonymous: allowed from loopback, and from elsewhere
     * only with {@code anonymousRemote}. With it, users log in with HTTP basic auth, or with {@code token}
     * set, through the built-in token endpoint (Docker token auth). {@code rules} give users and groups
     * actions on repository patterns; without rules every user may do everything. {@code anonymousPull}
     * lets anyone pull.
     */
    public record Auth(@JsonProperty("htpasswd") Path htpasswd,
                       @JsonProperty("token") Token token,
                       @JsonProperty("anonymousPull") boolean anonymousPull,
                       @JsonProperty("anonymousRemote") boolean anonymousRemote,
                       @JsonProperty("groups") Map<String, List<String>> groups,
                       @JsonProperty("rules") List<Rule> rules) {
        public Auth {
            groups = groups == null ? Map.of() : Map.copyOf(groups);
            rules = rules == null ? List.of() : List.copyOf(rules);
        }
    }

    /**
     * Docker token auth: the realm clients are sent to (default: this registry's {@code /auth/token}), the
     * service name, the issuer, the signing key (PEM, EC P-256 for ES256 or RSA for RS256; made and kept in
     * the storage when absent), and how long tokens last.
     */
    public record Token(@JsonProperty("realm") String realm, @JsonProperty("service") String service,
                        @JsonProperty("issuer") String issuer, @JsonProperty("key") Path key,
                        @JsonProperty("expiry") Dur expiry) {
        public Token {
            service = service == null ? "hoist-registry" : service;
            issuer = issuer == null ? "hoist-registry" : issuer;
            expiry = expiry == null ? new Dur(Duration.ofMinutes(15)) : expiry;
        }
    }

    /**
     * A rule: {@code repository} is a pattern ({@code *} within a path component, {@code **} across them);
     * the users and groups it names may do {@code actions} (pull, push, delete, or {@code *}).
     */
    public record Rule(@JsonProperty("repository") String repository, @JsonProperty("users") List<String> users,
                       @JsonProperty("groups") List<String> groups, @JsonProperty("actions") List<String> actions) {
        public Rule {
            Objects.requireNonNull(repository, "a rule needs a repository pattern");
            users = users == null ? List.of() : List.copyOf(users);
            groups = groups == null ? List.of() : List.copyOf(groups);
            actions = actions == null ? List.of("pull") : List.copyOf(actions);
        }
    }

    /** A duration written {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d}, {@code 250ms} or ISO-8601. */
    public record Dur(Duration value) {
        @JsonCreator
        public static Dur parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            try {
                if (t.startsWith("p")) {
                    return new Dur(Duration.parse(text.trim().toUpperCase(Locale.ROOT)));
                }
                if (t.equals("0")) {
                    return new Dur(Duration.ZERO);
                }
                if (t.endsWith("ms")) {
                    return new Dur(Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2))));
                }
                long n = Long.parseLong(t.substring(0, t.length() - 1));
                return switch (t.charAt(t.length() - 1)) {
                    case 's' -> new Dur(Duration.ofSeconds(n));
                    case 'm' -> new Dur(Duration.ofMinutes(n));
                    case 'h' -> new Dur(Duration.ofHours(n));
                    case 'd' -> new Dur(Duration.ofDays(n));
                    default -> throw new IllegalArgumentException();
                };
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not a duration; write e.g. 30s, 5m, 1h, 7d");
            }
        }

        @JsonValue
        @Override
        public String toString() {
            return value.toString();
        }
    }

    /** A size in bytes, written {@code 1048576}, {@code 512KiB}, {@code 4MiB}, {@code 10GiB}. */
    public record Size(long bytes) {
        @JsonCreator
        public static Size parse(String text) {
            String t = text.trim();
            long mult = 1;
            for (String[] u : new String[][]{{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}, {"TiB", "1099511627776"},
                    {"KB", "1000"}, {"MB", "1000000"}, {"GB", "1000000000"}, {"B", "1"}}) {
                if (t.endsWith(u[0])) {
                    mult = Long.parseLong(u[1]);
                    t = t.substring(0, t.length() - u[0].length()).trim();
                    break;
                }
            }
            try {
                return new Size(Math.multiplyExact(Long.parseLong(t), mult));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not a size; write e.g. 4MiB, 10GiB");
            }
        }

        @JsonValue
        @Override
        public String toString() {
            return Long.toString(bytes);
        }
    }
}
