package dev.hoist.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Reads and writes the files of a container's directory (state.json, status, pid); stateless, thread-safe. */
final class StateFiles {

    static final String STATE = "state.json";
    static final String STATUS = "status";
    static final String CONFIG = "init.conf";
    static final String LOG = "container.log";
    static final String HELPER = "helper.pid";

    /** What is written once at start. */
    record Saved(String id, String name, String image, List<String> command, String created, long helperPid) {
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private StateFiles() {
    }

    static void writeSaved(Path dir, Saved saved) throws IOException {
        Path tmp = dir.resolve(STATE + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(saved));
        Files.move(tmp, dir.resolve(STATE), StandardCopyOption.ATOMIC_MOVE);
    }

    static Optional<Saved> readSaved(Path dir) {
        try {
            return Optional.of(JSON.readValue(dir.resolve(STATE).toFile(), Saved.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The helper's "code oom" line, when it has written one. */
    static Optional<int[]> readStatus(Path dir) {
        try {
            Path f = dir.resolve(STATUS);
            if (!Files.exists(f)) {
                return Optional.empty();
            }
            String[] parts = Files.readString(f, StandardCharsets.US_ASCII).trim().split(" ");
            return Optional.of(new int[] {Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static void writeStatus(Path dir, int code, boolean oom) {
        try {
            Path tmp = dir.resolve(STATUS + ".tmp");
            Files.writeString(tmp, code + " " + (oom ? 1 : 0) + "\n");
            Files.move(tmp, dir.resolve(STATUS), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ignored) {
            // the status stays unknown (reported as 255)
        }
    }

    /** Whether {@code pid} is a live (not zombie) hoist-init holding the container in {@code dir}. */
    static boolean helperAlive(long pid, Path dir) {
        try {
            Path proc = Path.of("/proc", Long.toString(pid));
            String stat = Files.readString(proc.resolve("stat"));
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) == 'Z') {
                return false;
            }
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            return cmdline.contains(dir.resolve(CONFIG).toString());
        } catch (IOException e) {
            return false;
        }
    }

    static Instant modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            return null;
        }
    }
}
