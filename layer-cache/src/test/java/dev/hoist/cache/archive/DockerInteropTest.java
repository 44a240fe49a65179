package dev.hoist.cache.archive;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.History;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.oci.RootFs;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Archives exchanged with the peer Docker daemon (Docker 20.10). */
class DockerInteropTest {
    @TempDir
    Path tmp;
    LocalImages images;

    @BeforeEach
    void setUp() {
        Peers.assumeDocker();
        images = LocalImages.open(HoistRoot.at(tmp.resolve("root")));
    }

    @Test
    void loadsWhatDockerSaveWritesFromAFileAndFromAPipe() throws Exception {
        String dockerId = Peers.run("docker", "image", "inspect", "--format", "{{.Id}}", Peers.BUSYBOX).trim();
        Path saved = tmp.resolve("busybox.tar");
        Peers.run("docker", "save", "-o", saved.toString(), Peers.BUSYBOX);

        List<LoadedImage> loaded = new ArchiveLoader(images).load(saved);
        assertEquals(1, loaded.size());
        assertEquals(List.of("docker.io/library/busybox:local"), loaded.get(0).names());
        Image image = images.resolve(Peers.BUSYBOX);
        assertEquals(Digest.parse(dockerId), image.id(), "the image ID is Docker's");
        assertEquals(MediaTypes.OCI_MANIFEST, image.manifest().mediaType());
        assertEquals(image.config().diffIds().size(), image.manifest().layers().size());

        // The same through a pipe, compressed: `docker save busybox:local | gzip | hoist load`.
        LocalImages other = LocalImages.open(HoistRoot.at(tmp.resolve("other")));
        Process save = Peers.builder(List.of("docker", "save", Peers.BUSYBOX))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path gz = tmp.resolve("busybox.tar.gz");
        try (InputStream in = save.getInputStream();
             var out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            in.transferTo(out);
        }
        assertTrue(save.waitFor(5, TimeUnit.MINUTES) && save.exitValue() == 0, "docker save failed");
        Process cat = new ProcessBuilder("cat", gz.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (InputStream pipe = cat.getInputStream()) {
            new ArchiveLoader(other).load(pipe, "standard input");
        }
        assertTrue(cat.waitFor(1, TimeUnit.MINUTES) && cat.exitValue() == 0, "the writer of the pipe was not cut off");
        assertEquals(image.manifest(), other.resolve(Peers.BUSYBOX).manifest());
    }

    @Test
    void dockerLoadsAndRunsWhatHoistSaves() throws Exception {
        // busybox as a gzip layer, and a small uncompressed layer on top: docker load must take both as stored.
        byte[] rootfs = Files.readAllBytes(Busybox.rootfsTar());
        byte[] top = TestImages.tar(Map.of("hoist.txt", TestImages.utf8("from hoist\n")));
        Descriptor base = images.blobs().put(MediaTypes.OCI_LAYER_GZIP, TestImages.gzip(rootfs));
        Descriptor upper = images.blobs().put(MediaTypes.OCI_LAYER, top);
        ImageConfig config = ImageConfig.builder()
                .platform(Platform.current())
                .created(Instant.EPOCH)
                .config(ContainerConfig.builder().cmd("/bin/busybox", "sh").build())
                .rootfs(RootFs.layers(List.of(Digest.sha256(rootfs), Digest.sha256(top))))
                .addHistory(History.of(Instant.EPOCH, "busybox rootfs", false))
                .addHistory(History.of(Instant.EPOCH, "hoist.txt", false))
                .build();
        Image image = images.commit(config, List.of(base, upper), true);
        String name = "hoist-archive-test:" + UUID.randomUUID().toString().substring(0, 8);
        images.tag(image, name);
        Path tar = tmp.resolve("save.tar");
        new DockerArchiveWriter(images).write(List.of(images.resolve(name)), tar);

        try {
            String out = Peers.run("docker", "load", "-i", tar.toString());
            assertTrue(out.contains("Loaded image: " + name), out);
            assertEquals(image.id().toString(), Peers.run("docker", "image", "inspect", "--format", "{{.Id}}", name).trim());
            assertEquals("ok\n", Peers.run("docker", "run", "--rm", "--network", "none", name, "/bin/busybox", "echo", "ok"));
            assertEquals("from hoist\n", Peers.run("docker", "run", "--rm", "--network", "none", name,
                    "/bin/busybox", "cat", "/hoist.txt"));
        } finally {
            Peers.builder(List.of("docker", "rmi", "-f", name)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(1, TimeUnit.MINUTES);
        }
    }
}
