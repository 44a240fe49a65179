package dev.hoist.registry.server;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.OciJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * skopeo copies images in and out: plain HTTP, basic auth, token auth, TLS with a self-signed certificate.
 * Skipped without skopeo, unless HOIST_REQUIRE_PEERS=1, when a missing skopeo fails the test.
 */
class SkopeoInteropTest {
    static final Path SKOPEO = Path.of("/usr/bin/skopeo");

    @TempDir
    Path dir;

    @BeforeAll
    static void needSkopeo() {
        if (!Files.isExecutable(SKOPEO)) {
            if ("1".equals(System.getenv("HOIST_REQUIRE_PEERS"))) {
                fail("skopeo is required (HOIST_REQUIRE_PEERS=1) but " + SKOPEO + " is missing; install it with apt-get install skopeo");
            }
            assumeTrue(false, "skopeo is not installed");
        }
    }

    String skopeo(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SKOPEO.toString(), "--registries-conf", write("registries.conf", ""),
                "--override-os", "linux", "--override-arch", "amd64"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", dir.resolve("home").toString());
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
        pb.environment().remove("REGISTRY_AUTH_FILE");
        Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(dir.resolve("run"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("skopeo " + String.join(" ", args) + " hung");
        }
        assertEquals(0, p.exitValue(), () -> "skopeo " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    String write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            Files.writeString(p, content);
        }
        return p.toString();
    }

    /** Copies a hand-made layout in, and out again, and checks the manifest and blobs came back. */
    void roundTrip(String host, List<String> destFlags, List<String> srcFlags, List<String> queryFlags) throws Exception {
        Path layout = dir.resolve("layout");
        ImageManifest m = OciLayouts.write(layout, "v1", "hello from " + host);
        List<String> in = new ArrayList<>(List.of("copy", "-q"));
        in.addAll(destFlags);
        in.addAll(List.of("oci:" + layout + ":v1", "docker://" + host + "/interop/app:v1"));
        skopeo(in.toArray(new String[0]));

        List<String> inspect = new ArrayList<>(List.of("inspect", "--raw"));
        inspect.addAll(queryFlags);
        inspect.add("docker://" + host + "/interop/app:v1");
        Manifest served = Manifest.parse(skopeo(inspect.toArray(new String[0])).strip().getBytes(StandardCharsets.UTF_8));
        assertEquals(m.digest(), served.digest(), "skopeo keeps an OCI manifest as it is");

        Path out = dir.resolve("out");
        List<String> pull = new ArrayList<>(List.of("copy", "-q"));
        pull.addAll(srcFlags);
        pull.addAll(List.of("docker://" + host + "/interop/app:v1", "oci:" + out + ":copied"));
        skopeo(pull.toArray(new String[0]));
        var index = OciJson.mapper().readTree(out.resolve("index.json").toFile());
        assertEquals(m.digest().toString(), index.path("manifests").path(0).path("digest").asText());
        for (var d : List.of(m.config(), m.layers().get(0))) {
            byte[] b = Files.readAllBytes(out.resolve("blobs/sha256").resolve(d.digest().hex()));
            assertEquals(d.digest(), Digest.sha256(b));
        }
        List<String> tags = new ArrayList<>(List.of("list-tags"));
        tags.addAll(queryFlags);
        tags.add("docker://" + host + "/interop/app");
        assertTrue(skopeo(tags.toArray(new String[0])).contains("\"v1\""));
    }

    @Test
    void plainHttp() throws Exception {
        try (TestRegistry r = new TestRegistry(dir.resolve("reg"))) {
            String host = "127.0.0.1:" + r.server.port();
            roundTrip(host, List.of("--dest-tls-verify=false"), List.of("--src-tls-verify=false"), List.of("--tls-verify=false"));
            // And registry to registry within it, which mounts.
            skopeo("copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false",
                    "docker://" + host + "/interop/app:v1", "docker://" + host + "/interop/copy:v2");
            assertEquals(200, r.head("/v2/interop/copy/manifests/v2").statusCode());
        }
    }

    @Test
    void basicAuth() throws Exception {
        AuthTest.htpasswd(dir);
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "listen: 127.0.0.1:0\nfsync: false\nauth:\n  htpasswd: htpasswd\n");
        try (TestRegistry r = new TestRegistry(RegistryConfig.load(cfg, dir))) {
            String host = "127.0.0.1:" + r.server.port();
            String auth = dir.resolve("auth.json").toString();
            skopeo("login", "--authfile", auth, "--tls-verify=false", "-u", "alice", "-p", "alice-pw", host);
            roundTrip(host, List.of("--dest-tls-verify=false", "--authfile", auth), List.of("--src-tls-verify=false", "--src-creds=alice:alice-pw"),
                    List.of("--tls-verify=false", "--creds", "alice:alice-pw"));
            String out = dir.resolve("denied").toString();
            ProcessBuilder pb = new ProcessBuilder(SKOPEO.toString(), "copy", "-q", "--src-tls-verify=false", "--src-creds=alice:wrong",
                    "docker://" + host + "/interop/app:v1", "oci:" + out + ":x").redirectErrorStream(true);
            Process p = pb.start();
            String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor() != 0 && msg.contains("401") || msg.toLowerCase().contains("unauthorized"), msg);
        }
    }

    @Test
    void tokenAuth() throws Exception {
        AuthTest.htpasswd(dir);
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "listen: 127.0.0.1:0\nfsync: false\nauth:\n  htpasswd: htpasswd\n  token: {}\n  rules:\n"
                + "    - repository: \"interop/**\"\n      users: [alice]\n      actions: [\"*\"]\n");
        try (TestRegistry r = new TestRegistry(RegistryConfig.load(cfg, dir))) {
            String host = "127.0.0.1:" + r.server.port();
            String auth = dir.resolve("auth.json").toString();
            skopeo("login", "--authfile", auth, "--tls-verify=false", "-u", "alice", "-p", "alice-pw", host);
            roundTrip(host, List.of("--dest-tls-verify=false", "--dest-creds", "alice:alice-pw"),
                    List.of("--src-tls-verify=false", "--authfile", auth), List.of("--tls-verify=false", "--authfile", auth));
        }
    }

    @Test
    void tlsWithSelfSignedCertificate() throws Exception {
        try (TestRegistry r = new TestRegistry(dir.resolve("reg"), Map.of("tls.selfSigned", "true"))) {
            String host = "127.0.0.1:" + r.server.port();
            roundTrip(host, List.of("--dest-tls-verify=false"), List.of("--src-tls-verify=false"), List.of("--tls-verify=false"));
            // With the certificate trusted, verification passes too.
            Path certs = dir.resolve("certs");
            Files.createDirectories(certs);
            Files.copy(r.server.config().storage().resolve("tls/self-signed.crt"), certs.resolve("ca.crt"));
            skopeo("inspect", "--raw", "--cert-dir", certs.toString(), "docker://" + host + "/interop/app:v1");
        }
    }
}
