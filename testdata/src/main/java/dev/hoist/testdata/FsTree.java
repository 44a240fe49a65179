package dev.hoist.testdata;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A small in-memory description of a root filesystem (directories, regular files, symlinks) that can be written as
 * a normalised tar or into a directory. Tar output is sorted by path with mtime 0, uid/gid 0 and no user or group
 * names, so the same tree always gives the same bytes. Not thread-safe while being built.
 */
final class FsTree {

    /** What kind of entry a path is. */
    enum Type { DIRECTORY, FILE, SYMLINK }

    /** Where a regular file's bytes come from. */
    @FunctionalInterface
    interface Content {
        InputStream open() throws IOException;
    }

    /** One entry: a relative path without leading or trailing slash, its type, permission bits and payload. */
    record Entry(String path, Type type, int mode, long size, Content content, String linkTarget) {
        Entry {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(type, "type");
            if ((mode & ~07777) != 0) {
                throw new IllegalArgumentException("mode must hold permission bits only: " + Integer.toOctalString(mode));
            }
        }
    }

    private static final Comparator<String> BY_COMPONENTS = (a, b) -> Arrays.compare(a.split("/"), b.split("/"));

    private final Map<String, Entry> entries = new TreeMap<>(BY_COMPONENTS);

    FsTree directory(String path, int mode) {
        return put(new Entry(checkPath(path), Type.DIRECTORY, mode, 0, null, null));
    }

    FsTree file(String path, int mode, byte[] bytes) {
        byte[] copy = bytes.clone();
        return put(new Entry(checkPath(path), Type.FILE, mode, copy.length,
                () -> new ByteArrayInputStream(copy), null));
    }

    FsTree file(String path, int mode, Path source) throws IOException {
        return put(new Entry(checkPath(path), Type.FILE, mode, Files.size(source), () -> Files.newInputStream(source),
                null));
    }

    FsTree symlink(String path, String target) {
        Objects.requireNonNull(target, "target");
        return put(new Entry(checkPath(path), Type.SYMLINK, 0777, 0, null, target));
    }

    /** The entries in tar order: parents before children, siblings by name. */
    List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** Writes the tree as an uncompressed ustar archive to {@code out}; flushes but does not close it. */
    void writeTar(OutputStream out) throws IOException {
        TarWriter tar = new TarWriter(out);
        for (Entry e : entries.values()) {
            switch (e.type()) {
                case DIRECTORY -> tar.header(e.path() + "/", TarWriter.DIRECTORY, e.mode(), 0, null);
                case SYMLINK -> tar.header(e.path(), TarWriter.SYMLINK, e.mode(), 0, e.linkTarget());
                case FILE -> {
                    tar.header(e.path(), TarWriter.REGULAR, e.mode(), e.size(), null);
                    try (InputStream in = e.content().open()) {
                        tar.content(in, e.size(), e.path());
                    }
                }
            }
        }
        tar.finish();
    }

    /**
     * Writes the tree into the existing or new directory {@code root}, with the entries' permission bits (including
     * the sticky bit). Owners are left as the current user's.
     */
    void writeTo(Path root) throws IOException {
        Files.createDirectories(root);
        List<Entry> directories = new ArrayList<>();
        for (Entry e : entries.values()) {
            Path target = root.resolve(e.path());
            switch (e.type()) {
                case DIRECTORY -> {
                    Files.createDirectories(target);
                    directories.add(e);
                }
                case FILE -> {
                    try (InputStream in = e.content().open()) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                    Files.setAttribute(target, "unix:mode", e.mode());
                }
                case SYMLINK -> {
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, Path.of(e.linkTarget()));
                }
            }
        }
        // Directory modes last and deepest first, so a read-only directory does not stop its children being written.
        for (int i = directories.size() - 1; i >= 0; i--) {
            Entry e = directories.get(i);
            Files.setAttribute(root.resolve(e.path()), "unix:mode", e.mode());
        }
    }

    private FsTree put(Entry entry) {
        int slash = entry.path().lastIndexOf('/');
        if (slash > 0) {
            Entry parent = entries.get(entry.path().substring(0, slash));
            if (parent == null || parent.type() != Type.DIRECTORY) {
                throw new IllegalStateException("add directory " + entry.path().substring(0, slash) + " before "
                        + entry.path());
            }
        }
        if (entries.putIfAbsent(entry.path(), entry) != null) {
            throw new IllegalStateException("duplicate path " + entry.path());
        }
        return this;
    }

    private static String checkPath(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
            throw new IllegalArgumentException("expected a relative path without leading or trailing slash: " + path);
        }
        for (String part : path.split("/")) {
            if (part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("path must not contain . or ..: " + path);
            }
        }
        return path;
    }
}
