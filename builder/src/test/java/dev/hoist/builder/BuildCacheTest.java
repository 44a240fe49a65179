package dev.hoist.builder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Build cache entries: their file is what the data-binding writer wrote; hits, misses and GC roots. */
class BuildCacheTest {
    @TempDir
    Path dir;
    LocalImages images;
    BuildCache cache;
    Descriptor layer;

    @BeforeEach
    void setUp() throws Exception {
        images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        cache = new BuildCache(images);
        Descriptor stored = images.blobs().put(MediaTypes.OCI_LAYER_GZIP, "layer".getBytes(StandardCharsets.UTF_8));
        layer = stored.withAnnotations(Map.of("org.example", "x"));
    }

    private Path file(Digest key) {
        return images.root().path().resolve("build-cache").resolve(key.hex() + ".json");
    }

    @Test
    void anEntryIsWrittenAsBeforeAndReadBack() throws Exception {
        Digest key = Digest.sha256("step 1");
        Digest diffId = Digest.sha256("diff");
        cache.store(key, new BuildCache.Entry(layer, diffId));
        ObjectMapper bound = new ObjectMapper();
        ObjectNode old = bound.createObjectNode();
        old.set("layer", bound.valueToTree(layer));
        old.put("diffId", diffId.toString());
        assertEquals(bound.writeValueAsString(old), Files.readString(file(key)));
        assertEquals(Optional.of(new BuildCache.Entry(layer, diffId)), cache.lookup(key));
        assertEquals(List.of(layer), List.copyOf(cache.gcRoots().roots()));
    }

    @Test
    void aStepWithoutALayerIsCachedToo() throws Exception {
        Digest key = Digest.sha256("ENV A=1");
        cache.store(key, new BuildCache.Entry(null, null));
        assertEquals("{\"layer\":null}", Files.readString(file(key)));
        assertEquals(Optional.of(new BuildCache.Entry(null, null)), cache.lookup(key));
    }

    @Test
    void damagedEntriesAndMissingLayersAreMisses() throws Exception {
        Digest key = Digest.sha256("step");
        assertEquals(Optional.empty(), cache.lookup(key));
        Files.createDirectories(file(key).getParent());
        for (String damaged : List.of("{\"layer\":", "[]", "{\"layer\":{\"size\":1},\"diffId\":\"x\"}",
                "{\"layer\":{\"digest\":\"" + layer.digest() + "\",\"size\":5},\"diffId\":\"sha256:nothex\"}")) {
            Files.writeString(file(key), damaged);
            assertEquals(Optional.empty(), cache.lookup(key), damaged);
        }
        cache.store(key, new BuildCache.Entry(new Descriptor(MediaTypes.OCI_LAYER, Digest.sha256("gone"), 4), Digest.sha256("d")));
        assertEquals(Optional.empty(), cache.lookup(key));
    }
}
