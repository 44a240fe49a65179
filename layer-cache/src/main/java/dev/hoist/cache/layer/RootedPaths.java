package dev.hoist.cache.layer;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves layer paths inside a target root as if the root were {@code /} (like a chroot, or Go's
 * securejoin): every symlink met on the way is followed inside the root, {@code ..} stops at the root, so
 * the resolved path never leaves it. Paths it returns contain no symlinks, so the kernel's own walk
 * cannot leave the root either (as long as nothing else changes the tree meanwhile). Not thread-safe.
 */
final class RootedPaths {
    private static final int MAX_LINKS = 40;

    private final Path root;
    private final Map<String, Path> dirCache = new HashMap<>();
    private BeforeCreate beforeCreate = p -> false;

    RootedPaths(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /**
     * The components of an entry or link name, with {@code .} and empty components dropped.
     *
     * @throws LayerException if the name is absolute or has a {@code ..} component
     */
    static List<String> clean(String entry, String name, String what) throws LayerException {
        if (name.startsWith("/")) {
            throw new LayerException(entry, what + " '" + name + "' is an absolute path; layer paths are relative to the root");
        }
        if (name.indexOf('\0') >= 0) {
            throw new LayerException(entry, what + " contains a NUL byte");
        }
        List<String> out = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                throw new LayerException(entry, what + " '" + name + "' has a '..' component, which could leave the target");
            }
            out.add(c);
        }
        return out;
    }

    /**
     * The real directory for {@code components} inside the root, following symlinks inside the root.
     *
     * @param create create missing directories (mode 0755) on the way; when false, return null if one is missing
     * @throws LayerException when a component is not a directory, or symlinks loop
     */
    Path directory(List<String> components, String entry, boolean create) throws IOException, LayerException {
        String key = String.join("/", components);
        Path cached = dirCache.get(key);
        if (cached != null) {
            return cached;
        }
        ArrayDeque<String> todo = new ArrayDeque<>(components);
        List<String> done = new ArrayList<>();
        Path cur = root;
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                    cur = cur.getParent();
                }
                continue;
            }
            Path p = cur.resolve(c);
            BasicFileAttributes a = lstat(p);
            if (a == null) {
                if (!create) {
                    return null;
                }
                if (beforeCreate.mustLookAgain(p)) {
                    todo.addFirst(c);
                    continue;
                }
                try {
                    Files.createDirectory(p);
                } catch (FileAlreadyExistsException e) {
                    // made meanwhile: look again
                    todo.addFirst(c);
                    continue;
                }
                done.add(c);
                cur = p;
            } else if (a.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    throw new LayerException(entry, "too many levels of symbolic links under '" + key + "'");
                }
                String target = Posix.readlink(p);
                String[] parts = target.split("/");
                for (int i = parts.length - 1; i >= 0; i--) {
                    todo.addFirst(parts[i]);
                }
                if (target.startsWith("/")) {
                    done.clear();
                    cur = root;
                }
            } else if (a.isDirectory()) {
                done.add(c);
                cur = p;
            } else {
                throw new LayerException(entry, "'" + root.relativize(p) + "' is not a directory, so nothing can be put under it");
            }
        }
        dirCache.put(key, cur);
        return cur;
    }

    /** Called before a missing directory is created on the way to an entry. */
    interface BeforeCreate {
        /** Returns true when {@code p} may exist now after all and must be looked at again. */
        boolean mustLookAgain(Path p) throws IOException, LayerException;
    }

    void beforeCreate(BeforeCreate hook) {
        this.beforeCreate = hook;
    }

    /** Forget resolved directories: call after anything was removed or replaced. */
    void invalidate() {
        dirCache.clear();
    }

    /** The path relative to the root, with '/' separators. */
    String relative(Path p) {
        return root.relativize(p).toString();
    }

    /** lstat: the attributes of {@code p} itself, or null when it does not exist. */
    static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Removes {@code p} and, for a directory, all below it; symlinks are removed, never followed. */
    void removeAll(Path p) throws IOException {
        invalidate();
        BasicFileAttributes a = lstat(p);
        if (a == null) {
            return;
        }
        if (!a.isDirectory()) {
            Files.delete(p);
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
