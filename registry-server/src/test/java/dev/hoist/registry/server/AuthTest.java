package dev.hoist.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.oci.OciJson;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Anonymous, basic and token access, over HTTP. */
class AuthTest {
    @TempDir
    Path dir;

    /** An htpasswd file: alice and bob hashed by Bouncy Castle as $2y$, carol by htpasswd -B when it is installed. */
    static Path htpasswd(Path dir) throws Exception {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        StringBuilder sb = new StringBuilder("# users\n");
        sb.append("alice:").append(OpenBSDBCrypt.generate("2y", "alice-pw".toCharArray(), salt, 5)).append('\n');
        sb.append("bob:").append(OpenBSDBCrypt.generate("2a", "bob-pw".toCharArray(), salt, 5)).append('\n');
        if (Files.isExecutable(Path.of("/usr/bin/htpasswd"))) {
            Process p = new ProcessBuilder("/usr/bin/htpasswd", "-nbB", "carol", "carol-pw").start();
            String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, p.waitFor());
            assertTrue(line.startsWith("carol:$2y$"), line);
            sb.append(line).append('\n');
        }
        Path f = dir.resolve("htpasswd");
        Files.writeString(f, sb.toString());
        return f;
    }

    static String basic(String user, String pw) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
    }

    static String yamlConfig(Path dir, String auth) throws Exception {
        return "auth:\n" + auth;
    }

    TestRegistry start(String authYaml) throws Exception {
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "listen: 127.0.0.1:0\nfsync: false\nauth:\n" + authYaml);
        return new TestRegistry(RegistryConfig.load(cfg, dir));
    }

    HttpResponse<byte[]> get(TestRegistry r, String path, String auth) throws Exception {
        HttpRequest.Builder b = r.req(path).GET();
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return r.send(b.build());
    }

    HttpResponse<byte[]> pushBlob(TestRegistry r, String repo, String auth) throws Exception {
        byte[] data = ("blob for " + repo).getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = r.req("/v2/" + repo + "/blobs/uploads/?digest=" + dev.hoist.oci.Digest.sha256(data))
                .POST(HttpRequest.BodyPublishers.ofByteArray(data));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return r.send(b.build());
    }

    @Test
    void basicAuthWithRulesAndAnonymousPull() throws Exception {
        htpasswd(dir);
        String rules = "  htpasswd: htpasswd\n  anonymousPull: true\n  groups:\n    devs: [alice, carol]\n  rules:\n"
                + "    - repository: \"team/**\"\n      groups: [devs]\n      actions: [\"*\"]\n"
                + "    - repository: \"team/*\"\n      users: [bob]\n      actions: [pull]\n";
        try (TestRegistry r = start(rules)) {
            HttpResponse<byte[]> none = get(r, "/v2/", null);
            assertEquals(401, none.statusCode());
            assertEquals("Basic realm=\"hoist-registry\", charset=\"UTF-8\"", none.headers().firstValue("WWW-Authenticate").orElse(null));
            DistributionApiTest.assertError(none, 401, "UNAUTHORIZED");
            assertEquals(200, get(r, "/v2/", basic("alice", "alice-pw")).statusCode());
            assertEquals(401, get(r, "/v2/", basic("alice", "wrong")).statusCode());
            assertEquals(401, get(r, "/v2/", basic("mallory", "x")).statusCode());
            assertEquals(401, get(r, "/v2/", "Basic !!!notbase64").statusCode());
            if (Files.readString(dir.resolve("htpasswd")).contains("carol")) {
                assertEquals(200, get(r, "/v2/", basic("carol", "carol-pw")).statusCode(), "a file from htpasswd -B");
                assertEquals(201, pushBlob(r, "team/carol", basic("carol", "carol-pw")).statusCode());
            }
            assertEquals(201, pushBlob(r, "team/app", basic("alice", "alice-pw")).statusCode());
            DistributionApiTest.assertError(pushBlob(r, "team/app", basic("bob", "bob-pw")), 403, "DENIED");
            DistributionApiTest.assertError(pushBlob(r, "other/app", basic("alice", "alice-pw")), 403, "DENIED");
            DistributionApiTest.assertError(pushBlob(r, "team/app", null), 401, "UNAUTHORIZED");
            // Anonymous pull, and bob's pull.
            String blob = "/v2/team/app/blobs/" + dev.hoist.oci.Digest.sha256("blob for team/app");
            assertEquals(200, get(r, blob, null).statusCode());
            assertEquals(200, get(r, blob, basic("bob", "bob-pw")).statusCode());
            // The catalog is for users allowed everywhere, or everyone logged in when there are no rules.
            DistributionApiTest.assertError(get(r, "/v2/_catalog", basic("alice", "alice-pw")), 403, "DENIED");
        }
    }

    @Test
    void tokenAuthAsDockerClientsDoIt() throws Exception {
        htpasswd(dir);
        String rules = "  htpasswd: htpasswd\n  token: {service: test-registry}\n  rules:\n"
                + "    - repository: \"**\"\n      users: [alice]\n      actions: [\"*\"]\n"
                + "    - repository: \"shared/*\"\n      users: [bob]\n      actions: [pull]\n";
        try (TestRegistry r = start(rules)) {
            HttpResponse<byte[]> ping = get(r, "/v2/", null);
            assertEquals(401, ping.statusCode());
            String realm = "http://127.0.0.1:" + r.server.port() + "/auth/token";
            assertEquals("Bearer realm=\"" + realm + "\",service=\"test-registry\"", ping.headers().firstValue("WWW-Authenticate").orElseThrow());

            HttpResponse<byte[]> push = pushBlob(r, "shared/app", null);
            assertEquals(401, push.statusCode());
            assertEquals("Bearer realm=\"" + realm + "\",service=\"test-registry\",scope=\"repository:shared/app:pull,push\"",
                    push.headers().firstValue("WWW-Authenticate").orElseThrow());

            String scope = "repository:shared/app:pull,push";
            HttpResponse<byte[]> tok = get(r, "/auth/token?service=test-registry&scope=" + scope + "&offline_token=true", basic("alice", "alice-pw"));
            assertEquals(200, tok.statusCode(), TestRegistry.body(tok));
            JsonNode t = OciJson.mapper().readTree(tok.body());
            String token = t.path("token").asText();
            assertEquals(token, t.path("access_token").asText());
            assertTrue(t.path("expires_in").asInt() > 0);
            assertNotNull(t.path("refresh_token").textValue());
            String[] parts = token.split("\\.");
            JsonNode header = OciJson.mapper().readTree(Base64.getUrlDecoder().decode(parts[0]));
            assertEquals("ES256", header.path("alg").asText());
            JsonNode claims = OciJson.mapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
            assertEquals("alice", claims.path("sub").asText());
            assertEquals("test-registry", claims.path("aud").asText());
            assertEquals("[\"pull\",\"push\"]", claims.path("access").path(0).path("actions").toString());

            assertEquals(200, get(r, "/v2/", "Bearer " + token).statusCode());
            assertEquals(201, pushBlob(r, "shared/app", "Bearer " + token).statusCode());
            // A token for one repository is not for another.
            HttpResponse<byte[]> other = pushBlob(r, "shared/other", "Bearer " + token);
            assertEquals(401, other.statusCode());
            // Tampered tokens are refused.
            String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                    new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("shared/app", "shared/oth")
                            .getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
            assertEquals(401, pushBlob(r, "shared/oth", "Bearer " + forged).statusCode());

            // bob asks for push and pull and gets pull only; his push is then refused for lack of scope.
            JsonNode bt = OciJson.mapper().readTree(get(r, "/auth/token?service=test-registry&scope=" + scope, basic("bob", "bob-pw")).body());
            String bobToken = bt.path("token").asText();
            JsonNode bobClaims = OciJson.mapper().readTree(Base64.getUrlDecoder().decode(bobToken.split("\\.")[1]));
            assertEquals("[\"pull\"]", bobClaims.path("access").path(0).path("actions").toString());
            String blob = "/v2/shared/app/blobs/" + dev.hoist.oci.Digest.sha256("blob for shared/app");
            assertEquals(200, get(r, blob, "Bearer " + bobToken).statusCode());
            HttpResponse<byte[]> denied = pushBlob(r, "shared/app", "Bearer " + bobToken);
            assertEquals(401, denied.statusCode());
            assertTrue(denied.headers().firstValue("WWW-Authenticate").orElseThrow().contains("error=\"insufficient_scope\""));

            // Wrong password: 401 from the token endpoint. Anonymous: a token without access.
            assertEquals(401, get(r, "/auth/token?service=test-registry&scope=" + scope, basic("alice", "nope")).statusCode());
            JsonNode anon = OciJson.mapper().readTree(get(r, "/auth/token?service=test-registry&scope=" + scope, null).body());
            assertEquals(401, get(r, blob, "Bearer " + anon.path("token").asText()).statusCode());

            // The catalog, for alice who may do everything everywhere.
            String cat = OciJson.mapper().readTree(get(r, "/auth/token?service=test-registry&scope=registry:catalog:*",
                    basic("alice", "alice-pw")).body()).path("token").asText();
            assertEquals(200, get(r, "/v2/_catalog", "Bearer " + cat).statusCode());
            String bobCat = OciJson.mapper().readTree(get(r, "/auth/token?service=test-registry&scope=registry:catalog:*",
                    basic("bob", "bob-pw")).body()).path("token").asText();
            assertEquals(401, get(r, "/v2/_catalog", "Bearer " + bobCat).statusCode());

            // OAuth2 form: password and refresh grants.
            HttpResponse<byte[]> pw = r.send(r.req("/auth/token").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&username=alice&password=alice-pw&service=test-registry&scope="
                            + scope.replace(":", "%3A"))).build());
            assertEquals(200, pw.statusCode(), TestRegistry.body(pw));
            String refresh = OciJson.mapper().readTree(pw.body()).path("refresh_token").asText();
            HttpResponse<byte[]> rf = r.send(r.req("/auth/token").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=refresh_token&refresh_token=" + refresh
                            + "&service=test-registry&scope=" + scope)).build());
            assertEquals(200, rf.statusCode(), TestRegistry.body(rf));
            assertEquals(200, get(r, blob, "Bearer " + OciJson.mapper().readTree(rf.body()).path("access_token").asText()).statusCode());
            // A refresh token is not an access token.
            assertEquals(401, get(r, blob, "Bearer " + refresh).statusCode());
            assertEquals(401, r.send(r.req("/auth/token").POST(HttpRequest.BodyPublishers.ofString("grant_type=password&username=alice&password=x"))
                    .header("Content-Type", "application/x-www-form-urlencoded").build()).statusCode());
        }
    }

    String token(TestRegistry r, String user, String scope) throws Exception {
        HttpResponse<byte[]> t = get(r, "/auth/token?service=hoist-registry&scope=" + scope, basic(user, user + "-pw"));
        assertEquals(200, t.statusCode(), TestRegistry.body(t));
        return "Bearer " + OciJson.mapper().readTree(t.body()).path("token").asText();
    }

    @Test
    void mountWithoutSourceOnlyFromEverywhereThePullerMayPull() throws Exception {
        htpasswd(dir);
        String rules = "  htpasswd: htpasswd\n  token: {}\n  rules:\n"
                + "    - repository: \"alice/**\"\n      users: [alice]\n      actions: [\"*\"]\n"
                + "    - repository: \"**\"\n      users: [bob]\n      actions: [\"*\"]\n";
        try (TestRegistry r = start(rules)) {
            assertEquals(201, pushBlob(r, "t/a", token(r, "bob", "repository:t/a:pull,push")).statusCode());
            dev.hoist.oci.Digest d = dev.hoist.oci.Digest.sha256("blob for t/a");
            String alice = token(r, "alice", "repository:alice/steal:pull,push");
            HttpResponse<byte[]> steal = r.send(r.req("/v2/alice/steal/blobs/uploads/?mount=" + d)
                    .header("Authorization", alice).POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(202, steal.statusCode(), "alice may not pull t/a: she gets an upload, not a mount");
            assertTrue(steal.headers().firstValue("Location").orElseThrow().startsWith("/v2/alice/steal/blobs/uploads/"));
            DistributionApiTest.assertError(get(r, "/v2/alice/steal/blobs/" + d, alice), 404, "BLOB_UNKNOWN");

            String bob = token(r, "bob", "repository:bob/copy:pull,push");
            HttpResponse<byte[]> mount = r.send(r.req("/v2/bob/copy/blobs/uploads/?mount=" + d)
                    .header("Authorization", bob).POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(201, mount.statusCode(), "bob may pull everywhere");
            assertEquals(200, get(r, "/v2/bob/copy/blobs/" + d, bob).statusCode());
        }
    }

    HttpResponse<byte[]> refresh(TestRegistry r, String refreshToken) throws Exception {
        return r.send(r.req("/auth/token").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=refresh_token&refresh_token=" + refreshToken
                        + "&scope=repository:a:pull")).build());
    }

    @Test
    void refreshTokensEndWhenTheUserIsRemovedOrChangesPassword() throws Exception {
        Path file = htpasswd(dir);
        String original = Files.readString(file);
        try (TestRegistry r = start("  htpasswd: htpasswd\n  token: {}\n")) {
            HttpResponse<byte[]> login = get(r, "/auth/token?scope=repository:a:pull&offline_token=true", basic("alice", "alice-pw"));
            String identity = OciJson.mapper().readTree(login.body()).path("refresh_token").asText();
            assertEquals(200, refresh(r, identity).statusCode());

            // htpasswd -D htpasswd alice
            Files.writeString(file, original.lines().filter(l -> !l.startsWith("alice:")).map(l -> l + "\n")
                    .reduce("", String::concat));
            DistributionApiTest.assertError(refresh(r, identity), 401, "UNAUTHORIZED");

            // Back, with another password: the old identity token stays dead.
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            Files.writeString(file, "alice:" + OpenBSDBCrypt.generate("2y", "new-pw".toCharArray(), salt, 5) + "\n",
                    java.nio.file.StandardOpenOption.APPEND);
            assertEquals(200, get(r, "/v2/", "Bearer " + OciJson.mapper().readTree(
                    get(r, "/auth/token", basic("alice", "new-pw")).body()).path("token").asText()).statusCode());
            assertEquals(401, refresh(r, identity).statusCode());
        }
    }

    @Test
    void tokenKeyIsKeptAcrossRestarts() throws Exception {
        htpasswd(dir);
        String token;
        try (TestRegistry r = start("  htpasswd: htpasswd\n  token: {}\n")) {
            token = OciJson.mapper().readTree(get(r, "/auth/token?scope=repository:a:pull", basic("alice", "alice-pw")).body())
                    .path("token").asText();
        }
        try (TestRegistry r = start("  htpasswd: htpasswd\n  token: {}\n")) {
            assertNotEquals(401, get(r, "/v2/a/tags/list", "Bearer " + token).statusCode());
        }
    }

    @Test
    void anonymousOnlyFromLoopbackByDefault() throws Exception {
        InetAddress external = null;
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (!a.isLoopbackAddress() && a instanceof Inet4Address && ni.isUp()) {
                    external = a;
                }
            }
        }
        assumeTrue(external != null, "this machine has no non-loopback IPv4 address");
        try (TestRegistry r = new TestRegistry(TestRegistry.config(dir, Map.of("listen", "0.0.0.0:0")))) {
            assertEquals(200, r.get("/v2/").statusCode());
            URI outside = URI.create("http://" + external.getHostAddress() + ":" + r.server.port() + "/v2/");
            HttpResponse<byte[]> denied = r.send(HttpRequest.newBuilder(outside).GET().build());
            DistributionApiTest.assertError(denied, 403, "DENIED");
        }
        try (TestRegistry r = new TestRegistry(TestRegistry.config(dir, Map.of("listen", "0.0.0.0:0", "auth.anonymousRemote", "true")))) {
            URI outside = URI.create("http://" + external.getHostAddress() + ":" + r.server.port() + "/v2/");
            assertEquals(200, r.send(HttpRequest.newBuilder(outside).GET().build()).statusCode());
        }
    }

    @Test
    void badAuthConfigIsExplained() throws Exception {
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "listen: 127.0.0.1:0\nauth:\n  htpasswd: missing-file\n");
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> RegistryServer.start(RegistryConfig.load(cfg, dir)));
        assertTrue(e.getMessage().contains("htpasswd"), e.getMessage());
        Files.writeString(dir.resolve("plain"), "dave:{SHA}abc\n");
        Files.writeString(cfg, "listen: 127.0.0.1:0\nauth:\n  htpasswd: plain\n");
        e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> RegistryServer.start(RegistryConfig.load(cfg, dir)));
        assertTrue(e.getMessage().contains("bcrypt"), e.getMessage());
        List<String> unused = List.of();
        assertTrue(unused.isEmpty());
    }
}
