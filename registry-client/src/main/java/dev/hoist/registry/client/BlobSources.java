package dev.hoist.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Digest;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Remembers which repositories blobs were pulled from or pushed to ({@code registry/repository} per digest,
 * most recent first, a few each) so that a push can mount them instead of uploading. Kept in a small JSON
 * file written atomically; losing it only costs uploads. Thread-safe within a process.
 */
final class BlobSources {
    private static final int PER_BLOB = 4;
    private final Path file;

    BlobSources(Path file) {
        this.file = file;
    }

    /** Repositories of {@code registry} known to hold {@code digest}, most recent first. */
    synchronized List<String> repositories(Digest digest, String registry) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : read().path(digest.toString())) {
            String s = n.asText();
            if (s.startsWith(registry + "/")) {
                out.add(s.substring(registry.length() + 1));
            }
        }
        return out;
    }

    /** Records that {@code registry/repository} holds {@code digest}. */
    synchronized void record(Digest digest, String registry, String repository) {
        if (file == null) {
            return;
        }
        ObjectNode root = read();
        String where = registry + "/" + repository;
        ArrayNode list = RegistryHttp.JSON.createArrayNode().add(where);
        for (JsonNode n : root.path(digest.toString())) {
            if (!n.asText().equals(where) && list.size() < PER_BLOB) {
                list.add(n.asText());
            }
        }
        root.set(digest.toString(), list);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".blob-sources", ".tmp");
            try {
                Files.write(tmp, RegistryHttp.JSON.writeValueAsBytes(root));
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException ignored) {
            // a hint only: a later push uploads instead of mounting
        }
    }

    private ObjectNode read() {
        if (file == null || !Files.exists(file)) {
            return RegistryHttp.JSON.createObjectNode();
        }
        try {
            JsonNode n = RegistryHttp.JSON.readTree(file.toFile());
            return n instanceof ObjectNode o ? o : RegistryHttp.JSON.createObjectNode();
        } catch (IOException e) {
            return RegistryHttp.JSON.createObjectNode();
        }
    }
}
