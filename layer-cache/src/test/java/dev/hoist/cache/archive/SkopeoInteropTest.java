package dev.hoist.cache.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciJson;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** OCI layouts and archives exchanged with skopeo. */
class SkopeoInteropTest {
    @TempDir
    Path tmp;
    LocalImages source;
    LocalImages target;

    @BeforeEach
    void setUp() {
        Peers.assumeSkopeo();
        source = LocalImages.open(HoistRoot.at(tmp.resolve("source")));
        target = LocalImages.open(HoistRoot.at(tmp.resolve("target")));
    }

    /** The manifest as skopeo reads it, byte for byte. */
    private static String raw(String image) throws Exception {
        return Peers.run(Peers.SKOPEO.toString(), "inspect", "--raw", image);
    }

    private static JsonNode inspect(String image) throws Exception {
        return OciJson.mapper().readTree(raw(image));
    }

    private static List<String> layerDigests(JsonNode manifest) {
        List<String> out = new ArrayList<>();
        manifest.get("layers").forEach(l -> out.add(l.get("digest").asText()));
        return out;
    }

    private static List<String> layerDigests(Image image) {
        return image.manifest().layers().stream().map(d -> d.digest().toString()).toList();
    }

    @Test
    void skopeoReadsAndCopiesALayoutHoistWrote() throws Exception {
        Image oci = TestImages.commit(source, false, true, "oci", "layers");
        Image docker = TestImages.commit(source, true, true, "docker");
        Path layout = tmp.resolve("layout");
        ImageIndex index = new OciLayoutWriter(source).write(layout,
                LayoutEntry.named(oci, "example.com/hoist/test:v1"), LayoutEntry.refName(docker, "v2"));

        JsonNode v1 = OciJson.mapper().readTree(Peers.run(Peers.SKOPEO.toString(), "inspect", "oci:" + layout + ":v1"));
        assertEquals(oci.target().digest().toString(), v1.get("Digest").asText());
        assertEquals(layerDigests(oci), toList(v1.get("Layers")));
        String v2Raw = raw("oci:" + layout + ":v2");
        assertEquals(index.manifests().get(1).digest(), Digest.sha256(v2Raw), "the Docker image as an OCI manifest");
        JsonNode v2 = OciJson.mapper().readTree(v2Raw);
        assertEquals(MediaTypes.OCI_MANIFEST, v2.get("mediaType").asText());
        assertEquals(docker.id().toString(), v2.get("config").get("digest").asText());
        assertEquals(layerDigests(docker), layerDigests(v2));

        Path copy = tmp.resolve("copy");
        Peers.run(Peers.SKOPEO.toString(), "copy", "--quiet", "oci:" + layout + ":v1", "oci:" + copy + ":v1");
        Peers.run(Peers.SKOPEO.toString(), "copy", "--quiet", "oci:" + layout + ":v2", "oci:" + copy + ":v2");
        OciLayoutReader reader = OciLayoutReader.open(copy);
        assertEquals(List.of("v1", "v2"), reader.refNames());
        LoadedImage back = reader.importRef(target, "v1");
        assertEquals(oci.target(), back.target(), "skopeo copies an OCI manifest unchanged");
        assertEquals(oci.config(), target.load(back.target(), List.of()).config());
        assertEquals(docker.id(), target.load(reader.importRef(target, "v2").target(), List.of()).id());
    }

    @Test
    void hoistReadsWhatSkopeoWritesFromAHoistSaveTar() throws Exception {
        Image image = TestImages.commit(source, true, true, "saved", "twice");
        source.tag(image, "example.com/saved:1");
        Path tar = tmp.resolve("save.tar");
        new DockerArchiveWriter(source).write(List.of(source.resolve("example.com/saved:1")), tar);

        // skopeo reads the tar both ways: as a docker save archive (manifest.json) and as an OCI layout tar.
        JsonNode asDocker = OciJson.mapper().readTree(
                Peers.run(Peers.SKOPEO.toString(), "inspect", "docker-archive:" + tar));
        // docker-archive: reports the layers uncompressed, by diff ID.
        assertEquals(image.config().diffIds().stream().map(Digest::toString).toList(), toList(asDocker.get("Layers")));
        // skopeo 1.9 finds only OCI-typed entries by ref name; this image keeps its Docker manifest in the tar,
        // so it is read as the archive's only image.
        JsonNode asOci = inspect("oci-archive:" + tar);
        assertEquals(image.id().toString(), asOci.get("config").get("digest").asText());
        Image ociImage = TestImages.commit(source, false, true, "oci");
        source.tag(ociImage, "example.com/oci:2");
        Path ociTar = tmp.resolve("oci.tar");
        new DockerArchiveWriter(source).write(List.of(source.resolve("example.com/oci:2")), ociTar);
        assertEquals(ociImage.target().digest(), Digest.sha256(raw("oci-archive:" + ociTar + ":2")));

        Path layout = tmp.resolve("from-skopeo");
        Peers.run(Peers.SKOPEO.toString(), "copy", "--quiet", "docker-archive:" + tar, "oci:" + layout + ":t");
        LoadedImage loaded = OciLayoutReader.open(layout).importRef(target, "t");
        Image back = target.load(loaded.target(), List.of());
        assertEquals(image.config().diffIds(), back.config().diffIds());
        assertEquals(image.config().config(), back.config().config());
    }

    @Test
    void hoistReadsWhatSkopeoWritesFromDockerSave() throws Exception {
        Peers.assumeDocker();
        Path saved = tmp.resolve("busybox.tar");
        Peers.run("docker", "save", "-o", saved.toString(), Peers.BUSYBOX);
        Path layout = tmp.resolve("busybox");
        Peers.run(Peers.SKOPEO.toString(), "copy", "--quiet", "docker-archive:" + saved, "oci:" + layout + ":local");

        LoadedImage loaded = OciLayoutReader.open(layout).importRef(target, "local");
        Image image = target.load(loaded.target(), List.of());
        assertEquals(1, image.manifest().layers().size());
        Descriptor manifestInLayout = OciLayoutReader.open(layout).find("local").orElseThrow();
        assertEquals(manifestInLayout.digest(), loaded.target().digest());
    }

    private static List<String> toList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
