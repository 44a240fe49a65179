package dev.hoist.cache.layer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The changes a layer records, relative to a {@code root} directory that holds the new content:
 * {@code changed} paths (added or modified; each is written as one entry, a directory without its
 * contents; parent directories present in the root are added by the writer), {@code deleted} paths (written
 * as whiteouts {@code .wh.NAME}) and {@code opaqueDirectories} (their lower contents are hidden: written as
 * the directory and a {@code .wh..wh..opq} marker). Paths are relative, '/'-separated, without {@code .} or
 * {@code ..}. Immutable.
 */
public record ChangeSet(Path root, List<String> changed, List<String> deleted, List<String> opaqueDirectories) {

    public ChangeSet {
        Objects.requireNonNull(root, "root");
        changed = List.copyOf(changed);
        deleted = List.copyOf(deleted);
        opaqueDirectories = List.copyOf(opaqueDirectories);
        Set<String> seen = new HashSet<>();
        for (String p : changed) {
            check(p);
            seen.add(p);
        }
        for (String p : deleted) {
            check(p);
            if (seen.contains(p)) {
                throw new IllegalArgumentException("'" + p + "' is both changed and deleted");
            }
        }
        for (String p : opaqueDirectories) {
            check(p);
        }
    }

    private static void check(String p) {
        if (p.isEmpty() || p.startsWith("/") || p.endsWith("/")) {
            throw new IllegalArgumentException("change set path '" + p + "' must be relative, without a leading or trailing '/'");
        }
        for (String c : p.split("/", -1)) {
            if (c.isEmpty() || c.equals(".") || c.equals("..")) {
                throw new IllegalArgumentException("change set path '" + p + "' must not have empty, '.' or '..' components");
            }
        }
    }

    /**
     * Reads an overlayfs upper directory: a character device 0/0 is a deleted path (a whiteout); a
     * directory with xattr {@code trusted.overlay.opaque=y} (or {@code user.overlay.opaque=y}, for
     * {@code userxattr} mounts) is opaque; everything else is changed.
     *
     * @throws LayerException when the upper uses overlay features a layer cannot express (redirected
     *                        directories or metadata-only copy-up): mount with {@code redirect_dir=off,metacopy=off}
     */
    public static ChangeSet fromOverlayUpper(Path upper) throws IOException, LayerException {
        List<String> changed = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        List<String> opaque = new ArrayList<>();
        scanUpper(upper, "", changed, deleted, opaque);
        return new ChangeSet(upper, changed, deleted, opaque);
    }

    private static void scanUpper(Path dir, String prefix, List<String> changed, List<String> deleted,
                                  List<String> opaque) throws IOException, LayerException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(children::add);
        }
        for (Path c : children) {
            String rel = prefix + c.getFileName().toString();
            FileStat st = FileStat.of(c);
            if (st.isCharDevice() && st.rdev() == 0) {
                deleted.add(rel);
                continue;
            }
            for (String x : Posix.llistxattr(c)) {
                if (x.endsWith("overlay.redirect") || x.endsWith("overlay.metacopy")) {
                    throw new LayerException(rel, "the overlay upper directory has " + x
                            + ", which a layer cannot express; mount the overlay with redirect_dir=off,metacopy=off");
                }
            }
            changed.add(rel);
            if (st.isDirectory()) {
                if (isOpaque(c)) {
                    opaque.add(rel);
                }
                scanUpper(c, rel + "/", changed, deleted, opaque);
            }
        }
    }

    private static boolean isOpaque(Path dir) throws IOException {
        for (String name : new String[] {"trusted.overlay.opaque", "user.overlay.opaque"}) {
            byte[] v = Posix.lgetxattr(dir, name);
            if (v != null && v.length >= 1 && v[0] == 'y') {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code p} in the root is a directory (not following a symlink). */
    static boolean isDirectory(Path p) throws IOException {
        BasicFileAttributes a = RootedPaths.lstat(p);
        return a != null && a.isDirectory();
    }
}
