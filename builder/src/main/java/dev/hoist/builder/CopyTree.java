package dev.hoist.builder;

import dev.hoist.dockerfile.DockerIgnore;
import dev.hoist.dockerfile.GoGlob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the tree a COPY or ADD adds, following Docker's rules: sources relative to a root (the context after
 * .dockerignore, or another stage's filesystem) that no source can leave, symbolic links along a source followed
 * inside it, wildcards, a directory's contents copied into the destination, a file copied to the destination or
 * into it when it ends in {@code /}; owners and modes set as asked. Not thread-safe.
 */
final class CopyTree {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    /** The links followed in one source path before it is given up on (Linux's limit, ELOOP). */
    private static final int MAX_LINKS = 40;

    private final Path root;
    private final DockerIgnore ignore;
    private DockerIgnore excludes = DockerIgnore.EMPTY;
    private String copyBase = "";
    private boolean linkUnchanged;
    private final java.util.Queue<Path> linkedSources = new java.util.concurrent.ConcurrentLinkedQueue<>();

    CopyTree(Path root, DockerIgnore ignore) {
        this.root = root;
        this.ignore = ignore;
    }

    /**
     * Leaves out, as BuildKit's {@code --exclude} does, the paths matching {@code patterns}: matched relative to
     * a directory being copied, or to the directory of a wildcard source.
     */
    CopyTree excluding(DockerIgnore patterns) {
        this.excludes = patterns;
        return this;
    }

    private boolean excludedFrom(String base, String rel) {
        if (excludes == DockerIgnore.EMPTY) {
            return false;
        }
        String sub = base.isEmpty() ? rel : rel.startsWith(base + "/") ? rel.substring(base.length() + 1) : rel;
        return !sub.isEmpty() && excludes.excludes(sub);
    }

    /**
     * Makes {@link #copy} hard-link a source file instead of copying it when the copy would be the same file:
     * a regular file with one link, owned and moded as the copy would be, on the same file system. The tree
     * then shares those files with the source: it must be read only, and not kept once the source may change.
     */
    CopyTree linkingUnchanged() {
        this.linkUnchanged = true;
        return this;
    }

    /** Whether {@link #copy} linked any file (see {@link #linkingUnchanged}). */
    boolean linkedAny() {
        return !linkedSources.isEmpty();
    }

    /** The source files {@link #copy} linked (their change times moved when they were linked). */
    List<Path> linkedSources() {
        return List.copyOf(linkedSources);
    }

    /** The cleaned path of {@code source} under the root, without a leading {@code /} ({@code ""} is the root). */
    static String clean(String source) {
        String s = Path.of("/").resolve(source).normalize().toString();
        return s.equals("/") ? "" : s.substring(1);
    }

    private boolean excluded(String rel) {
        return !rel.isEmpty() && ignore.excludes(rel);
    }

    /**
     * The relative paths {@code source} names: itself, or every path matching it when it has wildcards. As in
     * BuildKit, the components before the first one with a wildcard are a path, its links followed (see
     * {@link #real}), and the rest a pattern matched as Go's {@code filepath.Match} does ({@link GoGlob}) against
     * the paths under it, not through links; a match keeps its own name (a link is followed when it is copied).
     */
    List<String> expand(String at, String source) throws IOException, BuildException {
        String rel = clean(source);
        String[] parts = rel.isEmpty() ? new String[0] : rel.split("/");
        int first = 0;
        while (first < parts.length && !GoGlob.hasWildcard(parts[first])) {
            first++;
        }
        if (first == parts.length) {
            String real = real(rel);
            if (!Files.exists(real.isEmpty() ? root : root.resolve(real), NOFOLLOW) || excluded(rel) || excluded(real)
                    || excludedFrom(parentOf(rel), rel)) {
                throw new BuildException(at + ": \"" + source + "\": not found in "
                        + (ignore == DockerIgnore.EMPTY ? "the source" : "the build context (or excluded by .dockerignore)"));
            }
            return List.of(rel);
        }
        String pattern = String.join("/", java.util.Arrays.asList(parts).subList(first, parts.length));
        if (!GoGlob.isValid(pattern)) {
            throw new BuildException(at + ": \"" + source + "\": " + pattern + " is not a valid wildcard pattern");
        }
        String base = real(String.join("/", java.util.Arrays.asList(parts).subList(0, first)));
        List<String> out = new ArrayList<>();
        Path dir = base.isEmpty() ? root : root.resolve(base);
        if (Files.isDirectory(dir, NOFOLLOW)) {
            // a / in the name must meet a / or a class in the pattern: deeper paths cannot match
            int depth = 1;
            for (int i = 0; i < pattern.length(); i++) {
                if (pattern.charAt(i) == '/' || pattern.charAt(i) == '[') {
                    depth++;
                }
            }
            walkMatching(dir, base.isEmpty() ? "" : base + "/", "", depth, pattern, out);
        }
        String from = parentOf(base.isEmpty() ? pattern : base + "/" + pattern);
        out.removeIf(x -> excludedFrom(from, x));
        if (out.isEmpty()) {
            throw new BuildException(at + ": no source files match \"" + source + "\"");
        }
        return out;
    }

    /**
     * Adds to {@code out} the paths under {@code dir} (named {@code base + sub} from the root) whose path from the
     * pattern's directory ({@code sub + name}) matches {@code pattern}, in name order, as Go's
     * {@code filepath.Walk} visits them; a matching directory is not looked into.
     */
    private void walkMatching(Path dir, String base, String sub, int depth, String pattern, List<String> out)
            throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path c : s) {
                names.add(c.getFileName().toString());
            }
        }
        names.sort(null);
        for (String n : names) {
            String rel = sub + n;
            if (GoGlob.matches(pattern, rel)) {
                if (!excluded(base + rel) && !excluded(real(base + rel))) {
                    out.add(base + rel);
                }
            } else if (depth > 1 && Files.isDirectory(dir.resolve(n), NOFOLLOW)) {
                walkMatching(dir.resolve(n), base, rel + "/", depth - 1, pattern, out);
            }
        }
    }

    private static String parentOf(String rel) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? "" : rel.substring(0, slash);
    }

    /** Whether a component of {@code rel} has a wildcard that is not escaped. */
    static boolean hasWildcard(String rel) {
        for (String part : rel.split("/")) {
            if (GoGlob.hasWildcard(part)) {
                return true;
            }
        }
        return false;
    }

    /** The file {@code rel} names under the root: its {@link #real} path. */
    Path resolve(String rel) throws IOException {
        String real = real(rel);
        return real.isEmpty() ? root : root.resolve(real);
    }

    /**
     * {@code rel} with every symbolic link along it followed, the last component's too, inside the root as BuildKit
     * resolves a source: an absolute target starts again from the root and {@code ..} stops at it, so no source
     * reaches outside the root, whatever its links point at.
     *
     * @throws IOException when following the links does not end (more than {@value #MAX_LINKS} of them)
     */
    String real(String rel) throws IOException {
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>();
        if (!rel.isEmpty()) {
            todo.addAll(List.of(rel.split("/")));
        }
        List<String> done = new ArrayList<>();
        Path cur = root;
        int hops = 0;
        while (!todo.isEmpty()) {
            String part = todo.removeFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                    cur = cur.getParent();
                }
                continue;
            }
            Path next = cur.resolve(part);
            if (!Files.isSymbolicLink(next)) {
                done.add(part);
                cur = next;
                continue;
            }
            if (++hops > MAX_LINKS) {
                throw new IOException(rel + ": too many levels of symbolic links");
            }
            String target = Files.readSymbolicLink(next).toString();
            if (target.startsWith("/")) {
                done.clear();
                cur = root;
            }
            String[] t = target.split("/");
            for (int i = t.length - 1; i >= 0; i--) {
                todo.addFirst(t[i]);
            }
        }
        return String.join("/", done);
    }

    /**
     * Copies {@code rel} to {@code dest} (a path under {@code tree}): a directory's contents into it, anything
     * else to it. {@code uid}/{@code gid} of -1 mean root; {@code mode} gives each file and directory its mode.
     */
    void copy(String rel, Path dest, int uid, int gid, CopyMode mode) throws IOException {
        String real = real(rel);
        Path src = real.isEmpty() ? root : root.resolve(real);
        if (Files.isDirectory(src, NOFOLLOW)) {
            if (!Files.isDirectory(dest, NOFOLLOW)) {
                Files.createDirectories(dest);
                setMeta(dest, uid, gid, mode.apply(modeOf(src), true));
            }
            copyBase = real;
            List<Path[]> files = new ArrayList<>();
            copyContents(src, real, dest, uid, gid, mode, files);
            copyAll(files, uid, gid, mode, linkUnchanged ? linkedSources : null);
        } else {
            Files.createDirectories(dest.getParent());
            copyOne(src, dest, uid, gid, mode, linkUnchanged ? linkedSources : null);
        }
    }

    private void copyContents(Path srcDir, String rel, Path destDir, int uid, int gid, CopyMode mode, List<Path[]> files)
            throws IOException {
        List<Path> kids = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(srcDir)) {
            s.forEach(kids::add);
        }
        for (Path k : kids) {
            String kRel = rel.isEmpty() ? k.getFileName().toString() : rel + "/" + k.getFileName();
            boolean isDir = Files.isDirectory(k, NOFOLLOW);
            if (excluded(kRel) && !(isDir && ignore.hasExceptions())) {
                continue;
            }
            if (excludedFrom(copyBase, kRel) && !(isDir && excludes.hasExceptions())) {
                continue;
            }
            Path d = destDir.resolve(k.getFileName().toString());
            if (isDir) {
                boolean created = !Files.isDirectory(d, NOFOLLOW);
                if (created) {
                    Files.createDirectory(d);
                }
                setMeta(d, uid, gid, mode.apply(modeOf(k), true));
                int queued = files.size();
                copyContents(k, kRel, d, uid, gid, mode, files);
                // An excluded directory is copied only for the files an exception brings back (queued, not yet copied).
                if (created && files.size() == queued && (excluded(kRel) || excludedFrom(copyBase, kRel))
                        && isEmptyDirectory(d)) {
                    Files.delete(d);
                }
            } else if (!excluded(kRel) && !excludedFrom(copyBase, kRel)) {
                files.add(new Path[] {k, d});
            }
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    /** Files copied by one thread before the copy is spread over several (the kernel's work is most of it). */
    private static final int PARALLEL_FROM = 64;
    private static final int COPY_THREADS = 4;

    /** Copies the (source, destination) pairs, on several threads when there are many. */
    private static void copyAll(List<Path[]> files, int uid, int gid, CopyMode mode,
                                java.util.Queue<Path> linked) throws IOException {
        if (files.size() < PARALLEL_FROM) {
            for (Path[] f : files) {
                copyOne(f[0], f[1], uid, gid, mode, linked);
            }
            return;
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<IOException> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable worker = () -> {
            for (int i; failed.get() == null && (i = next.getAndIncrement()) < files.size(); ) {
                try {
                    copyOne(files.get(i)[0], files.get(i)[1], uid, gid, mode, linked);
                } catch (IOException | RuntimeException e) {
                    failed.compareAndSet(null, e instanceof IOException io ? io : new IOException(e.getMessage(), e));
                }
            }
        };
        List<Thread> threads = new ArrayList<>();
        for (int t = 1; t < COPY_THREADS; t++) {
            Thread th = new Thread(worker, "hoist-copy-" + t);
            th.setDaemon(true);
            th.start();
            threads.add(th);
        }
        worker.run();
        try {
            for (Thread th : threads) {
                th.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed.compareAndSet(null, new java.io.InterruptedIOException("interrupted while copying files"));
            threads.forEach(Thread::interrupt);
        }
        if (failed.get() != null) {
            throw failed.get();
        }
    }

    /** Copies one file; with {@code linked} (not null), links it when that gives the same file, and says so there. */
    private static void copyOne(Path src, Path dest, int uid, int gid, CopyMode mode,
                                java.util.Queue<Path> linked) throws IOException {
        Files.deleteIfExists(dest);
        if (linked != null) {
            Map<String, Object> a = Files.readAttributes(src, "unix:mode,uid,gid,nlink", NOFOLLOW);
            int m = (Integer) a.get("mode");
            if ((m & S_IFMT) == S_IFREG && (Integer) a.get("nlink") == 1 && (Integer) a.get("uid") == Math.max(uid, 0)
                    && (Integer) a.get("gid") == Math.max(gid, 0) && mode.apply(m, false) == (m & 07777)) {
                try {
                    Files.createLink(dest, src);
                    linked.add(src);
                    return;
                } catch (IOException | UnsupportedOperationException e) {
                    // another file system, or not allowed: copy it
                }
            }
        }
        if (Files.isSymbolicLink(src)) {
            Files.createSymbolicLink(dest, Files.readSymbolicLink(src));
            Files.setAttribute(dest, "unix:uid", Math.max(uid, 0), NOFOLLOW);
            Files.setAttribute(dest, "unix:gid", Math.max(gid, 0), NOFOLLOW);
            return;
        }
        if (!Files.isRegularFile(src, NOFOLLOW)) {
            throw new IOException(src + " is neither a file, a directory nor a symbolic link; COPY cannot copy it");
        }
        Files.copy(src, dest, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
        setMeta(dest, uid, gid, mode.apply(modeOf(src), false));
    }

    /**
     * Feeds {@code md} what copying {@code rel} would add, read from the source side: the same files
     * {@link #copy} copies (after the ignore rules), with their relative paths, types, modes, link targets and
     * content checksums (from {@code stats}), in name order; owners and times are not included (COPY sets them).
     * The status of each file and directory read goes into {@code read}.
     */
    void digest(String rel, StatCache stats, MessageDigest md, Map<Path, StatCache.Stamp> read) throws IOException {
        String real = real(rel);
        Path src = real.isEmpty() ? root : root.resolve(real);
        Map<String, Object> a = StatCache.stat(src);
        read.put(src, StatCache.Stamp.of(a));
        int mode = (Integer) a.get("mode");
        if ((mode & S_IFMT) == S_IFDIR) {
            copyBase = real;
            md.update(("D\0" + (mode & 07777) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digestContents(src, real, "", stats, md, read);
        } else {
            digestOne(src, "", a, stats, md);
        }
    }

    private void digestContents(Path srcDir, String rel, String prefix, StatCache stats, MessageDigest md,
                                Map<Path, StatCache.Stamp> read) throws IOException {
        TreeMap<String, Path> kids = new TreeMap<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(srcDir)) {
            for (Path k : s) {
                kids.put(k.getFileName().toString(), k);
            }
        }
        for (var e : kids.entrySet()) {
            Path k = e.getValue();
            String kRel = rel.isEmpty() ? e.getKey() : rel + "/" + e.getKey();
            String kOut = prefix + e.getKey();
            Map<String, Object> a = StatCache.stat(k);
            int mode = (Integer) a.get("mode");
            boolean isDir = (mode & S_IFMT) == S_IFDIR;
            // the same skips as copyContents
            boolean ignored = excluded(kRel);
            boolean dropped = excludedFrom(copyBase, kRel);
            if (ignored && !(isDir && ignore.hasExceptions()) || dropped && !(isDir && excludes.hasExceptions())) {
                continue;
            }
            boolean excluded = ignored || dropped;
            if (isDir || !excluded) {
                read.put(k, StatCache.Stamp.of(a));
            }
            if (isDir) {
                md.update((kOut + "\0D\0" + (mode & 07777) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                digestContents(k, kRel, kOut + "/", stats, md, read);
            } else if (!excluded) {
                digestOne(k, kOut, a, stats, md);
            }
        }
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    private static void digestOne(Path src, String out, Map<String, Object> a, StatCache stats, MessageDigest md)
            throws IOException {
        md.update((out + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        int mode = (Integer) a.get("mode");
        if ((mode & S_IFMT) == S_IFLNK) {
            md.update(("L\0" + Files.readSymbolicLink(src) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        if ((mode & S_IFMT) != S_IFREG) {
            throw new IOException(src + " is neither a file, a directory nor a symbolic link; COPY cannot copy it");
        }
        md.update(("F\0" + (mode & 07777) + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update(stats.checksum(src, a));
        md.update((byte) '\n');
    }

    static int modeOf(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW);
    }

    static void setMeta(Path p, int uid, int gid, int mode) throws IOException {
        Files.setAttribute(p, "unix:uid", Math.max(uid, 0), NOFOLLOW);
        Files.setAttribute(p, "unix:gid", Math.max(gid, 0), NOFOLLOW);
        Files.setAttribute(p, "unix:mode", mode, NOFOLLOW);
    }

    /**
     * Creates {@code rel} and its missing parents under {@code tree}: with the owner and mode of the same
     * directory in {@code existing} (the filesystem being added to) when it has one, so a layer does not change
     * them, else as root-owned 0755 directories.
     */
    static void mkdirs(Path tree, String rel, Path existing) throws IOException {
        mkdirs(tree, rel, existing, 0, 0);
    }

    /** As {@link #mkdirs(Path, String, Path)}, with directories new to {@code existing} owned by {@code uid:gid}. */
    static void mkdirs(Path tree, String rel, Path existing, int uid, int gid) throws IOException {
        mkdirsOver(tree, rel, existing == null ? null : existing::resolve, uid, gid);
    }

    /** Finds a path in the file system being added to: the file that provides it, or null when it has none. */
    @FunctionalInterface
    interface Lookup {
        Path find(String rel) throws IOException;
    }

    /** As {@link #mkdirs(Path, String, Path)}, looking directories up in {@code existing}. */
    static void mkdirsOver(Path tree, String rel, Lookup existing) throws IOException {
        mkdirsOver(tree, rel, existing, 0, 0);
    }

    /** As {@link #mkdirsOver(Path, String, Lookup)}, with directories new to {@code existing} owned by {@code uid:gid}. */
    static void mkdirsOver(Path tree, String rel, Lookup existing, int uid, int gid) throws IOException {
        Path cur = tree;
        if (rel.isEmpty()) {
            return;
        }
        String sofar = "";
        for (String part : rel.split("/")) {
            cur = cur.resolve(part);
            sofar = sofar.isEmpty() ? part : sofar + "/" + part;
            if (!Files.isDirectory(cur, NOFOLLOW)) {
                Files.createDirectory(cur);
                Path old = existing == null ? null : existing.find(sofar);
                if (old != null && Files.isDirectory(old, NOFOLLOW)) {
                    setMeta(cur, (Integer) Files.getAttribute(old, "unix:uid", NOFOLLOW),
                            (Integer) Files.getAttribute(old, "unix:gid", NOFOLLOW), modeOf(old) & 07777);
                } else {
                    setMeta(cur, uid, gid, 0755);
                }
                Files.setLastModifiedTime(cur, FileTime.fromMillis(0));
            }
        }
    }

    /**
     * A digest of everything a layer of {@code tree} would hold except file times: paths, types, modes,
     * owners, link targets and contents.
     */
    static String checksum(Path tree) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        TreeMap<String, Path> all = new TreeMap<>();
        collect(tree, "", all);
        byte[] buf = new byte[65536];
        for (var e : all.entrySet()) {
            Path p = e.getValue();
            md.update((e.getKey() + "\0" + modeOf(p) + "\0" + Files.getAttribute(p, "unix:uid", NOFOLLOW) + "\0"
                    + Files.getAttribute(p, "unix:gid", NOFOLLOW) + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (Files.isSymbolicLink(p)) {
                md.update(Files.readSymbolicLink(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else if (Files.isRegularFile(p, NOFOLLOW)) {
                try (InputStream in = Files.newInputStream(p)) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                    }
                }
            }
            md.update((byte) 1);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void collect(Path dir, String prefix, TreeMap<String, Path> out) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path c : s) {
                String rel = prefix + c.getFileName();
                out.put(rel, c);
                if (Files.isDirectory(c, NOFOLLOW)) {
                    collect(c, rel + "/", out);
                }
            }
        }
    }
}
