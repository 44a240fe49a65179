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
 * file written atomically; losing it only costs uploads. The file is read once, on first use; records are
 * kept in memory and written by {@link #flush()} (once per batch of transfers, not once per blob: each
 * rewrite cost a push of three mounted blobs milliseconds), which reads the file again first so that what
 * other processes recorded meanwhile is kept. Thread-safe within a process.
 */
final class BlobSources {
    private static final int PER_BLOB = 4;
    private final Path file;
    /** The file's records as first read, with this process's applied; null until first needed. */
    private Map<String, Object> known;
    /** What this process recorded since the last flush, in order. */
    private final List<Entry> pending = new ArrayList<>();

    /** One record: {@code where} ({@code registry/repository}) holds {@code digest}. */
    private record Entry(String digest, String where) {
    }

    BlobSources(Path file) {
        this.file = file;
    }

    /** Repositories of {@code registry} known to hold {@code digest}, most recent first. */
    synchronized List<String> repositories(Digest digest, String registry) {
        List<String> out = new ArrayList<>();
        for (Object n : Json.elements(known().get(digest.toString()))) {
            String s = Json.text(n, "");
            if (s.startsWith(registry + "/")) {
                out.add(s.substring(registry.length() + 1));
            }
        }
        return out;
    }

    /** Records that {@code registry/repository} holds {@code digest}; {@link #flush()} writes it down. */
    synchronized void record(Digest digest, String registry, String repository) {
        if (file == null) {
            return;
        }
        String where = registry + "/" + repository;
        apply(known(), digest.toString(), where);
        pending.add(new Entry(digest.toString(), where));
    }

    /** Writes what was recorded since the last flush into the file, over what is in it now. */
    synchronized void flush() {
        if (file == null || pending.isEmpty()) {
            return;
        }
        Map<String, Object> root = read();
        for (Entry e : pending) {
            apply(root, e.digest(), e.where());
        }
        pending.clear();
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

    /** Puts {@code where} first in {@code digest}'s list in {@code root}, keeping at most {@link #PER_BLOB}. */
    private static void apply(Map<String, Object> root, String digest, String where) {
        List<Object> list = new ArrayList<>();
        list.add(where);
        for (Object n : Json.elements(root.get(digest))) {
            if (n instanceof String s && !s.equals(where) && list.size() < PER_BLOB) {
                list.add(s);
            }
        }
        root.put(digest, list);
    }

    private Map<String, Object> known() {
        if (known == null) {
            known = read();
        }
        return known;
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
