package dev.hoist.cache;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The images.json file: written by hand exactly as the data-binding writer wrote it, and read back. */
class ImageStoreFileTest {
    @TempDir
    Path dir;

    /** The file's shape as it was written by data binding (before the hand-written writer). */
    record Wire(int schemaVersion, Map<String, WireEntry> images) {
    }

    record WireEntry(Descriptor target, String tagged) {
    }

    private static final ObjectMapper OLD_WRITER = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .setSerializationInclusion(JsonInclude.Include.NON_EMPTY);

    private static Map<String, ImageEntry> entries() {
        Descriptor plain = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256("m"), 12);
        Descriptor rich = new Descriptor(MediaTypes.OCI_INDEX, Digest.sha256("i"), 0, List.of("https://example.com/x"),
                Map.of("org.opencontainers.image.ref.name", "v\u00e9\"1"), null, new Platform("linux", "arm64"), null);
        Map<String, ImageEntry> m = new TreeMap<>();
        m.put("docker.io/library/zeta:1", new ImageEntry("docker.io/library/zeta:1", plain, Instant.parse("2024-05-01T12:00:00.123456789Z")));
        m.put("docker.io/library/alpha:latest", new ImageEntry("docker.io/library/alpha:latest", rich, Instant.EPOCH));
        return m;
    }

    @Test
    void writesTheBytesTheDataBindingWriterWrote() throws Exception {
        Map<String, ImageEntry> images = entries();
        Map<String, WireEntry> wire = new TreeMap<>();
        images.forEach((name, e) -> wire.put(name, new WireEntry(e.target(), e.tagged().toString())));
        assertEquals(new String(OLD_WRITER.writeValueAsBytes(new Wire(ImageStore.SCHEMA_VERSION, wire)), StandardCharsets.UTF_8),
                ImageStore.wire(images));
        assertEquals(new String(OLD_WRITER.writeValueAsBytes(new Wire(ImageStore.SCHEMA_VERSION, Map.of())), StandardCharsets.UTF_8),
                ImageStore.wire(Map.of()));
    }

    @Test
    void readsWhatItWrites() throws Exception {
        HoistRoot root = HoistRoot.at(dir);
        Files.createDirectories(root.imagesFile().getParent());
        Files.writeString(root.imagesFile(), ImageStore.wire(entries()));
        ImageStore store = ImageStore.open(root, BlobStore.onDisk(root));
        assertEquals(List.copyOf(entries().values()), store.list());
    }

    @Test
    void aDamagedFileIsReportedWithWhatToDo() throws Exception {
        HoistRoot root = HoistRoot.at(dir);
        Files.createDirectories(root.imagesFile().getParent());
        ImageStore store = ImageStore.open(root, BlobStore.onDisk(root));
        Files.writeString(root.imagesFile(), "{\"schemaVersion\":1,\"schemaVersion\":1}");
        StoreException dup = assertThrows(StoreException.class, store::list);
        assertTrue(dup.getMessage().contains("is damaged") && dup.getMessage().contains("schemaVersion"), dup.getMessage());
        Files.writeString(root.imagesFile(), "{\"schemaVersion\":1,\"images\":{\"a\":{\"target\":{\"digest\":\"sha256:x\",\"size\":1}}}}");
        StoreException bad = assertThrows(StoreException.class, store::list);
        assertTrue(bad.getMessage().contains("is damaged") && bad.getMessage().contains("move it away"), bad.getMessage());
    }

    @Test
    void danglingImagesAreAnOptionalKeyThatOlderStoresDoNotHave() throws Exception {
        HoistRoot root = HoistRoot.at(dir);
        Files.createDirectories(root.imagesFile().getParent());
        Descriptor loose = new Descriptor(MediaTypes.DOCKER_MANIFEST, Digest.sha256("loose"), 7);
        Instant since = Instant.parse("2024-06-01T00:00:00Z");
        String written = ImageStore.wire(entries(), List.of(new DanglingImage(loose, since)));
        String before = ImageStore.wire(entries());
        assertTrue(written.startsWith(before.substring(0, before.lastIndexOf("  }") + 3)),
                "the names are written as before, the dangling images after them:\n" + written);
        assertTrue(written.contains("\"dangling\" : {\n    \"" + loose.digest() + "\" : {"), written);
        assertTrue(written.contains("\"schemaVersion\" : 1"), "still version 1, so older hoists read it: " + written);

        Files.writeString(root.imagesFile(), written);
        ImageStore store = ImageStore.open(root, BlobStore.onDisk(root));
        assertEquals(List.copyOf(entries().values()), store.list());
        assertEquals(List.of(new DanglingImage(loose, since)), store.dangling());

        // a file from before dangling images has none
        Files.writeString(root.imagesFile(), ImageStore.wire(entries()));
        assertEquals(List.of(), store.dangling());

        // a dangling entry that a name points at (an older hoist tagged it) is named, not dangling
        Descriptor named = entries().get("docker.io/library/zeta:1").target();
        Files.writeString(root.imagesFile(), ImageStore.wire(entries(), List.of(new DanglingImage(named, since))));
        assertEquals(List.of(), store.dangling());

        // an entry under another digest than its target's is damage
        Files.writeString(root.imagesFile(), written.replace("\"" + loose.digest() + "\" : {",
                "\"" + Digest.sha256("other") + "\" : {"));
        StoreException e = assertThrows(StoreException.class, store::dangling);
        assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
    }
}
