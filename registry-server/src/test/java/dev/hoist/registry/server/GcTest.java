package dev.hoist.registry.server;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Offline and online garbage collection. */
class GcTest {
    @TempDir
    Path dir;

    Path blobFile(RegistryConfig c, Digest d) {
        return c.storage().resolve("blobs").resolve(d.algorithmName()).resolve(d.hex().substring(0, 2)).resolve(d.hex());
    }

    @Test
    void offlineDryRunThenSweepThenDeleteUntagged() throws Exception {
        RegistryConfig c = TestRegistry.config(dir, Map.of());
        ImageManifest kept;
        ImageManifest untagged;
        ImageManifest referrer;
        Digest orphan;
        ImageManifest deleted;
        try (TestRegistry r = new TestRegistry(c)) {
            kept = r.pushImage("app", "v1", "kept");
            untagged = r.pushImage("app", "v2", "untagged");
            r.putManifest("app", "v2", MediaTypes.OCI_MANIFEST, kept.bytes());
            byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
            r.pushBlob("app", empty);
            referrer = ImageManifest.builder().config(Descriptor.of(MediaTypes.OCI_EMPTY, empty)).artifactType("application/x-sig")
                    .subject(kept.descriptor()).build();
            assertEquals(201, r.putManifest("app", referrer.digest().toString(), MediaTypes.OCI_MANIFEST, referrer.bytes()).statusCode());
            orphan = r.pushBlob("app", "nobody refers to me".getBytes(StandardCharsets.UTF_8));
            deleted = r.pushImage("other", "gone", "deleted");
            assertEquals(202, r.delete("/v2/other/manifests/" + deleted.digest()).statusCode());
            // Offline gc is refused while the registry serves.
            IOException busy = assertThrows(IOException.class, () -> RegistryGc.run(c, true, false));
            assertTrue(busy.getMessage().contains("in use"), busy.getMessage());
            assertTrue(busy.getMessage().contains("POST /admin/gc"), "says how to collect while serving: " + busy.getMessage());
        }

        GcReport dry = RegistryGc.run(c, true, false);
        assertTrue(dry.dryRun());
        assertTrue(dry.deletedBlobs().contains(orphan));
        assertTrue(dry.deletedBlobs().contains(deleted.digest()));
        assertTrue(dry.deletedBlobs().contains(deleted.layers().get(0).digest()));
        assertTrue(Files.exists(blobFile(c, orphan)), "a dry run deletes nothing");
        assertTrue(dry.summary().startsWith("would delete"), dry.summary());

        GcReport sweep = RegistryGc.run(c, false, false);
        assertEquals(dry.deletedBlobs().size(), sweep.deletedBlobs().size());
        assertTrue(sweep.freedBytes() > 0);
        assertFalse(Files.exists(blobFile(c, orphan)));
        assertTrue(Files.exists(blobFile(c, untagged.layers().get(0).digest())), "untagged revisions are kept without deleteUntagged");
        assertEquals(0, sweep.deletedManifests().size());

        GcReport untaggedToo = RegistryGc.run(c, false, true);
        assertEquals(java.util.List.of("app@" + untagged.digest()), untaggedToo.deletedManifests());
        assertFalse(Files.exists(blobFile(c, untagged.layers().get(0).digest())));
        assertFalse(Files.exists(blobFile(c, untagged.digest())));
        try (TestRegistry r = new TestRegistry(c)) {
            assertEquals(200, r.get("/v2/app/manifests/v1").statusCode());
            assertEquals(200, r.get("/v2/app/manifests/" + referrer.digest()).statusCode(), "a referrer lives as long as its subject");
            for (Descriptor d : kept.layers()) {
                assertEquals(d.digest(), Digest.sha256(r.get("/v2/app/blobs/" + d.digest()).body()));
            }
            assertEquals(404, r.get("/v2/app/manifests/" + untagged.digest()).statusCode());
            assertEquals(404, r.head("/v2/app/blobs/" + orphan).statusCode());
        }
        assertEquals(0, RegistryGc.run(c, false, true).deletedBlobs().size(), "a second run finds nothing");
    }

    @Test
    void onlineGcKeepsWhatPushesInProgressNeed() throws Exception {
        RegistryConfig c = TestRegistry.config(dir, Map.of("gc.grace", "1h"));
        Digest fresh;
        Digest old;
        try (TestRegistry r = new TestRegistry(c)) {
            r.pushImage("app", "v1", "tagged");
            // A blob just pushed, whose manifest has not come yet.
            fresh = r.pushBlob("app", "layer of a push in progress".getBytes(StandardCharsets.UTF_8));
            old = r.pushBlob("app", "an old orphan".getBytes(StandardCharsets.UTF_8));
            FileTime twoHoursAgo = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
            Files.setLastModifiedTime(blobFile(c, fresh), twoHoursAgo);
            Files.setLastModifiedTime(blobFile(c, old), twoHoursAgo);
            // Even with an old file time, a blob this registry saw pushed or checked recently is kept.
            GcReport report = r.server.gc(false, false);
            assertFalse(report.deletedBlobs().contains(fresh));
            assertFalse(report.deletedBlobs().contains(old));
        }
        try (TestRegistry r = new TestRegistry(c)) {
            // After a restart nothing remembers them; a client checks (HEAD) the blob it is about to reference.
            assertEquals(200, r.head("/v2/app/blobs/" + fresh).statusCode());
            GcReport report = r.server.gc(false, false);
            assertFalse(report.deletedBlobs().contains(fresh), "checked by a push in progress");
            assertTrue(report.deletedBlobs().contains(old));
            assertEquals(404, r.head("/v2/app/blobs/" + old).statusCode());
            ImageManifest m = ImageManifest.builder().config(Descriptor.of(MediaTypes.OCI_CONFIG,
                    "layer of a push in progress".getBytes(StandardCharsets.UTF_8))).build();
            assertEquals(201, r.putManifest("app", "v2", MediaTypes.OCI_MANIFEST, m.bytes()).statusCode());
        }
    }

    /**
     * A storage that, once {@code armed}, runs {@code hook} after the next manifest read: armed right before a
     * collection, that is the collection's mark, and what the hook pushes comes after it chose its roots.
     */
    static RegistryStorage hookAfterManifestRead(RegistryStorage real, java.util.concurrent.atomic.AtomicBoolean armed,
                                                 java.util.concurrent.Callable<Void> hook) {
        return (RegistryStorage) java.lang.reflect.Proxy.newProxyInstance(RegistryStorage.class.getClassLoader(),
                new Class<?>[]{RegistryStorage.class}, (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("getManifest") && armed.compareAndSet(true, false)) {
                        hook.call();
                    }
                    return result;
                });
    }

    @Test
    void onlineGcKeepsUntaggedManifestsThatPushesTakeUpWhileItRuns() throws Exception {
        RegistryConfig c = TestRegistry.config(dir, Map.of("gc.grace", "0s"));
        RegistryStorage storage = RegistryStorage.filesystem(c.storage(), new StorageOptions(false, 1 << 20));
        TestRegistry[] reg = new TestRegistry[1];
        ImageManifest[] m = new ImageManifest[4];
        ImageManifest referrer = ImageManifest.builder().config(Descriptor.of(MediaTypes.OCI_EMPTY, "{}".getBytes(StandardCharsets.UTF_8)))
                .artifactType("application/x-sig").build();
        java.util.concurrent.Callable<Void> pushes = () -> {
            TestRegistry r = reg[0];
            // m0 gets a tag, m1 a parent index, m2 a referrer; m3 nothing.
            assertEquals(201, r.putManifest("app", "again", MediaTypes.OCI_MANIFEST, m[0].bytes()).statusCode());
            dev.hoist.oci.ImageIndex index = dev.hoist.oci.ImageIndex.builder().addManifest(m[1].descriptor()).build();
            assertEquals(201, r.putManifest("app", "index", MediaTypes.OCI_INDEX, index.bytes()).statusCode());
            ImageManifest sig = referrer.toBuilder().subject(m[2].descriptor()).build();
            assertEquals(201, r.putManifest("app", sig.digest().toString(), MediaTypes.OCI_MANIFEST, sig.bytes()).statusCode());
            return null;
        };
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        try (TestRegistry r = new TestRegistry(RegistryServer.start(c, hookAfterManifestRead(storage, armed, pushes)))) {
            reg[0] = r;
            r.pushBlob("app", "{}".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < m.length; i++) {
                m[i] = r.pushImage("app", "tmp", "untagged " + i);
            }
            assertEquals(202, r.delete("/v2/app/manifests/tmp").statusCode());
            Thread.sleep(50); // past the grace period of 0s, and out of the memory of recent pushes

            armed.set(true);
            GcReport report = r.server.gc(false, true);

            assertEquals(java.util.List.of("app@" + m[3].digest()), report.deletedManifests(), report.summary());
            assertEquals(404, r.get("/v2/app/manifests/" + m[3].digest()).statusCode());
            assertEquals(200, r.get("/v2/app/manifests/again").statusCode(), "the tag pushed during gc");
            for (int i = 0; i < 3; i++) {
                assertEquals(200, r.get("/v2/app/manifests/" + m[i].digest()).statusCode(), "m" + i);
                Digest layer = m[i].layers().get(0).digest();
                assertEquals(layer, Digest.sha256(r.get("/v2/app/blobs/" + layer).body()), "a layer of m" + i);
            }
            assertEquals(200, r.get("/v2/app/manifests/index").statusCode());
            assertTrue(TestRegistry.body(r.get("/v2/app/referrers/" + m[2].digest())).contains("application/x-sig"));
        }
    }

    @Test
    void operatorsRunTheOnlineGcByHand() throws Exception {
        AuthTest.htpasswd(dir);
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "listen: 127.0.0.1:0\nfsync: false\ngc: {grace: 0s}\nauth:\n  htpasswd: htpasswd\n  rules:\n"
                + "    - repository: \"**\"\n      users: [alice]\n      actions: [\"*\"]\n"
                + "    - repository: \"bob/**\"\n      users: [bob]\n      actions: [\"*\"]\n");
        String alice = AuthTest.basic("alice", "alice-pw");
        try (TestRegistry r = new TestRegistry(RegistryConfig.load(cfg, dir))) {
            byte[] data = "an orphan".getBytes(StandardCharsets.UTF_8);
            Digest orphan = Digest.sha256(data);
            assertEquals(201, r.send(r.req("/v2/bob/app/blobs/uploads/?digest=" + orphan).header("Authorization", alice)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(data)).build()).statusCode());
            Thread.sleep(50); // past the grace period of 0s

            DistributionApiTest.assertError(r.send(r.req("/admin/gc").POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build()),
                    401, "UNAUTHORIZED");
            DistributionApiTest.assertError(r.send(r.req("/admin/gc").header("Authorization", AuthTest.basic("bob", "bob-pw"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build()), 403, "DENIED");
            DistributionApiTest.assertError(r.get("/admin/gc", "Authorization", alice), 405, "UNSUPPORTED");

            java.net.http.HttpResponse<byte[]> dry = r.send(r.req("/admin/gc?dryRun=true").header("Authorization", alice)
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, dry.statusCode(), TestRegistry.body(dry));
            com.fasterxml.jackson.databind.JsonNode report = dev.hoist.oci.OciJson.mapper().readTree(dry.body());
            assertTrue(report.path("dryRun").asBoolean());
            assertEquals(orphan.toString(), report.path("deletedBlobs").path(0).asText(), TestRegistry.body(dry));
            // (Checked on disk: a HEAD would mark the blob as needed by a push.)
            assertTrue(Files.exists(blobFile(r.server.config(), orphan)), "a dry run deletes nothing");

            java.net.http.HttpResponse<byte[]> run = r.send(r.req("/admin/gc").header("Authorization", alice)
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, run.statusCode(), TestRegistry.body(run));
            assertTrue(TestRegistry.body(run).contains("\"summary\":\"deleted 0 manifests and 1 blobs"), TestRegistry.body(run));
            assertEquals(404, r.send(r.req("/v2/bob/app/blobs/" + orphan).header("Authorization", alice)
                    .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build()).statusCode());
        }
    }

    @Test
    void readOnlyRegistryRefusesWritesButServes() throws Exception {
        RegistryConfig c = TestRegistry.config(dir, Map.of());
        ImageManifest m;
        try (TestRegistry r = new TestRegistry(c)) {
            m = r.pushImage("app", "v1", "ro");
        }
        try (TestRegistry r = new TestRegistry(c.withReadOnly(true))) {
            assertEquals(200, r.get("/v2/app/manifests/v1").statusCode());
            DistributionApiTest.assertError(r.putManifest("app", "v2", MediaTypes.OCI_MANIFEST, m.bytes()), 405, "UNSUPPORTED");
            DistributionApiTest.assertError(r.send(r.req("/v2/app/blobs/uploads/").POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build()),
                    405, "UNSUPPORTED");
            DistributionApiTest.assertError(r.delete("/v2/app/manifests/v1"), 405, "UNSUPPORTED");
            assertThrows(IOException.class, () -> r.server.gc(false, false));
            assertEquals(0, r.server.gc(true, false).deletedBlobs().size());
        }
    }
}
