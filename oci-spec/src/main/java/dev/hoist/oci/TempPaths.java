package dev.hoist.oci;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * {@link Files#createTempFile(Path, String, String)} and {@link Files#createTempDirectory(Path, String)} with the
 * same contract (a new name, made atomically, 0600 for a file and 0700 for a directory where the file system
 * is POSIX), but named from {@link Urandom}: the JDK's draw from {@code SecureRandom}, and the first use of the
 * JCA provider framework costs a short command ~15 ms. Thread-safe.
 */
public final class TempPaths {
    private static final int ATTEMPTS = 16;

    private TempPaths() {
    }

    /** A new empty file {@code dir/<prefix><random><suffix>}, readable and writable by its owner only. */
    public static Path createFile(Path dir, String prefix, String suffix) throws IOException {
        boolean posix = isPosix(dir);
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve(name(prefix, suffix));
            try {
                return posix ? Files.createFile(p, Perms.FILE) : Files.createFile(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** A new empty directory {@code dir/<prefix><random>}, for its owner only. */
    public static Path createDirectory(Path dir, String prefix) throws IOException {
        boolean posix = isPosix(dir);
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve(name(prefix, ""));
            try {
                return posix ? Files.createDirectory(p, Perms.DIRECTORY) : Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static String name(String prefix, String suffix) {
        if (prefix.indexOf('/') >= 0 || suffix.indexOf('/') >= 0) {
            throw new IllegalArgumentException("a temp name's prefix and suffix cannot hold '/': " + prefix + ", " + suffix);
        }
        return prefix + HexFormat.of().formatHex(Urandom.bytes(8)) + suffix;
    }

    private static boolean isPosix(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Made on first use: PosixFilePermissions is not needed by every command. */
    private static final class Perms {
        static final FileAttribute<Set<PosixFilePermission>> FILE = PosixFilePermissions.asFileAttribute(
                EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        static final FileAttribute<Set<PosixFilePermission>> DIRECTORY = PosixFilePermissions.asFileAttribute(
                EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                        PosixFilePermission.OWNER_EXECUTE));
    }
}
