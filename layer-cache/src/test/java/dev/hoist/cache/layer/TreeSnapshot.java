package dev.hoist.cache.layer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A description of every file under a directory (type, mode, owner, size, content hash, mtime, link
 * target, device numbers, xattrs, hard-link group), for comparing trees in tests.
 */
final class TreeSnapshot {
    private TreeSnapshot() {
    }

    static Map<String, String> of(Path root) throws IOException {
        return of(root, true, x -> !x.startsWith("trusted.overlay.") && !x.startsWith("user.overlay.")
                && !x.equals("security.selinux"));
    }

    /**
     * @param mtimes whether to include modification times
     * @param xattr  which xattrs to include
     */
    static Map<String, String> of(Path root, boolean mtimes, Predicate<String> xattr) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<String, String> inodes = new HashMap<>();
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).sorted().forEach(all::add);
        }
        for (Path p : all) {
            String rel = root.relativize(p).toString();
            FileStat st = FileStat.of(p);
            StringBuilder d = new StringBuilder();
            int type = st.type();
            d.append(switch (type) {
                case Posix.S_IFREG -> "file";
                case Posix.S_IFDIR -> "dir";
                case Posix.S_IFLNK -> "symlink";
                case Posix.S_IFCHR -> "char";
                case Posix.S_IFBLK -> "block";
                case Posix.S_IFIFO -> "fifo";
                default -> "other";
            });
            if (type != Posix.S_IFLNK) {
                d.append(" mode=").append(Integer.toOctalString(st.mode() & 07777));
            }
            d.append(" owner=").append(st.uid()).append(':').append(st.gid());
            if (mtimes) {
                d.append(" mtime=").append(st.mtimeSeconds());
            }
            if (type == Posix.S_IFREG) {
                d.append(" size=").append(st.size()).append(" sha=").append(sha(p));
            }
            if (type == Posix.S_IFLNK) {
                d.append(" -> ").append(Posix.readlink(p));
            }
            if (type == Posix.S_IFCHR || type == Posix.S_IFBLK) {
                d.append(" dev=").append(Posix.major(st.rdev())).append(',').append(Posix.minor(st.rdev()));
            }
            if (type != Posix.S_IFDIR && st.nlink() > 1) {
                String first = inodes.putIfAbsent(st.dev() + ":" + st.ino(), rel);
                d.append(" links=").append(first == null ? rel : first);
            }
            TreeMap<String, String> x = new TreeMap<>();
            for (String name : Posix.llistxattr(p)) {
                if (xattr.test(name)) {
                    x.put(name, HexFormat.of().formatHex(Posix.lgetxattr(p, name)));
                }
            }
            if (!x.isEmpty()) {
                d.append(" xattrs=").append(x);
            }
            out.put(rel, d.toString());
        }
        return out;
    }

    private static String sha(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
