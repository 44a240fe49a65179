package dev.hoist.cache;

import dev.hoist.oci.Digest;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where hoist keeps its local state, and its layout: {@code blobs/<algorithm>/<hex>} (as in an OCI image
 * layout), {@code tmp/} for writes that are renamed into place (same filesystem), {@code images.json} (the
 * image store) and {@code locks/}. Directories are created when first written to, never by reading.
 * Immutable and thread-safe.
 */
public final class HoistRoot {
    /** The environment variable that overrides the default root. */
    public static final String ENV = "HOIST_ROOT";
    /** The root of the superuser. */
    public static final Path SYSTEM_ROOT = Path.of("/var/lib/hoist");

    private final Path path;

    private HoistRoot(Path path) {
        this.path = path.toAbsolutePath().normalize();
    }

    /** The root at {@code path}, as given by {@code --root}. */
    public static HoistRoot at(Path path) {
        return new HoistRoot(Objects.requireNonNull(path, "path"));
    }

    /**
     * The root to use: {@code explicit} (from {@code --root}) when not null, else {@code $HOIST_ROOT}, else
     * {@code /var/lib/hoist} for uid 0, else {@code $XDG_DATA_HOME/hoist} (by default
     * {@code ~/.local/share/hoist}).
     */
    public static HoistRoot resolve(Path explicit) {
        return resolve(explicit, System.getenv());
    }

    /** As {@link #resolve(Path)}, reading {@code HOIST_ROOT} and {@code XDG_DATA_HOME} from {@code env}. */
    public static HoistRoot resolve(Path explicit, Map<String, String> env) {
        String fromEnv = env.get(ENV);
        if (explicit != null || (fromEnv != null && !fromEnv.isBlank())) {
            // asking whom the process runs as costs a few attribute-view classes: only when the answer matters
            return resolve(explicit, env, false, null);
        }
        return resolve(explicit, env, isSuperuser(), Path.of(System.getProperty("user.home")));
    }

    static HoistRoot resolve(Path explicit, Map<String, String> env, boolean superuser, Path home) {
        if (explicit != null) {
            return at(explicit);
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return at(Path.of(fromEnv));
        }
        if (superuser) {
            return at(SYSTEM_ROOT);
        }
        // The XDG base directory spec says relative values are invalid and must be ignored.
        String xdg = env.get("XDG_DATA_HOME");
        Path data = xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg)
                : home.resolve(".local").resolve("share");
        return at(data.resolve("hoist"));
    }

    static boolean isSuperuser() {
        try {
            // /proc/self belongs to the process's effective uid.
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The root directory itself. */
    public Path path() {
        return path;
    }

    /** {@code blobs/}, laid out as an OCI image layout's blobs directory. */
    public Path blobsDir() {
        return path.resolve("blobs");
    }

    /** Where the blob {@code digest} lives: {@code blobs/<algorithm>/<hex>}. */
    public Path blobPath(Digest digest) {
        return blobsDir().resolve(digest.algorithmName()).resolve(digest.encoded());
    }

    /** {@code tmp/}: temporary files and directories, on the same filesystem as everything else. */
    public Path tmpDir() {
        return path.resolve("tmp");
    }

    /** The image store's file. */
    public Path imagesFile() {
        return path.resolve("images.json");
    }

    /** {@code locks/}: lock files for {@link #lockExclusive}. */
    public Path locksDir() {
        return path.resolve("locks");
    }

    /**
     * A new empty file in {@code tmp/} for content that will be renamed into place. Its name records the
     * process that owns it, so that {@code hoist prune} can remove it once that process is gone.
     *
     * @param purpose lowercase letters, digits and dashes, e.g. {@code blob}
     */
    public Path createTempFile(String purpose) throws StoreException {
        Path tmp = ensureDirectory(tmpDir());
        for (int attempt = 0; ; attempt++) {
            Path p = tmp.resolve(TempFiles.newName(purpose));
            try {
                return Files.createFile(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw StoreErrors.writing(this, "a temporary file", e);
                }
            } catch (IOException e) {
                throw StoreErrors.writing(this, "a temporary file", e);
            }
        }
    }

    /** A new empty directory in {@code tmp/}; see {@link #createTempFile}. */
    public Path createTempDirectory(String purpose) throws StoreException {
        Path tmp = ensureDirectory(tmpDir());
        for (int attempt = 0; ; attempt++) {
            Path p = tmp.resolve(TempFiles.newName(purpose));
            try {
                return Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw StoreErrors.writing(this, "a temporary directory", e);
                }
            } catch (IOException e) {
                throw StoreErrors.writing(this, "a temporary directory", e);
            }
        }
    }

    /**
     * Takes the exclusive lock {@code name} ({@code locks/<name>.lock}), waiting for other threads and
     * processes that hold it. Reentrant within a thread. Close the result to release it.
     *
     * @param name lowercase letters, digits and dashes
     */
    public RootLock lockExclusive(String name) throws StoreException {
        TempFiles.checkPurpose(name);
        Path dir = ensureDirectory(locksDir());
        Path file;
        try {
            file = dir.toRealPath().resolve(name + ".lock");
        } catch (IOException e) {
            throw StoreErrors.reading(this, "the lock directory", e);
        }
        return RootLock.acquire(this, file);
    }

    /** Creates {@code dir} (and its parents) if missing. */
    Path ensureDirectory(Path dir) throws StoreException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw StoreErrors.writing(this, "directory " + dir, e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HoistRoot r && r.path.equals(path);
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
