package dev.hoist.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerConfigTest {
    @TempDir
    Path dir;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAuthsAndIdentityTokensAndRespectsDockerConfig() throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"auths": {
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "ghcr.io": {"auth": "%s", "identitytoken": "refresh-me"},
                  "http://old.example:5000": {"auth": "%s"}
                }, "psFormat": "keep me"}""".formatted(b64("hubuser:hubpass"), b64("bob:"), b64("o:p")));
        DockerConfig c = DockerConfig.fromEnvironment(Map.of("DOCKER_CONFIG", dir.toString()));
        assertEquals(Optional.of(Credentials.basic("hubuser", "hubpass")), c.credentials("docker.io"));
        Credentials ghcr = c.credentials("ghcr.io").orElseThrow();
        assertTrue(ghcr.hasIdentityToken());
        assertEquals("refresh-me", ghcr.identityToken());
        assertEquals(Optional.of(Credentials.basic("o", "p")), c.credentials("old.example:5000"));
        assertEquals(Optional.empty(), c.credentials("quay.io"));
    }

    @Test
    void storeAndEraseKeepOtherFields() throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"psFormat\": \"table\", \"auths\": {\"a.example\": {\"auth\": \"" + b64("x:y") + "\"}}}");
        DockerConfig c = DockerConfig.at(file);
        c.store("localhost:5000", Credentials.basic("alice", "s3cret"));
        JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        assertEquals("table", n.path("psFormat").asText());
        assertEquals(b64("alice:s3cret"), n.path("auths").path("localhost:5000").path("auth").asText());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(Optional.of(Credentials.basic("alice", "s3cret")), c.credentials("localhost:5000"));
        assertTrue(c.erase("localhost:5000"));
        assertFalse(c.erase("localhost:5000"));
        assertEquals(Optional.empty(), c.credentials("localhost:5000"));
        assertEquals(Optional.of(Credentials.basic("x", "y")), c.credentials("a.example"));
    }

    @Test
    void credentialHelpersSpeakTheProtocol() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path store = dir.resolve("helper-store");
        Path helper = bin.resolve("docker-credential-fake");
        // a helper that keeps one secret per server in a file, as docker-credential-pass would
        Files.writeString(helper, """
                #!/bin/sh
                store=%s
                case "$1" in
                  get) read -r server; f="$store/$(echo "$server" | tr '/:' '__')"
                       if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
                  store) mkdir -p "$store"; input=$(cat); server=$(echo "$input" | sed 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/')
                       echo "$input" > "$store/$(echo "$server" | tr '/:' '__')" ;;
                  erase) read -r server; rm -f "$store/$(echo "$server" | tr '/:' '__')" ;;
                esac
                """.formatted(store));
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"credHelpers\": {\"registry.example\": \"fake\"}}");
        DockerConfig c = DockerConfig.at(file).withHelperDirectory(bin);
        assertEquals(Optional.empty(), c.credentials("registry.example"));
        c.store("registry.example", Credentials.basic("carol", "pw"));
        assertEquals(Optional.of(Credentials.basic("carol", "pw")), c.credentials("registry.example"));
        JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        assertFalse(n.path("auths").path("registry.example").has("auth"), "the secret stays in the helper");
        c.store("registry.example", Credentials.identityToken("carol", "tok"));
        assertEquals("tok", c.credentials("registry.example").orElseThrow().identityToken());
        assertTrue(c.erase("registry.example"));
        assertEquals(Optional.empty(), c.credentials("registry.example"));
    }
}
