package dev.hoist.builder;

import dev.hoist.cache.image.LayerSnapshots;
import dev.hoist.cache.image.LayerStack;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * A build's access to the file systems of its stages between steps: each layer unpacked once into its own
 * directory ({@link LayerSnapshots}) and stacked as the lower directories of a RUN's overlay, the layer a step
 * made kept as the next step's lower directory without unpacking it again, and the stat cache of the context.
 * Thread-safe.
 */
final class StageFiles {
    /** Files changed this recently are not remembered by the stat cache (a change in the same tick would not show). */
    static final Duration RACY_WINDOW = Duration.ofSeconds(2);
    /**
     * The gzip level of the layers a build writes: deflating was most of a RUN step's time at the default level 6;
     * level 1 is several times faster for layers about a tenth larger, and as reproducible.
     */
    static final int GZIP_LEVEL = 1;

    private final LocalImages images;
    private final LayerSnapshots layers;
    private final Path contextDir;
    private StatCache stats;
    /** Layers whose directory is lent for this build only (a COPY tree sharing files with the context). */
    private final java.util.Map<Digest, Path> lent = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Queue<Path> linkedSources = new java.util.concurrent.ConcurrentLinkedQueue<>();

    StageFiles(LocalImages images, Path contextDir) {
        this.images = images;
        this.layers = new LayerSnapshots(images);
        this.contextDir = contextDir;
    }

    /** The stack of unpacked layers showing {@code layers}, unpacking what is missing. */
    LayerStack stack(List<Descriptor> descriptors, List<Digest> diffIds) throws IOException {
        return layers.stack(descriptors, diffIds, lent);
    }

    /**
     * Uses {@code tree}, which holds exactly what the step's layer holds but shares files with the context (see
     * {@link CopyTree#linkingUnchanged}), as that layer's directory until the end of this build, then removes it;
     * a later build unpacks the layer from its blob if it needs it.
     */
    void lend(BuildCache.Entry entry, Path tree, List<Path> linked) {
        linkedSources.addAll(linked);
        if (entry.diffId() == null || lent.putIfAbsent(entry.diffId(), tree) != null) {
            Build.deleteTree(tree);
        }
    }

    /**
     * Keeps {@code dir}, which holds exactly what the step's layer holds (an overlay upper directory or a COPY
     * tree), as that layer's unpacked directory; nothing when the step made no layer.
     */
    void keep(BuildCache.Entry entry, Path dir) throws IOException {
        if (entry.diffId() != null) {
            layers.adopt(entry.diffId(), dir);
        }
    }

    /** The stat cache of the build context, loaded on first use. */
    synchronized StatCache stats() {
        if (stats == null) {
            String id = HexFormat.of().formatHex(sha256(contextDir.toAbsolutePath().normalize().toString()));
            stats = StatCache.load(images.root().path().resolve("build-cache").resolve("stat-" + id + ".bin"), RACY_WINDOW);
        }
        return stats;
    }

    /**
     * Writes the stat cache back when it was used, unless the context lives in the root's temporary directory
     * (a context read from standard input): that directory goes with the build, and its stat cache would only
     * pile up, never to be read again.
     */
    synchronized void close() {
        for (Path p : lent.values()) {
            Build.deleteTree(p);
        }
        lent.clear();
        if (stats != null) {
            for (Path p : linkedSources) {
                try {
                    stats.relinked(p);
                } catch (IOException e) {
                    // gone since: read again next time
                }
            }
            if (!contextIsTemporary()) {
                stats.save();
            }
        }
    }

    /** Whether the context lives in the root's temporary directory: one read from standard input, gone after the build. */
    boolean contextIsTemporary() {
        return contextDir.toAbsolutePath().normalize().startsWith(images.root().tmpDir().toAbsolutePath().normalize());
    }

    /**
     * A directory holding the stack's {@code etc/passwd} and {@code etc/group} (those it has), for
     * {@link Owners#resolve}; made under {@code into}.
     */
    static Path accountFiles(LayerStack stack, Path into) throws IOException {
        Files.createDirectories(into.resolve("etc"));
        for (String f : List.of("etc/passwd", "etc/group")) {
            Path p = stack.find(stack.resolveLinks(f));
            if (p != null && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.copy(p, into.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return into;
    }

    /**
     * For {@code COPY --from}: when every source names one regular file (no wildcard, links followed), a
     * directory {@code into} holding just those files at the sources' paths, linked from the layer directories
     * that provide them, so the other stage's file system need not be flattened; else null (and {@code into}
     * is removed).
     */
    static Path sparseSources(LayerStack stack, List<String> sources, Path into) throws IOException {
        for (String source : sources) {
            String rel = CopyTree.clean(source);
            Path f = CopyTree.hasWildcard(rel) || rel.isEmpty() ? null : stack.find(stack.resolveLinks(rel));
            if (f == null || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                Build.deleteTree(into);
                return null;
            }
            Path link = into.resolve(rel);
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            Files.createLink(link, f);
        }
        return into;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
