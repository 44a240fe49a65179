package dev.hoist.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A container's exit status file, {@code status} in its directory: the line "CODE OOM" that hoist-init writes once the
 * container has ended. Plain text and apart from the JSON state, so that an attached run reads it without loading a
 * JSON library. Stateless, thread-safe.
 */
final class StatusFile {

    static final String NAME = "status";

    private StatusFile() {
    }

    /** The exit code and whether the OOM killer struck, when the status has been written. */
    static Optional<int[]> read(Path dir) {
        try {
            String[] parts = Files.readString(dir.resolve(NAME), StandardCharsets.US_ASCII).trim().split(" ");
            return Optional.of(new int[] {Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0});
        } catch (IOException | RuntimeException e) {   // not written yet (NoSuchFileException), or cut short
            return Optional.empty();
        }
    }

    /** Writes the status in the helper's stead (it was killed before it could), atomically. */
    static void write(Path dir, int code, boolean oom) {
        try {
            Path tmp = dir.resolve(NAME + ".tmp");
            Files.writeString(tmp, code + " " + (oom ? 1 : 0) + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ignored) {
            // the status stays unknown (reported as 255)
        }
    }
}
