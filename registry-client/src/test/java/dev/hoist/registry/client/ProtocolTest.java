package dev.hoist.registry.client;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a real registry will not do on demand: auth challenges, failures, redirects, odd Locations, bad content. */
class ProtocolTest {
    private static final String REPO = "test/repo";
    @TempDir
    Path dir;
    WireMockServer wm;
    WireMockServer other;
    LocalImages images;
    final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() {
        wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wm.start();
        images = LocalImages.open(HoistRoot.at(dir));
    }

    @AfterEach
    void stop() {
        wm.stop();
        if (other != null) {
            other.stop();
        }
    }

    private String host() {
        return "localhost:" + wm.port();
    }

    private Reference ref(String tag) {
        return Reference.parse(host() + "/" + REPO + ":" + tag);
    }

    private RegistryClient client(CredentialsProvider creds) {
        return RegistryClient.builder(images).credentials(creds).environment(Map.of())
                .sleeper(sleeps::add).retryPolicy(new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(10)))
                .build();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String blobPath(Digest d) {
        return "/v2/" + REPO + "/blobs/" + d;
    }

    /** A stored image with a config and one layer. */
    private ImageManifest storedImage(byte[] layer) throws Exception {
        Descriptor config = images.blobs().put(MediaTypes.OCI_CONFIG, "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8));
        Descriptor l = images.blobs().put(MediaTypes.OCI_LAYER_GZIP, layer);
        ImageManifest m = ImageManifest.builder().config(config).addLayer(l).build();
        images.blobs().put(m.contentType(), m.bytes());
        return m;
    }

    /**
     * A registry reached through a proxy gets the JDK's HttpClient, whose selector thread, blocked in native code,
     * would hold the JVM's exit for 300 ms: closing the client must end it (by interrupting it, without opening
     * java.net.http's internals). The proxy here refuses the CONNECT; nothing leaves the machine.
     */
    @Test
    void closingEndsTheJdkClientsSelectorThread() throws Exception {
        wm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(403)));
        java.util.Set<Thread> before = selectorManagers();
        RegistryClient c = RegistryClient.builder(images).environment(Map.of("HTTPS_PROXY", "http://127.0.0.1:" + wm.port()))
                .sleeper(sleeps::add).retryPolicy(new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1))).build();
        assertThrows(Exception.class, () -> c.tags(Reference.parse("registry.example/library/busybox")));
        java.util.Set<Thread> made = selectorManagers();
        made.removeAll(before);
        assertEquals(1, made.size(), "the client should have made one JDK HttpClient");
        Thread selector = made.iterator().next();
        assertTrue(selector.isAlive());
        c.close();
        assertFalse(selector.isAlive(), "the selector thread outlived close()");
    }

    /**
     * Through a proxy, requests go over the JDK's client: request bodies (a manifest's bytes, a file range) and a
     * blob download's sink are adapted for it and carry the same bytes as over PlainHttp. The "proxy" is WireMock,
     * which answers the proxied requests itself; nothing leaves the machine.
     */
    @Test
    void theJdkClientCarriesRequestBodiesAndDownloadSinks() throws Exception {
        ImageManifest m = storedImage(random(300_000, 11));
        String up = "/v2/" + REPO + "/blobs/uploads/one";
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(404)));
        wm.stubFor(post(urlPathEqualTo("/v2/" + REPO + "/blobs/uploads/")).willReturn(aResponse().withStatus(202).withHeader("Location", up)));
        wm.stubFor(put(urlPathEqualTo(up)).willReturn(aResponse().withStatus(201)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(201)));
        String registry = "registry.invalid:5000";
        Reference dst = Reference.parse(registry + "/" + REPO + ":v1");
        java.util.Set<Thread> before = selectorManagers();
        try (RegistryClient c = RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of("HTTP_PROXY", "http://127.0.0.1:" + wm.port())).insecureRegistries(java.util.Set.of(registry))
                .sleeper(sleeps::add).build()) {
            c.push(m.descriptor(), dst);
            java.util.Set<Thread> made = selectorManagers();
            made.removeAll(before);
            assertEquals(1, made.size(), "the requests should have gone over the JDK's HttpClient");
        }
        for (Descriptor blob : List.of(m.config(), m.layers().get(0))) {
            List<LoggedRequest> puts = wm.findAll(putRequestedFor(urlPathEqualTo(up)).withQueryParam("digest", equalTo(blob.digest().toString())));
            assertEquals(1, puts.size());
            assertArrayEquals(images.blobs().readAllBytes(blob.digest()), puts.get(0).getBody());
        }
        List<LoggedRequest> manifests = wm.findAll(putRequestedFor(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")));
        assertEquals(1, manifests.size());
        assertArrayEquals(m.bytes(), manifests.get(0).getBody());

        // and back: the blob download's sink gets the body, a 404 goes to the caller
        Descriptor layer = m.layers().get(0);
        byte[] layerBytes = images.blobs().readAllBytes(layer.digest());
        wm.stubFor(get(urlPathEqualTo(blobPath(layer.digest()))).willReturn(aResponse().withStatus(200).withBody(layerBytes)));
        Descriptor missing = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, random(10, 12));
        wm.stubFor(get(urlPathEqualTo(blobPath(missing.digest()))).willReturn(aResponse().withStatus(404)
                .withBody("{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\"}]}")));
        LocalImages fresh = LocalImages.open(HoistRoot.at(dir.resolve("fresh")));
        try (RegistryClient c = RegistryClient.builder(fresh).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of("HTTP_PROXY", "http://127.0.0.1:" + wm.port())).insecureRegistries(java.util.Set.of(registry))
                .sleeper(sleeps::add).build()) {
            transfers(c).fetchBlob(dst, layer);
            RegistryException e = assertThrows(RegistryException.class, () -> transfers(c).fetchBlob(dst, missing));
            assertEquals("BLOB_UNKNOWN", e.code());
        }
        assertArrayEquals(layerBytes, fresh.blobs().readAllBytes(layer.digest()));
    }

    private static java.util.Set<Thread> selectorManagers() {
        java.util.Set<Thread> found = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getClass().getName().endsWith("HttpClientImpl$SelectorManager") && t.isAlive()) {
                found.add(t);
            }
        }
        return found;
    }

    @Test
    void bearerChallengeWithScopesFetchesAndCachesAToken() throws Exception {
        ImageManifest m = ImageManifest.builder()
                .config(Descriptor.of(MediaTypes.OCI_CONFIG, "{}".getBytes(StandardCharsets.UTF_8))).build();
        String challenge = "Bearer realm=\"http://127.0.0.1:" + wm.port() + "/token\",service=\"test-registry\",scope=\"repository:"
                + REPO + ":pull\"";
        wm.stubFor(get(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", challenge)
                        .withBody("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}")));
        wm.stubFor(get(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).withHeader("Authorization", equalTo("Bearer tok-1"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody(m.bytes())));
        wm.stubFor(get(urlPathEqualTo("/token")).withQueryParam("service", equalTo("test-registry"))
                .withQueryParam("scope", equalTo("repository:" + REPO + ":pull"))
                .willReturn(aResponse().withStatus(200).withBody("{\"token\":\"tok-1\",\"expires_in\":300}")));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            assertEquals(m.digest(), c.manifest(ref("v1")).digest());
            assertEquals(MediaTypes.OCI_MANIFEST, c.manifest(ref("v1")).mediaType());
        }
        wm.verify(1, getRequestedFor(urlPathEqualTo("/token")).withHeader("Authorization", absent()));
        // the second read used the cached token straight away
        wm.verify(1, getRequestedFor(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).withHeader("Authorization", absent()));
    }

    @Test
    void loginWithBasicAuthStoresCredentialsAndRefusesWrongOnes() throws Exception {
        String good = Credentials.basic("alice", "right").basicHeader();
        wm.stubFor(get(urlPathEqualTo("/v2/")).atPriority(5).willReturn(aResponse().withStatus(401)
                .withHeader("WWW-Authenticate", "Basic realm=\"registry\"")));
        wm.stubFor(get(urlPathEqualTo("/v2/")).atPriority(1).withHeader("Authorization", equalTo(good))
                .willReturn(aResponse().withStatus(200).withBody("{}")));
        DockerConfig config = DockerConfig.at(dir.resolve("docker/config.json"));
        try (RegistryClient c = RegistryClient.builder(images).dockerConfig(config).environment(Map.of()).sleeper(sleeps::add).build()) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.login(host(), "alice", "wrong"));
            assertEquals("UNAUTHORIZED", e.code());
            assertEquals(Optional.empty(), config.credentials(host()));
            c.login(host(), "alice", "right");
        }
        assertEquals(Optional.of(Credentials.basic("alice", "right")), config.credentials(host()));
    }

    @Test
    void bearerLoginKeepsTheRefreshTokenAndUsesIt() throws Exception {
        String challenge = "Bearer realm=\"http://127.0.0.1:" + wm.port() + "/oauth\",service=\"reg\"";
        wm.stubFor(get(urlPathEqualTo("/v2/")).willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", challenge)));
        wm.stubFor(get(urlPathEqualTo("/oauth")).withHeader("Authorization", equalTo(Credentials.basic("dave", "pw").basicHeader()))
                .withQueryParam("offline_token", equalTo("true"))
                .willReturn(aResponse().withBody("{\"token\":\"a\",\"refresh_token\":\"r-123\"}")));
        wm.stubFor(post(urlPathEqualTo("/oauth")).withRequestBody(containing("grant_type=refresh_token"))
                .withRequestBody(containing("refresh_token=r-123")).withRequestBody(containing("scope=repository%3Atest%2Frepo%3Apull"))
                .willReturn(aResponse().withBody("{\"access_token\":\"acc\",\"expires_in\":600}")));
        wm.stubFor(get(urlPathEqualTo("/v2/" + REPO + "/tags/list")).withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate",
                        challenge + ",scope=\"repository:" + REPO + ":pull\"")));
        wm.stubFor(get(urlPathEqualTo("/v2/" + REPO + "/tags/list")).withHeader("Authorization", equalTo("Bearer acc"))
                .willReturn(aResponse().withHeader("Link", "</v2/" + REPO + "/tags/list?n=1&last=a>; rel=\"next\"")
                        .withBody("{\"name\":\"test/repo\",\"tags\":[\"a\"]}")));
        wm.stubFor(get(urlPathEqualTo("/v2/" + REPO + "/tags/list")).withQueryParam("last", equalTo("a"))
                .withHeader("Authorization", equalTo("Bearer acc"))
                .willReturn(aResponse().withBody("{\"name\":\"test/repo\",\"tags\":[\"b\"]}")));
        DockerConfig config = DockerConfig.at(dir.resolve("docker/config.json"));
        try (RegistryClient c = RegistryClient.builder(images).dockerConfig(config).environment(Map.of()).sleeper(sleeps::add).build()) {
            c.login(host(), "dave", "pw");
            assertEquals("r-123", config.credentials(host()).orElseThrow().identityToken());
            assertEquals(List.of("a", "b"), c.tags(ref("x")));
        }
    }

    @Test
    void expiredTokenMidPushIsReplaced() throws Exception {
        ImageManifest m = storedImage(random(3000, 1));
        String challenge = "Bearer realm=\"http://127.0.0.1:" + wm.port() + "/token\",service=\"reg\"";
        wm.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", challenge)));
        wm.stubFor(get(urlPathEqualTo("/token")).inScenario("tokens").whenScenarioStateIs(STARTED).willSetStateTo("second")
                .willReturn(aResponse().withBody("{\"token\":\"t1\",\"expires_in\":3600}")));
        wm.stubFor(get(urlPathEqualTo("/token")).inScenario("tokens").whenScenarioStateIs("second")
                .willReturn(aResponse().withBody("{\"token\":\"t2\",\"expires_in\":3600}")));
        for (String t : List.of("t1", "t2")) {
            wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).withHeader("Authorization", equalTo("Bearer " + t))
                    .atPriority(1).willReturn(aResponse().withStatus(404)));
            wm.stubFor(post(urlPathEqualTo("/v2/" + REPO + "/blobs/uploads/")).withHeader("Authorization", equalTo("Bearer " + t))
                    .atPriority(1).willReturn(aResponse().withStatus(202).withHeader("Location", "/v2/" + REPO + "/blobs/uploads/u-" + t)));
            wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).withHeader("Authorization", equalTo("Bearer " + t))
                    .atPriority(1).willReturn(aResponse().withStatus(201)));
        }
        // the token t1 "expires" when the blobs are committed: only t2 may finish uploads
        wm.stubFor(put(urlPathMatching("/v2/" + REPO + "/blobs/uploads/.*")).withHeader("Authorization", equalTo("Bearer t2"))
                .atPriority(1).willReturn(aResponse().withStatus(201)));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            assertEquals(m.digest(), c.push(m.descriptor(), ref("v1")).digest());
        }
        wm.verify(2, getRequestedFor(urlPathEqualTo("/token")));
        wm.verify(putRequestedFor(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).withHeader("Authorization", equalTo("Bearer t2")));
        wm.verify(2, putRequestedFor(urlPathMatching("/v2/" + REPO + "/blobs/uploads/.*"))
                .withHeader("Authorization", equalTo("Bearer t2")).withQueryParam("digest", matching("sha256:.*")));
    }

    /** The client's record that {@code other} (a repository of this registry) holds every blob of {@code m}. */
    private void knownIn(ImageManifest m, String other) throws Exception {
        StringBuilder json = new StringBuilder("{");
        for (Descriptor d : List.of(m.config(), m.layers().get(0))) {
            json.append(json.length() == 1 ? "" : ",").append('"').append(d.digest()).append("\":[\"")
                    .append(host()).append('/').append(other).append("\"]");
        }
        Path file = dir.resolve("registry-client").resolve("blob-sources.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, json.append('}').toString());
    }

    private static final String UPLOADS = "/v2/" + REPO + "/blobs/uploads/";

    @Test
    void aBlobKnownInAnotherRepositoryIsMountedWithoutAHead() throws Exception {
        ImageManifest m = storedImage(random(2000, 11));
        knownIn(m, "test/other");
        wm.stubFor(post(urlPathEqualTo(UPLOADS)).withQueryParam("from", equalTo("test/other"))
                .willReturn(aResponse().withStatus(201)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(201)));
        RegistryRoundTripTest.Recorder rec = new RegistryRoundTripTest.Recorder();
        try (RegistryClient c = RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of()).progress(rec).build()) {
            assertEquals(m.digest(), c.push(m.descriptor(), ref("v1")).digest());
        }
        wm.verify(0, headRequestedFor(urlPathMatching("/v2/.*")));
        wm.verify(2, postRequestedFor(urlPathEqualTo(UPLOADS)).withQueryParam("mount", matching("sha256:.*")));
        assertEquals(List.of("mounted from test/other", "mounted from test/other"), List.copyOf(rec.skipped));
        BlobSources recorded = new BlobSources(dir.resolve("registry-client").resolve("blob-sources.json"));
        assertEquals(List.of(REPO, "test/other"), recorded.repositories(m.layers().get(0).digest(), host()));
    }

    @Test
    void whereTheBlobsAreIsWrittenDownBeforeAPushReturnsEvenWhenTheManifestIsRefused() throws Exception {
        ImageManifest m = storedImage(random(2000, 17));
        knownIn(m, "test/other");
        wm.stubFor(post(urlPathEqualTo(UPLOADS)).willReturn(aResponse().withStatus(201)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(400)
                .withBody("{\"errors\":[{\"code\":\"MANIFEST_INVALID\",\"message\":\"no\"}]}")));
        Path file = dir.resolve("registry-client").resolve("blob-sources.json");
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.push(m.descriptor(), ref("v1")));
            assertEquals("MANIFEST_INVALID", e.code());
            // read while the client is open: written by the push, not by close()
            for (Descriptor d : List.of(m.config(), m.layers().get(0))) {
                assertEquals(List.of(REPO, "test/other"), new BlobSources(file).repositories(d.digest(), host()));
            }
        }
    }

    @Test
    void aFailedPushStillWritesDownTheBlobsItMounted() throws Exception {
        ImageManifest m = storedImage(random(2000, 18));
        knownIn(m, "test/other");
        wm.stubFor(post(urlPathEqualTo(UPLOADS)).atPriority(1).withQueryParam("mount", equalTo(m.config().digest().toString()))
                .willReturn(aResponse().withStatus(201)));
        wm.stubFor(post(urlPathEqualTo(UPLOADS)).atPriority(5).willReturn(aResponse().withStatus(500)));
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(404)));
        Path file = dir.resolve("registry-client").resolve("blob-sources.json");
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.push(m.descriptor(), ref("v1")));
            assertEquals(500, e.status());
            BlobSources recorded = new BlobSources(file);
            assertEquals(List.of(REPO, "test/other"), recorded.repositories(m.config().digest(), host()));
            assertEquals(List.of("test/other"), recorded.repositories(m.layers().get(0).digest(), host()));
        }
        wm.verify(0, putRequestedFor(urlPathMatching("/v2/" + REPO + "/manifests/.*")));
    }

    @Test
    void aMountAnswered202IsCheckedWithAHeadThenUploadedIntoItsSession() throws Exception {
        ImageManifest m = storedImage(random(2000, 12));
        knownIn(m, "test/gone");
        wm.stubFor(post(urlPathEqualTo(UPLOADS)).withQueryParam("mount", matching("sha256:.*"))
                .willReturn(aResponse().withStatus(202).withHeader("Location", UPLOADS + "from-mount?_state=m")));
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(404)));
        wm.stubFor(put(urlPathEqualTo(UPLOADS + "from-mount")).willReturn(aResponse().withStatus(201)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(201)));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            assertEquals(m.digest(), c.push(m.descriptor(), ref("v1")).digest());
        }
        wm.verify(2, headRequestedFor(urlPathMatching("/v2/" + REPO + "/blobs/sha256:.*")));
        wm.verify(0, postRequestedFor(urlPathEqualTo(UPLOADS)).withQueryParam("mount", absent()));
        for (Descriptor d : List.of(m.config(), m.layers().get(0))) {
            wm.verify(1, putRequestedFor(urlPathEqualTo(UPLOADS + "from-mount")).withQueryParam("_state", equalTo("m"))
                    .withQueryParam("digest", equalTo(d.digest().toString())));
        }
    }

    @Test
    void aMountAnswered202ForABlobTheRepositoryHasEndsTheSessionAndUploadsNothing() throws Exception {
        ImageManifest m = storedImage(random(2000, 13));
        knownIn(m, "test/gone");
        wm.stubFor(post(urlPathEqualTo(UPLOADS)).willReturn(aResponse().withStatus(202)
                .withHeader("Location", UPLOADS + "unwanted")));
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(200)));
        wm.stubFor(delete(urlPathEqualTo(UPLOADS + "unwanted")).willReturn(aResponse().withStatus(204)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(201)));
        RegistryRoundTripTest.Recorder rec = new RegistryRoundTripTest.Recorder();
        try (RegistryClient c = RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS)
                .environment(Map.of()).progress(rec).build()) {
            c.push(m.descriptor(), ref("v1"));
        }
        wm.verify(2, deleteRequestedFor(urlPathEqualTo(UPLOADS + "unwanted")));
        wm.verify(0, putRequestedFor(urlPathMatching(UPLOADS + ".*")));
        wm.verify(0, patchRequestedFor(urlPathMatching(UPLOADS + ".*")));
        assertEquals(List.of("already in " + REPO, "already in " + REPO), List.copyOf(rec.skipped));
    }

    @Test
    void aRegistryThatRefusesMountsGetsAHeadAndAnUpload() throws Exception {
        ImageManifest m = storedImage(random(2000, 14));
        knownIn(m, "test/other");
        wm.stubFor(post(urlPathEqualTo(UPLOADS)).withQueryParam("mount", matching(".*")).willReturn(aResponse().withStatus(405)
                .withBody("{\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"no mounts\"}]}")));
        wm.stubFor(post(urlPathEqualTo(UPLOADS)).withQueryParam("mount", absent())
                .willReturn(aResponse().withStatus(202).withHeader("Location", UPLOADS + "plain")));
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(404)));
        wm.stubFor(put(urlPathEqualTo(UPLOADS + "plain")).willReturn(aResponse().withStatus(201)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(201)));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            assertEquals(m.digest(), c.push(m.descriptor(), ref("v1")).digest());
        }
        wm.verify(2, headRequestedFor(urlPathMatching("/v2/" + REPO + "/blobs/sha256:.*")));
        wm.verify(2, putRequestedFor(urlPathEqualTo(UPLOADS + "plain")));
    }

    @Test
    void aBlobKnownInTheRepositoryItselfIsCheckedWithAHeadFirst() throws Exception {
        ImageManifest m = storedImage(random(2000, 15));
        knownIn(m, "test/other");
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            // a push to test/repo records that test/repo holds the blobs, most recent first
            wm.stubFor(post(urlPathEqualTo(UPLOADS)).willReturn(aResponse().withStatus(201)));
            wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(201)));
            c.push(m.descriptor(), ref("v1"));
            wm.resetRequests();
            wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(200)));
            c.push(m.descriptor(), ref("v1"));
        }
        wm.verify(2, headRequestedFor(urlPathMatching("/v2/" + REPO + "/blobs/sha256:.*")));
        wm.verify(0, postRequestedFor(urlPathMatching("/v2/.*")));
    }

    @Test
    void aMountAsksForATokenThatMayAlsoPullFromTheSourceRepository() throws Exception {
        ImageManifest m = storedImage(random(2000, 16));
        knownIn(m, "test/other");
        String challenge = "Bearer realm=\"http://127.0.0.1:" + wm.port() + "/token\",service=\"reg\"";
        wm.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", challenge)));
        wm.stubFor(get(urlPathEqualTo("/token")).withQueryParam("scope", equalTo("repository:test/other:pull"))
                .atPriority(1).willReturn(aResponse().withBody("{\"token\":\"both\",\"expires_in\":3600}")));
        wm.stubFor(get(urlPathEqualTo("/token")).atPriority(5)
                .willReturn(aResponse().withBody("{\"token\":\"push-only\",\"expires_in\":3600}")));
        wm.stubFor(post(urlPathEqualTo(UPLOADS)).withQueryParam("from", equalTo("test/other"))
                .withHeader("Authorization", equalTo("Bearer both")).atPriority(1).willReturn(aResponse().withStatus(201)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).withHeader("Authorization", matching("Bearer .*"))
                .atPriority(1).willReturn(aResponse().withStatus(201)));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            assertEquals(m.digest(), c.push(m.descriptor(), ref("v1")).digest());
        }
        wm.verify(2, postRequestedFor(urlPathEqualTo(UPLOADS)).withHeader("Authorization", equalTo("Bearer both")));
        wm.verify(0, headRequestedFor(urlPathMatching("/v2/.*")));
    }

    @Test
    void tooManyRequestsHonoursRetryAfterAnd500IsRetried() throws Exception {
        byte[] layer = random(5000, 2);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer);
        wm.stubFor(get(urlPathEqualTo(blobPath(d.digest()))).inScenario("s").whenScenarioStateIs(STARTED).willSetStateTo("b")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "30")
                        .withBody("{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}")));
        wm.stubFor(get(urlPathEqualTo(blobPath(d.digest()))).inScenario("s").whenScenarioStateIs("b").willSetStateTo("c")
                .willReturn(aResponse().withStatus(500)));
        wm.stubFor(get(urlPathEqualTo(blobPath(d.digest()))).inScenario("s").whenScenarioStateIs("c")
                .willReturn(aResponse().withStatus(200).withBody(layer)));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            transfers(c).fetchBlob(ref("v1"), d);
        }
        assertArrayEquals(layer, images.blobs().readAllBytes(d.digest()));
        assertEquals(2, sleeps.size());
        assertEquals(Duration.ofSeconds(30), sleeps.get(0), "waited as asked, beyond the backoff's bound");
        assertTrue(sleeps.get(1).compareTo(Duration.ofMillis(200)) <= 0 && sleeps.get(1).compareTo(Duration.ofMillis(100)) >= 0,
                sleeps.toString());
    }

    @Test
    void aRetryAfterLongerThanAMinuteIsReportedAtOnce() throws Exception {
        wm.stubFor(get(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(429)
                .withHeader("Retry-After", "3600")
                .withBody("{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"pull rate limit\"}]}")));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.manifest(ref("v1")));
            assertEquals(429, e.status());
            assertTrue(e.getMessage().contains("Retry-After: 3600"), e.getMessage());
        }
        assertTrue(sleeps.isEmpty(), "not waited for");
        wm.verify(1, getRequestedFor(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")));
    }

    @Test
    void aTokenWithoutTheRightsAskedForIsDeniedNotUnauthorized() throws Exception {
        wm.stubFor(get(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(401)
                .withHeader("WWW-Authenticate", "Bearer realm=\"" + wm.baseUrl() + "/token\",service=\"s\",scope=\"repository:"
                        + REPO + ":pull\",error=\"insufficient_scope\"")
                .withBody("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}")));
        wm.stubFor(get(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(200).withBody("{\"token\":\"t\"}")));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.manifest(ref("v1")));
            assertEquals("DENIED", e.code());
            assertTrue(e.getMessage().contains("may not do this"), e.getMessage());
        }
    }

    @Test
    void persistentFailureStopsAtTheBoundWithTheCode() throws Exception {
        wm.stubFor(get(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(503)
                .withBody("{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"down\"}]}")));
        wm.stubFor(get(urlPathEqualTo("/v2/" + REPO + "/manifests/v2")).willReturn(aResponse().withStatus(403)
                .withBody("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}")));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.manifest(ref("v1")));
            assertEquals(503, e.status());
            assertEquals("UNAVAILABLE", e.code());
            assertEquals(3, sleeps.size());
            sleeps.clear();
            RegistryException denied = assertThrows(RegistryException.class, () -> c.manifest(ref("v2")));
            assertEquals("DENIED", denied.code());
            assertTrue(denied.getMessage().contains("hoist login " + host()), denied.getMessage());
            assertTrue(sleeps.isEmpty(), "not retried");
        }
        wm.verify(4, getRequestedFor(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")));
        wm.verify(1, getRequestedFor(urlPathEqualTo("/v2/" + REPO + "/manifests/v2")));
    }

    @Test
    void relativeAndAbsoluteLocationsAreFollowed() throws Exception {
        byte[] big = random(300_000, 4);
        ImageManifest m = storedImage(big);
        Descriptor config = m.config();
        Descriptor layer = m.layers().get(0);
        assertEquals(big.length, layer.size());
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(404)));
        wm.stubFor(post(urlPathEqualTo("/v2/" + REPO + "/blobs/uploads/")).inScenario("loc").whenScenarioStateIs(STARTED)
                .willSetStateTo("abs").willReturn(aResponse().withStatus(202).withHeader("Location", "/v2/" + REPO + "/blobs/uploads/rel")));
        wm.stubFor(post(urlPathEqualTo("/v2/" + REPO + "/blobs/uploads/")).inScenario("loc").whenScenarioStateIs("abs")
                .willReturn(aResponse().withStatus(202).withHeader("Location",
                        "http://127.0.0.1:" + wm.port() + "/v2/" + REPO + "/blobs/uploads/abs?_state=xyz")));
        wm.stubFor(patch(urlPathMatching("/v2/" + REPO + "/blobs/uploads/.*"))
                .willReturn(aResponse().withStatus(202).withTransformers()
                        .withHeader("Location", "/v2/" + REPO + "/blobs/uploads/patched?_state=p")
                        .withHeader("Range", "0-" + (big.length - 1))));
        wm.stubFor(put(urlPathMatching("/v2/" + REPO + "/blobs/uploads/.*")).willReturn(aResponse().withStatus(201)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(201)));
        try (RegistryClient c = RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS).environment(Map.of())
                .parallelism(1).uploadSizes(1000, 1 << 20).sleeper(sleeps::add).build()) {
            c.push(m.descriptor(), ref("v1"));
        }
        List<LoggedRequest> puts = wm.findAll(putRequestedFor(urlPathMatching("/v2/" + REPO + "/blobs/uploads/.*")));
        assertEquals(2, puts.size());
        List<String> urls = puts.stream().map(LoggedRequest::getUrl).sorted().toList();
        // the small config went to one Location in one PUT; the big layer was PATCHed then committed where the PATCH said
        assertTrue(urls.stream().anyMatch(u -> u.equals("/v2/" + REPO + "/blobs/uploads/patched?_state=p&digest="
                + layer.digest().toString().replace(":", "%3A"))), urls.toString());
        assertTrue(urls.stream().anyMatch(u -> u.startsWith("/v2/" + REPO + "/blobs/uploads/")
                && u.endsWith("digest=" + config.digest().toString().replace(":", "%3A"))), urls.toString());
    }

    @Test
    void chunkedUploadResumesFromTheRegistrysOffset() throws Exception {
        ImageManifest m = storedImage(random(300_000, 8));
        String up = "/v2/" + REPO + "/blobs/uploads/s1";
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(404)));
        wm.stubFor(post(urlPathEqualTo("/v2/" + REPO + "/blobs/uploads/")).willReturn(aResponse().withStatus(202).withHeader("Location", up)));
        wm.stubFor(patch(urlPathEqualTo(up)).withHeader("Content-Range", equalTo("0-99999"))
                .willReturn(aResponse().withStatus(202).withHeader("Location", up).withHeader("Range", "0-99999")));
        wm.stubFor(patch(urlPathEqualTo(up)).withHeader("Content-Range", equalTo("100000-199999"))
                .willReturn(aResponse().withStatus(500)));
        wm.stubFor(get(urlPathEqualTo(up)).willReturn(aResponse().withStatus(204).withHeader("Location", up).withHeader("Range", "0-149999")));
        wm.stubFor(patch(urlPathEqualTo(up)).withHeader("Content-Range", equalTo("150000-249999"))
                .willReturn(aResponse().withStatus(202).withHeader("Location", up).withHeader("Range", "0-249999")));
        wm.stubFor(patch(urlPathEqualTo(up)).withHeader("Content-Range", equalTo("250000-299999"))
                .willReturn(aResponse().withStatus(202).withHeader("Location", up).withHeader("Range", "0-299999")));
        wm.stubFor(put(urlPathEqualTo(up)).willReturn(aResponse().withStatus(201)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(201)));
        try (RegistryClient c = RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS).environment(Map.of())
                .uploadSizes(1000, 100_000).sleeper(sleeps::add).build()) {
            c.push(m.descriptor(), ref("v1"));
        }
        wm.verify(1, patchRequestedFor(urlPathEqualTo(up)).withHeader("Content-Range", equalTo("100000-199999")));
        wm.verify(1, patchRequestedFor(urlPathEqualTo(up)).withHeader("Content-Range", equalTo("150000-249999")));
        wm.verify(1, putRequestedFor(urlPathEqualTo(up)).withQueryParam("digest", equalTo(m.layers().get(0).digest().toString())));
        List<LoggedRequest> resumed = wm.findAll(patchRequestedFor(urlPathEqualTo(up)).withHeader("Content-Range", equalTo("150000-249999")));
        byte[] layer = images.blobs().readAllBytes(m.layers().get(0).digest());
        assertArrayEquals(java.util.Arrays.copyOfRange(layer, 150_000, 250_000), resumed.get(0).getBody());
        wm.verify(1, putRequestedFor(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")));
    }

    /**
     * The CNCF registry and hoist's server answer {@code Range: 0-0} for an empty upload session too, so after a
     * first PATCH that failed, the upload must not go on at byte 1 (every PATCH would get 416): it starts again
     * in a new session and cancels the old one.
     */
    @Test
    void aFailedFirstPatchStartsANewSessionRatherThanResumingAtByteOne() throws Exception {
        ImageManifest m = storedImage(random(300_000, 13));
        Descriptor layer = m.layers().get(0);
        String first = "/v2/" + REPO + "/blobs/uploads/s1";
        String second = "/v2/" + REPO + "/blobs/uploads/s2";
        String uploads = "/v2/" + REPO + "/blobs/uploads/";
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(404)));
        wm.stubFor(post(urlPathEqualTo(uploads)).inScenario("sessions").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(202).withHeader("Location", first)).willSetStateTo("second"));
        wm.stubFor(post(urlPathEqualTo(uploads)).inScenario("sessions").whenScenarioStateIs("second")
                .willReturn(aResponse().withStatus(202).withHeader("Location", second)));
        wm.stubFor(patch(urlPathEqualTo(first)).willReturn(aResponse().withStatus(503)));
        wm.stubFor(get(urlPathEqualTo(first)).willReturn(aResponse().withStatus(204).withHeader("Location", first)
                .withHeader("Range", "0-0")));
        wm.stubFor(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(first))
                .willReturn(aResponse().withStatus(204)));
        wm.stubFor(patch(urlPathEqualTo(second)).withHeader("Content-Range", equalTo("0-299999"))
                .willReturn(aResponse().withStatus(202).withHeader("Location", second).withHeader("Range", "0-299999")));
        wm.stubFor(patch(urlPathEqualTo(second)).withHeader("Content-Range", equalTo("1-299999"))
                .willReturn(aResponse().withStatus(416)));
        wm.stubFor(put(urlPathEqualTo(second)).willReturn(aResponse().withStatus(201)));
        try (RegistryClient c = RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS).environment(Map.of())
                .uploadSizes(1000, Long.MAX_VALUE).sleeper(sleeps::add).build()) {
            transfers(c).pushBlob(layer, ref("v1"), Transfers.BlobSource.local(images.blobs()));
        }
        wm.verify(1, com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor(urlPathEqualTo(first)));
        List<LoggedRequest> patches = wm.findAll(patchRequestedFor(urlPathEqualTo(second)));
        assertEquals(1, patches.size());
        assertEquals("0-299999", patches.get(0).getHeader("Content-Range"));
        assertArrayEquals(images.blobs().readAllBytes(layer.digest()), patches.get(0).getBody());
        wm.verify(1, putRequestedFor(urlPathEqualTo(second)).withQueryParam("digest", equalTo(layer.digest().toString())));
    }

    @Test
    void bigBlobsStreamInOnePatchByDefault() throws Exception {
        ImageManifest m = storedImage(random(300_000, 10));
        String up = "/v2/" + REPO + "/blobs/uploads/one";
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(404)));
        wm.stubFor(post(urlPathEqualTo("/v2/" + REPO + "/blobs/uploads/")).willReturn(aResponse().withStatus(202).withHeader("Location", up)));
        wm.stubFor(patch(urlPathEqualTo(up)).willReturn(aResponse().withStatus(202).withHeader("Location", up).withHeader("Range", "0-299999")));
        wm.stubFor(put(urlPathEqualTo(up)).willReturn(aResponse().withStatus(201)));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/manifests/v1")).willReturn(aResponse().withStatus(201)));
        try (RegistryClient c = RegistryClient.builder(images).credentials(CredentialsProvider.ANONYMOUS).environment(Map.of())
                .uploadSizes(1000, Long.MAX_VALUE).sleeper(sleeps::add).build()) {
            c.push(m.descriptor(), ref("v1"));
        }
        List<LoggedRequest> patches = wm.findAll(patchRequestedFor(urlPathEqualTo(up)));
        assertEquals(1, patches.size(), "one PATCH carries the whole layer");
        assertEquals("0-299999", patches.get(0).getHeader("Content-Range"));
        assertArrayEquals(images.blobs().readAllBytes(m.layers().get(0).digest()), patches.get(0).getBody());
        wm.verify(1, putRequestedFor(urlPathEqualTo(up)).withQueryParam("digest", equalTo(m.layers().get(0).digest().toString())));
    }

    @Test
    void failedBlobMeansNoManifest() throws Exception {
        ImageManifest m = storedImage(random(2000, 9));
        wm.stubFor(head(urlPathMatching("/v2/" + REPO + "/blobs/.*")).willReturn(aResponse().withStatus(404)));
        wm.stubFor(post(urlPathEqualTo("/v2/" + REPO + "/blobs/uploads/")).willReturn(aResponse().withStatus(202)
                .withHeader("Location", "/v2/" + REPO + "/blobs/uploads/x")));
        wm.stubFor(put(urlPathEqualTo("/v2/" + REPO + "/blobs/uploads/x")).willReturn(aResponse().withStatus(400)
                .withBody("{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"provided digest did not match uploaded content\"}]}")));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.push(m.descriptor(), ref("v1")));
            assertEquals("DIGEST_INVALID", e.code());
            assertEquals(400, e.status());
        }
        wm.verify(0, putRequestedFor(urlPathMatching("/v2/" + REPO + "/manifests/.*")));
    }

    @Test
    void redirectToAnotherHostCarriesNoCredentials() throws Exception {
        other = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        other.start();
        byte[] layer = random(4000, 5);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer);
        wm.stubFor(get(urlPathEqualTo(blobPath(d.digest()))).withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"reg\"")));
        wm.stubFor(get(urlPathEqualTo(blobPath(d.digest()))).withHeader("Authorization", equalTo(Credentials.basic("alice", "secret").basicHeader()))
                .willReturn(aResponse().withStatus(307).withHeader("Location", "http://127.0.0.1:" + other.port() + "/cdn/blob?sig=1")));
        other.stubFor(get(urlPathEqualTo("/cdn/blob")).willReturn(aResponse().withStatus(200).withBody(layer)));
        try (RegistryClient c = client(r -> Optional.of(Credentials.basic("alice", "secret")))) {
            transfers(c).fetchBlob(ref("v1"), d);
        }
        assertTrue(images.blobs().contains(d.digest()));
        other.verify(1, getRequestedFor(urlPathEqualTo("/cdn/blob")).withHeader("Authorization", absent()));
    }

    @Test
    void blobWithTheWrongContentIsRefusedAndNotStored() throws Exception {
        byte[] layer = random(4000, 6);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer);
        byte[] evil = layer.clone();
        evil[100] ^= 1;
        wm.stubFor(get(urlPathEqualTo(blobPath(d.digest()))).willReturn(aResponse().withStatus(200).withBody(evil)));
        try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
            RegistryException e = assertThrows(RegistryException.class, () -> transfers(c).fetchBlob(ref("v1"), d));
            assertEquals("DIGEST_INVALID", e.code());
        }
        assertFalse(images.blobs().contains(d.digest()));
        assertTrue(images.blobs().list().isEmpty());
    }

    @Test
    void connectionCutMidBlobResumesWithRange() throws Exception {
        byte[] layer = random(200_000, 7);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer);
        List<String> ranges = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < 2; i++) {
                        try (Socket s = server.accept()) {
                            String range = readRange(s.getInputStream());
                            ranges.add(String.valueOf(range));
                            OutputStream out = s.getOutputStream();
                            if (range == null) {
                                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + layer.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                                out.write(layer, 0, 70_000);
                                out.flush();
                            } else {
                                long from = Long.parseLong(range.substring("bytes=".length(), range.indexOf('-')));
                                out.write(("HTTP/1.1 206 Partial Content\r\nContent-Length: " + (layer.length - from)
                                        + "\r\nContent-Range: bytes " + from + "-" + (layer.length - 1) + "/" + layer.length
                                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                                out.write(layer, (int) from, (int) (layer.length - from));
                                out.flush();
                            }
                        }
                    }
                } catch (Exception ignored) {
                    // the test's assertions tell
                }
            });
            t.setDaemon(true);
            t.start();
            Reference r = Reference.parse("127.0.0.1:" + server.getLocalPort() + "/" + REPO + ":v1");
            try (RegistryClient c = client(CredentialsProvider.ANONYMOUS)) {
                transfers(c).fetchBlob(r, d);
            }
            t.join();
        }
        assertArrayEquals(layer, images.blobs().readAllBytes(d.digest()));
        assertEquals(2, ranges.size(), ranges.toString());
        assertEquals("null", ranges.get(0));
        assertEquals("bytes=70000-", ranges.get(1));
    }

    private static String readRange(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            sb.append((char) b);
        }
        for (String line : sb.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("range:")) {
                return line.substring(6).trim();
            }
        }
        return null;
    }

    private static Transfers transfers(RegistryClient c) throws Exception {
        var f = RegistryClient.class.getDeclaredField("transfers");
        f.setAccessible(true);
        return (Transfers) f.get(c);
    }

    private static com.github.tomakehurst.wiremock.client.MappingBuilder any(com.github.tomakehurst.wiremock.matching.UrlPattern p) {
        return com.github.tomakehurst.wiremock.client.WireMock.any(p);
    }

    private static com.github.tomakehurst.wiremock.matching.UrlPattern urlPathMatching(String regex) {
        return com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(regex);
    }

    private static com.github.tomakehurst.wiremock.matching.StringValuePattern matching(String regex) {
        return com.github.tomakehurst.wiremock.client.WireMock.matching(regex);
    }
}
