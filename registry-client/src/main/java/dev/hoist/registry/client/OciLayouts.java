package dev.hoist.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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
        ObjectNode index;
        if (Files.exists(indexFile)) {
            JsonNode n = RegistryHttp.JSON.readTree(indexFile.toFile());
            if (!(n instanceof ObjectNode o)) {
                throw new IOException(indexFile + " is not a JSON object; it is not an OCI layout");
            }
            index = o;
        } else {
            index = RegistryHttp.JSON.createObjectNode();
            index.put("schemaVersion", 2);
            index.put("mediaType", dev.hoist.oci.MediaTypes.OCI_INDEX);
        }
        ArrayNode manifests = RegistryHttp.JSON.createArrayNode();
        for (JsonNode e : index.path("manifests")) {
            boolean sameName = refName != null && refName.equals(e.path("annotations").path(REF_NAME).asText(null));
            if (!sameName) {
                manifests.add(e);
            }
        }
        ObjectNode entry = manifests.addObject();
        entry.put("mediaType", top.mediaType());
        entry.put("digest", top.digest().toString());
        entry.put("size", top.size());
        if (refName != null) {
            entry.putObject("annotations").put(REF_NAME, refName);
        }
        index.set("manifests", manifests);
        write(indexFile, RegistryHttp.JSON.writeValueAsBytes(index));
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
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
