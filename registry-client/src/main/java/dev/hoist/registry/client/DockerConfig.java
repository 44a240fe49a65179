package dev.hoist.registry.client;

import dev.hoist.oci.RegistryHosts;

import dev.hoist.oci.TempPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Docker's client configuration ({@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}) as a
 * source and store of registry credentials: {@code auths} entries (base64 {@code auth}, {@code identitytoken}),
 * and {@code credsStore} / {@code credHelpers} through the {@code docker-credential-NAME get/store/erase}
 * protocol. Other fields of the file are kept when it is written. Thread-safe; writes are atomic renames.
 */
public final class DockerConfig implements CredentialsProvider {
    private static final String TOKEN_USER = "<token>";

    private final Path file;
    private final Path helperDir;

    private DockerConfig(Path file) {
        this(file, null);
    }

    private DockerConfig(Path file, Path helperDir) {
        this.file = file;
        this.helperDir = helperDir;
    }

    /** This config, running credential helpers from {@code dir} instead of the PATH (for tests). */
    DockerConfig withHelperDirectory(Path dir) {
        return new DockerConfig(file, dir);
    }

    /** The configuration Docker would use: {@code DOCKER_CONFIG} from {@code env}, else {@code ~/.docker}. */
    public static DockerConfig fromEnvironment(Map<String, String> env) {
        String dir = env.get("DOCKER_CONFIG");
        if (dir != null && !dir.isEmpty()) {
            return new DockerConfig(Path.of(dir, "config.json"));
        }
        return new DockerConfig(Path.of(System.getProperty("user.home"), ".docker", "config.json"));
    }

    /** The configuration Docker would use in this process's environment. */
    public static DockerConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** The configuration in {@code file}. */
    public static DockerConfig at(Path file) {
        return new DockerConfig(file);
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized Optional<Credentials> credentials(String registry) throws IOException {
        Map<String, Object> root = read();
        String key = RegistryHosts.credentialsKey(registry);
        String helper = helperFor(root, key, registry);
        if (helper != null) {
            Optional<Credentials> c = helperGet(helper, key);
            if (c.isPresent()) {
                return c;
            }
        }
        Object auths = root.get("auths");
        for (String k : keys(key, registry)) {
            Map<String, Object> entry = Json.object(Json.get(auths, k));
            if (entry != null) {
                Optional<Credentials> c = fromEntry(entry, k);
                if (c.isPresent()) {
                    return c;
                }
            }
        }
        return Optional.empty();
    }

    /** Stores credentials for {@code registry}: with its credential helper when one is set, else in {@code auths}. */
    public synchronized void store(String registry, Credentials credentials) throws IOException {
        Map<String, Object> root = read();
        String key = RegistryHosts.credentialsKey(registry);
        String helper = helperFor(root, key, registry);
        Map<String, Object> auths = Json.object(root.get("auths"));
        if (auths == null) {
            auths = new LinkedHashMap<>();
            root.put("auths", auths);
        }
        if (helper != null) {
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("ServerURL", key);
            msg.put("Username", credentials.hasIdentityToken() ? TOKEN_USER : credentials.username());
            msg.put("Secret", credentials.hasIdentityToken() ? credentials.identityToken() : credentials.password());
            runHelper(helper, "store", Json.write(msg, false));
            auths.put(key, new LinkedHashMap<>());
        } else {
            Map<String, Object> entry = new LinkedHashMap<>();
            auths.put(key, entry);
            if (credentials.hasIdentityToken()) {
                entry.put("auth", Base64.getEncoder().encodeToString((credentials.username() + ":")
                        .getBytes(StandardCharsets.UTF_8)));
                entry.put("identitytoken", credentials.identityToken());
            } else {
                entry.put("auth", Base64.getEncoder().encodeToString((credentials.username() + ":" + credentials.password())
                        .getBytes(StandardCharsets.UTF_8)));
            }
        }
        write(root);
    }

    /** Removes the credentials for {@code registry}; returns whether there were any. */
    public synchronized boolean erase(String registry) throws IOException {
        Map<String, Object> root = read();
        String key = RegistryHosts.credentialsKey(registry);
        String helper = helperFor(root, key, registry);
        boolean had = false;
        if (helper != null) {
            had = helperGet(helper, key).isPresent();
            if (had) {
                runHelper(helper, "erase", key.getBytes(StandardCharsets.UTF_8));
            }
        }
        Map<String, Object> auths = Json.object(root.get("auths"));
        if (auths != null) {
            for (String k : keys(key, registry)) {
                had |= auths.remove(k) != null;
            }
        }
        if (Files.exists(file)) {
            write(root);
        }
        return had;
    }

    private static List<String> keys(String key, String registry) {
        String host = RegistryHosts.host(registry);
        return List.of(key, registry, "https://" + registry, "http://" + registry, host, "https://" + host + "/v1/");
    }

    private static String helperFor(Map<String, Object> root, String key, String registry) {
        Object helpers = root.get("credHelpers");
        for (String k : keys(key, registry)) {
            String h = Json.text(Json.get(helpers, k), "");
            if (!h.isEmpty()) {
                return h;
            }
        }
        String store = Json.text(root.get("credsStore"), "");
        return store.isEmpty() ? null : store;
    }

    private Optional<Credentials> fromEntry(Map<String, Object> entry, String key) throws IOException {
        String user = "";
        String pass = "";
        String auth = Json.text(entry.get("auth"), "");
        if (!auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IOException("the \"auth\" of " + key + " in " + file + " is not base64; run `hoist login "
                        + key + "` again", e);
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IOException("the \"auth\" of " + key + " in " + file + " is not user:password; run `hoist login "
                        + key + "` again");
            }
            user = decoded.substring(0, colon);
            pass = decoded.substring(colon + 1);
        } else {
            user = Json.text(entry.get("username"), "");
            pass = Json.text(entry.get("password"), "");
        }
        String token = Json.text(entry.get("identitytoken"), "");
        if (!token.isEmpty()) {
            return Optional.of(Credentials.identityToken(user, token));
        }
        if (user.isEmpty() && pass.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Credentials.basic(user, pass));
    }

    private Optional<Credentials> helperGet(String helper, String key) throws IOException {
        HelperResult r = runHelperRaw(helper, "get", key.getBytes(StandardCharsets.UTF_8));
        if (r.exit != 0) {
            if (r.output.toLowerCase().contains("not found")) {
                return Optional.empty();
            }
            throw new IOException("docker-credential-" + helper + " get failed (exit " + r.exit + "): " + r.output.trim());
        }
        Object n;
        try {
            n = Json.parse(r.output.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException("docker-credential-" + helper + " get answered with malformed JSON: " + e.getMessage(), e);
        }
        String user = Json.text(Json.get(n, "Username"), "");
        String secret = Json.text(Json.get(n, "Secret"), "");
        if (TOKEN_USER.equals(user)) {
            return Optional.of(Credentials.identityToken("", secret));
        }
        if (user.isEmpty() && secret.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Credentials.basic(user, secret));
    }

    private void runHelper(String helper, String verb, byte[] input) throws IOException {
        HelperResult r = runHelperRaw(helper, verb, input);
        if (r.exit != 0) {
            throw new IOException("docker-credential-" + helper + " " + verb + " failed (exit " + r.exit + "): "
                    + r.output.trim());
        }
    }

    private record HelperResult(int exit, String output) {
    }

    private HelperResult runHelperRaw(String helper, String verb, byte[] input) throws IOException {
        String command = helperDir == null ? "docker-credential-" + helper
                : helperDir.resolve("docker-credential-" + helper).toString();
        ProcessBuilder pb = new ProcessBuilder(command, verb).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run the credential helper docker-credential-" + helper
                    + "; install it or remove it from the Docker config: " + e.getMessage(), e);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
        }
        byte[] out;
        try (InputStream o = p.getInputStream()) {
            out = o.readAllBytes();
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("docker-credential-" + helper + " " + verb + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running docker-credential-" + helper, e);
        }
        return new HelperResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private Map<String, Object> read() throws IOException {
        if (!Files.exists(file)) {
            return new LinkedHashMap<>();
        }
        Object n;
        try {
            n = Json.parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IOException("cannot read the Docker config " + file + ": " + e.getMessage(), e);
        }
        if (n == null) {
            return new LinkedHashMap<>();
        }
        Map<String, Object> o = Json.object(n);
        if (o == null) {
            throw new IOException("the Docker config " + file + " is not a JSON object; fix or remove it");
        }
        return o;
    }

    private void write(Map<String, Object> root) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = TempPaths.createFile(dir, ".config", ".json.tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX filesystem
            }
            Files.write(tmp, Json.write(root, true));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
