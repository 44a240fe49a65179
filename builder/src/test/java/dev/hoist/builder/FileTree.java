package dev.hoist.builder;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A root filesystem as the tests compare it: every path with its type, permission bits, owner, and content digest
 * or link target. File times are left out on purpose: Docker keeps the context's mtimes, hoist clamps every time
 * it writes to the build's one timestamp ({@code SOURCE_DATE_EPOCH}) so that builds are reproducible.
 */
record FileTree(Map<String, Entry> entries) {

    /** One path: type {@code d}, {@code f}, {@code l} or {@code o} (other), mode bits, owner, and what it holds. */
    record Entry(char type, int mode, int uid, int gid, String content) {
        @Override
        public String toString() {
            return type + " " + Integer.toOctalString(mode) + " " + uid + ":" + gid + (content.isEmpty() ? "" : " " + content);
        }
    }

    FileTree {
        entries = new TreeMap<>(entries);
    }

    /** The tree under {@code root}, not following symbolic links. */
    static FileTree of(Path root) throws IOException {
        Map<String, Entry> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                String name = root.relativize(p).toString();
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
                int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
                if (Files.isSymbolicLink(p)) {
                    out.put(name, new Entry('l', 0777, uid, gid, Files.readSymbolicLink(p).toString()));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(name, new Entry('d', mode, uid, gid, ""));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    try (InputStream in = Files.newInputStream(p)) {
                        out.put(name, new Entry('f', mode, uid, gid, digest(in)));
                    }
                } else {
                    out.put(name, new Entry('o', mode, uid, gid, ""));
                }
            }
        }
        return new FileTree(out);
    }

    /** The tree a tar holds (e.g. {@code docker export}); a hard link gets the content of the file it links to. */
    static FileTree ofTar(InputStream tar) throws IOException {
        Map<String, Entry> out = new TreeMap<>();
        TarArchiveInputStream in = new TarArchiveInputStream(tar);
        for (TarArchiveEntry e; (e = in.getNextTarEntry()) != null; ) {
            String name = clean(e.getName());
            if (name.isEmpty()) {
                continue;
            }
            int mode = e.getMode() & 07777;
            int uid = (int) e.getLongUserId();
            int gid = (int) e.getLongGroupId();
            if (e.isSymbolicLink()) {
                out.put(name, new Entry('l', 0777, uid, gid, e.getLinkName()));
            } else if (e.isLink()) {
                Entry target = out.get(clean(e.getLinkName()));
                out.put(name, new Entry('f', mode, uid, gid, target == null ? "?" : target.content()));
            } else if (e.isDirectory()) {
                out.put(name, new Entry('d', mode, uid, gid, ""));
            } else if (e.isFile()) {
                out.put(name, new Entry('f', mode, uid, gid, digest(in)));
            } else {
                out.put(name, new Entry('o', mode, uid, gid, ""));
            }
        }
        return new FileTree(out);
    }

    /** This tree without the paths {@code ignored} names, when {@code other} does not have them either. */
    FileTree withoutUnless(Set<String> ignored, FileTree other) {
        Map<String, Entry> kept = new TreeMap<>(entries);
        for (String name : ignored) {
            if (!other.entries.containsKey(name)) {
                kept.remove(name);
            }
        }
        return new FileTree(kept);
    }

    /** The differences between this tree ("hoist") and {@code other} ("docker"), one line each; empty when equal. */
    List<String> diff(FileTree other) {
        List<String> out = new ArrayList<>();
        Set<String> all = new TreeSet<>(entries.keySet());
        all.addAll(other.entries.keySet());
        for (String name : all) {
            Entry a = entries.get(name);
            Entry b = other.entries.get(name);
            if (a == null || b == null || !a.equals(b)) {
                out.add(name + ": hoist " + (a == null ? "absent" : a) + ", docker " + (b == null ? "absent" : b));
            }
        }
        return out;
    }

    Entry get(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new AssertionError("no " + name + " in the image; it has " + entries.keySet());
        }
        return e;
    }

    /** The digest {@link Entry#content()} holds for a file with {@code text}. */
    static String contentOf(String text) {
        try {
            return digest(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String clean(String name) {
        String s = name.startsWith("./") ? name.substring(2) : name;
        s = s.startsWith("/") ? s.substring(1) : s;
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String digest(InputStream in) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[65536];
        for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }
}
