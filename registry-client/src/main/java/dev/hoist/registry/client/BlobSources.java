package dev.hoist.registry.client;

import dev.hoist.oci.Digest;

import dev.hoist.oci.TempPaths;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        for (Object n : Json.elements(read().get(digest.toString()))) {
            String s = Json.text(n, "");
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
        Map<String, Object> root = read();
        String where = registry + "/" + repository;
        List<Object> list = new ArrayList<>();
        list.add(where);
        for (Object n : Json.elements(root.get(digest.toString()))) {
            if (n instanceof String s && !s.equals(where) && list.size() < PER_BLOB) {
                list.add(s);
            }
        }
        root.put(digest.toString(), list);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = TempPaths.createFile(file.getParent(), ".blob-sources", ".tmp");
            try {
                Files.write(tmp, Json.write(root, false));
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

    private Map<String, Object> read() {
        if (file == null || !Files.exists(file)) {
            return new LinkedHashMap<>();
        }
        try {
            Map<String, Object> m = Json.object(Json.parse(Files.readAllBytes(file)));
            return m != null ? m : new LinkedHashMap<>();
        } catch (IOException e) {
            return new LinkedHashMap<>();
        }
    }
}
