package dev.hoist.registry.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Users and bcrypt password hashes from an Apache htpasswd file ({@code htpasswd -B}: {@code $2y$}, also
 * {@code $2a$} and {@code $2b$}). The file is re-read when it changes. Successful checks are remembered for
 * a few minutes so that clients sending basic auth on every request do not pay bcrypt each time.
 * Thread-safe.
 */
final class Htpasswd {
    private final Path file;
    private volatile Map<String, String> users;
    private volatile FileTime loaded;
    private final Cache<String, Boolean> verified = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofMinutes(5)).maximumSize(10_000).build();

    Htpasswd(Path file) throws IOException {
        this.file = file;
        reload();
    }

    private synchronized void reload() throws IOException {
        FileTime mtime;
        List<String> lines;
        try {
            mtime = Files.getLastModifiedTime(file);
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read the htpasswd file " + file + ": " + e.getMessage()
                    + " (make one with: htpasswd -Bc " + file + " USER)", e);
        }
        Map<String, String> m = new HashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int colon = l.indexOf(':');
            if (colon <= 0) {
                throw new IOException("the htpasswd file " + file + " line " + n + " is not user:hash");
            }
            String hash = l.substring(colon + 1);
            if (!hash.startsWith("$2y$") && !hash.startsWith("$2a$") && !hash.startsWith("$2b$")) {
                throw new IOException("the htpasswd file " + file + " line " + n + ": user " + l.substring(0, colon)
                        + " has no bcrypt hash; only bcrypt is accepted (make it with htpasswd -B)");
            }
            m.put(l.substring(0, colon), hash);
        }
        users = m;
        loaded = mtime;
        verified.invalidateAll();
    }

    private void reloadIfChanged() {
        try {
            FileTime now = Files.getLastModifiedTime(file);
            if (!now.equals(loaded)) {
                reload();
            }
        } catch (IOException e) {
            // keep the users we have; the file is being replaced
        }
    }

    /** Whether {@code password} is {@code user}'s. */
    boolean check(String user, String password) {
        reloadIfChanged();
        String hash = users.get(user);
        if (hash == null || password.length() > 72 * 4) {
            return false;
        }
        String key = user + "\0" + hash + "\0" + sha256(password);
        Boolean ok = verified.getIfPresent(key);
        if (ok != null) {
            return ok;
        }
        boolean result;
        try {
            // bcrypt of $2y$ is $2a$/$2b$ with another name; Bouncy Castle reads all three.
            result = OpenBSDBCrypt.checkPassword(hash, password.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            result = false;
        }
        if (result) {
            verified.put(key, Boolean.TRUE);
        }
        return result;
    }

    /**
     * A fingerprint of {@code user}'s entry (the SHA-256 of its bcrypt hash), or null when the file has no such
     * user. Bound into refresh tokens, so that removing the user or changing the password ends them.
     */
    String fingerprint(String user) {
        reloadIfChanged();
        String hash = users.get(user);
        return hash == null ? null : sha256(hash);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
