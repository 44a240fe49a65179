package dev.hoist.cache.image;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.StoreException;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Platform;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotsTest {
    @TempDir
    Path dir;

    @Test
    void chainIdFollowsTheImageSpec() {
        Digest a = Digest.sha256("a");
        Digest b = Digest.sha256("b");
        assertEquals(a, Snapshots.chainId(List.of(a)));
        assertEquals(Digest.sha256(a + " " + b), Snapshots.chainId(List.of(a, b)));
    }

    @Test
    void unpacksAnImageOnceAndReusesIt() throws Exception {
        LocalImages images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        Image image;
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            image = new ImageImporter(images, Executors.newSingleThreadExecutor(), 1).importTar(in,
                    new ImageImporter.Options(ContainerConfig.EMPTY, Platform.current(), Instant.EPOCH, "test"));
        }
        Snapshots snapshots = new Snapshots(images);
        Path rootfs = snapshots.rootfs(image);
        assertTrue(Files.isRegularFile(rootfs.resolve("bin/busybox")));
        assertTrue(Files.isSymbolicLink(rootfs.resolve("bin/sh")));
        assertEquals(rootfs, snapshots.rootfs(image));
        assertEquals(List.of(rootfs), snapshots.removeUnused(true), "no name points at the image yet");
        images.tag(image, "kept:1");
        assertEquals(List.of(), snapshots.removeUnused(false));
        images.remove("kept:1", false);
        assertEquals(List.of(rootfs), snapshots.removeUnused(false));
        assertTrue(Files.notExists(rootfs));
        try (var s = Files.list(images.root().tmpDir())) {
            assertEquals(0, s.count(), "no temporary directory is left");
        }
    }

    @Test
    void aLayerThatDoesNotMatchItsDiffIdLeavesNothing() throws Exception {
        LocalImages images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        Image image;
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            image = new ImageImporter(images, Executors.newSingleThreadExecutor(), 1).importTar(in,
                    new ImageImporter.Options(ContainerConfig.EMPTY, Platform.current(), Instant.EPOCH, "test"));
        }
        var wrongConfig = image.config().toBuilder().rootfs(dev.hoist.oci.RootFs.layers(List.of(Digest.sha256("x")))).build();
        Image lying = images.commit(wrongConfig, image.manifest().layers(), false);
        StoreException e = assertThrows(StoreException.class, () -> new Snapshots(images).rootfs(lying));
        assertTrue(e.getMessage().contains("the image is corrupt"), e.getMessage());
        assertTrue(Files.notExists(images.root().path().resolve("snapshots").resolve(Snapshots.chainId(List.of(Digest.sha256("x"))).hex())));
    }
}
