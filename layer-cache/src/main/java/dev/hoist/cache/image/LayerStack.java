package dev.hoist.cache.image;

import dev.hoist.cache.layer.OverlayMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * A stack of layer directories in overlayfs's form (bottom-most first), the lower part of an overlay mount, and
 * lookups in the file system it shows, as overlayfs would resolve them: the top-most layer holding a path wins,
 * a whiteout hides the path, an opaque directory hides what the layers below have in it. Immutable.
 */
public final class LayerStack {
    private static final int MAX_LINKS = 40;

    private final List<Path> directories;

    public LayerStack(List<Path> directories) {
        if (directories.isEmpty()) {
            throw new IllegalArgumentException("a layer stack needs at least one directory");
        }
        this.directories = List.copyOf(directories);
    }

    /** The layer directories, bottom-most first (as {@code ContainerSpec.Builder.overlay} takes them). */
    public List<Path> directories() {
        return directories;
    }

    /**
     * The file that {@code rel} (relative, {@code /}-separated, normalised; {@code ""} is the root) names in the
     * merged view, in the layer that provides it, or null when it does not exist there. Symbolic links are not
     * followed: see {@link #resolveLinks}.
     */
    public Path find(String rel) throws IOException {
        if (rel.isEmpty()) {
            return directories.get(directories.size() - 1);
        }
        String[] parts = rel.split("/");
        for (int i = directories.size() - 1; i >= 0; i--) {
            Path cur = directories.get(i);
            boolean opaque = false;
            for (int j = 0; j < parts.length; j++) {
                cur = cur.resolve(parts[j]);
                BasicFileAttributes a = lstat(cur);
                if (a == null) {
                    break;  // not in this layer: look below, unless a directory above the path is opaque
                }
                if (a.isOther() && OverlayMarkers.isWhiteout(cur)) {
                    return null;
                }
                if (j == parts.length - 1) {
                    return cur;
                }
                if (!a.isDirectory()) {
                    return null;    // a file hides the directory the lower layers had here
                }
                if (OverlayMarkers.isOpaque(cur)) {
                    opaque = true;
                }
            }
            if (opaque) {
                return null;
            }
        }
        return null;
    }

    /**
     * {@code rel} with every symbolic link along it followed inside the view (absolute targets from the view's
     * root, {@code ..} stopping there), as a relative, normalised path; the last component's link too.
     */
    public String resolveLinks(String rel) throws IOException {
        List<String> done = new ArrayList<>();
        List<String> todo = new ArrayList<>(rel.isEmpty() ? List.of() : List.of(rel.split("/")));
        int hops = 0;
        while (!todo.isEmpty()) {
            String part = todo.remove(0);
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            done.add(part);
            Path p = find(String.join("/", done));
            if (p != null && Files.isSymbolicLink(p) && ++hops < MAX_LINKS) {
                String target = Files.readSymbolicLink(p).toString();
                done.remove(done.size() - 1);
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> next = new ArrayList<>(List.of(target.split("/")));
                next.addAll(todo);
                todo = next;
            }
        }
        return String.join("/", done);
    }

    private static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return null;
        }
    }
}
