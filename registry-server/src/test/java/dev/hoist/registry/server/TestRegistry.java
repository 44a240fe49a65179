package dev.hoist.registry.server;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** A registry on an ephemeral loopback port over a temporary directory, with an HTTP client for tests. */
final class TestRegistry implements AutoCloseable {
    final RegistryServer server;
    final HttpClient http;
    final URI base;

    TestRegistry(Path dir) throws IOException {
        this(dir, Map.of());
    }

    TestRegistry(Path dir, Map<String, String> overrides) throws IOException {
        this(config(dir, overrides));
    }

    TestRegistry(RegistryConfig config) throws IOException {
        this(RegistryServer.start(config));
    }

    TestRegistry(RegistryServer server) {
        this.server = server;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        this.base = server.uri();
    }

    static RegistryConfig config(Path dir, Map<String, String> overrides) throws IOException {
        java.util.Map<String, String> o = new java.util.LinkedHashMap<>();
        o.put("listen", "127.0.0.1:0");
        o.put("fsync", "false");
        o.putAll(overrides);
        return RegistryConfig.defaults(dir).withStorage(dir.resolve("registry")).withOverrides(o);
    }

    HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    }

    HttpResponse<byte[]> send(HttpRequest r) throws IOException, InterruptedException {
        return http.send(r, HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = req(path).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    HttpResponse<byte[]> head(String path) throws IOException, InterruptedException {
        return send(req(path).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    }

    HttpResponse<byte[]> delete(String path) throws IOException, InterruptedException {
        return send(req(path).DELETE().build());
    }

    /** Pushes a blob monolithically; returns its digest. */
    Digest pushBlob(String repo, byte[] data) throws IOException, InterruptedException {
        Digest d = Digest.sha256(data);
        HttpResponse<byte[]> r = send(req("/v2/" + repo + "/blobs/uploads/?digest=" + d)
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build());
        if (r.statusCode() != 201) {
            throw new IOException("push of blob failed: " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return d;
    }

    /** Pushes a manifest; returns the response. */
    HttpResponse<byte[]> putManifest(String repo, String ref, String mediaType, byte[] body) throws IOException, InterruptedException {
        return send(req("/v2/" + repo + "/manifests/" + ref).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** Pushes a config and one layer and an OCI manifest tagged {@code tag}; returns the manifest. */
    ImageManifest pushImage(String repo, String tag, String layerText) throws IOException, InterruptedException {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"x\":\""
                + layerText + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] layer = ("layer " + layerText).getBytes(StandardCharsets.UTF_8);
        pushBlob(repo, config);
        pushBlob(repo, layer);
        ImageManifest m = ImageManifest.builder()
                .config(Descriptor.of(MediaTypes.OCI_CONFIG, config))
                .addLayer(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer))
                .build();
        HttpResponse<byte[]> r = putManifest(repo, tag, MediaTypes.OCI_MANIFEST, m.bytes());
        if (r.statusCode() != 201) {
            throw new IOException("push of manifest failed: " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return m;
    }

    static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
