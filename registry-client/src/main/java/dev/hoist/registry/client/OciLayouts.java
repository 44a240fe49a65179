package dev.hoist.registry.client;

import dev.hoist.oci.Descriptor;

import dev.hoist.oci.TempPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes the {@code oci-layout} and {@code index.json} of an OCI layout that a pull fills directly. */
final class OciLayouts {
    static final String REF_NAME = "org.opencontainers.image.ref.name";

    private OciLayouts() {
    }

    /** Adds {@code top} to {@code dir}'s index.json (replacing an entry with the same ref name), atomically. */
    static synchronized void addToIndex(Path dir, Descriptor top, String refName) throws IOException {
        Path layout = dir.resolve("oci-layout");
        if (!Files.exists(layout)) {
            write(layout, "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Path indexFile = dir.resolve("index.json");
        Map<String, Object> index;
        if (Files.exists(indexFile)) {
            Object n;
            try {
                n = Json.parse(Files.readAllBytes(indexFile));
            } catch (IOException e) {
                throw new IOException(indexFile + " is not valid JSON (" + e.getMessage() + "); it is not an OCI layout", e);
            }
            index = Json.object(n);
            if (index == null) {
                throw new IOException(indexFile + " is not a JSON object; it is not an OCI layout");
            }
        } else {
            index = new LinkedHashMap<>();
            index.put("schemaVersion", 2L);
            index.put("mediaType", dev.hoist.oci.MediaTypes.OCI_INDEX);
        }
        List<Object> manifests = new ArrayList<>();
        for (Object e : Json.elements(index.get("manifests"))) {
            boolean sameName = refName != null && refName.equals(Json.text(Json.get(Json.get(e, "annotations"), REF_NAME), null));
            if (!sameName) {
                manifests.add(e);
            }
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("mediaType", top.mediaType());
        entry.put("digest", top.digest().toString());
        entry.put("size", top.size());
        if (refName != null) {
            entry.put("annotations", new LinkedHashMap<>(Map.of(REF_NAME, refName)));
        }
        manifests.add(entry);
        index.put("manifests", manifests);
        write(indexFile, Json.write(index, false));
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Path tmp = TempPaths.createFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException ignored) {
                // not POSIX
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
