package dev.hoist.cache.layer;

import dev.hoist.oci.MediaTypes.Compression;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test trees and helpers shared by the layer tests. */
final class Fixtures {
    /** security.capability for cap_net_bind_service+ep (VFS_CAP_REVISION_2): binary, not UTF-8. */
    static final byte[] CAPABILITY = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    static final String LONG_COMPONENT = "c".repeat(200);

    private Fixtures() {
    }

    /** A result of writing a layer to memory. */
    record Written(WrittenLayer layer, byte[] bytes) {
    }

    static Written writeTree(LayerWriter w, Path dir) throws IOException, LayerException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WrittenLayer l = w.writeTree(dir, out);
        return new Written(l, out.toByteArray());
    }

    static Written writeTree(Compression c, Path dir) throws IOException, LayerException {
        return writeTree(LayerWriter.builder().compression(c).build(), dir);
    }

    static AppliedLayer apply(byte[] layer, Path target) throws IOException, LayerException {
        Files.createDirectories(target);
        return LayerApplier.create().apply(new ByteArrayInputStream(layer), target);
    }

    static void write(Path p, String content) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    static void setTime(Path p, long seconds) throws IOException {
        Posix.lutimes(p, seconds, 0);
    }

    /**
     * A tree with every kind of entry a layer can hold: files (empty, large, setuid, read-only), long
     * and unicode names, hard links, symlinks, a fifo, device nodes, xattrs, owners, and fixed mtimes.
     */
    static Path richTree(Path root) throws IOException {
        Files.createDirectories(root);
        write(root.resolve("a.txt"), "hello\n");
        write(root.resolve("empty"), "");
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        Random r = new Random(42);
        for (int i = 0; i < big.length; i += 2) {
            big[i] = (byte) r.nextInt();
        }
        Files.write(root.resolve("big.bin"), big);
        write(root.resolve("dir/sub/deep.txt"), "deep\n");
        // > 100 bytes, ASCII: ustar prefix/name split
        String mid = "m".repeat(60) + "/" + "n".repeat(60) + "/file.txt";
        write(root.resolve(mid), "mid\n");
        // > 255 bytes in all, and one component of 200 bytes: pax path
        String longPath = LONG_COMPONENT + "/" + "d".repeat(100) + "/" + "e".repeat(50) + ".txt";
        write(root.resolve(longPath), "long\n");
        write(root.resolve("ünïcödé/日本語.txt"), "unicode\n");
        write(root.resolve("emoji-😀.txt"), "emoji\n");
        // hard links
        write(root.resolve("hl1"), "linked\n");
        Files.createLink(root.resolve("dir/hl2"), root.resolve("hl1"));
        // symlinks
        Posix.symlink("a.txt", root.resolve("link"));
        Posix.symlink("/etc/passwd", root.resolve("abs-link"));
        Posix.symlink("dir/", root.resolve("dir-link"));
        Posix.symlink("t".repeat(150), root.resolve("long-target-link"));
        Posix.lchown(root.resolve("link"), 42, 43);
        // fifo and devices
        Posix.mknod(root.resolve("fifo"), Posix.S_IFIFO | 0640, 0, 0);
        Posix.mknod(root.resolve("null-dev"), Posix.S_IFCHR | 0666, 1, 3);
        Posix.mknod(root.resolve("loop-dev"), Posix.S_IFBLK | 0660, 7, 200);
        // modes and owners
        write(root.resolve("setuid"), "#!/bin/sh\n");
        Posix.chmod(root.resolve("setuid"), 04755);
        write(root.resolve("readonly"), "ro\n");
        Posix.chmod(root.resolve("readonly"), 0444);
        write(root.resolve("private"), "secret\n");
        Posix.lchown(root.resolve("private"), 1234, 5678);
        Posix.chmod(root.resolve("private"), 0600);
        Files.createDirectories(root.resolve("sticky"));
        Posix.chmod(root.resolve("sticky"), 01777);
        Files.createDirectories(root.resolve("setgid-dir"));
        Posix.chmod(root.resolve("setgid-dir"), 02775);
        // xattrs
        write(root.resolve("cap"), "binary\n");
        Posix.lsetxattr(root.resolve("cap"), "security.capability", CAPABILITY);
        Posix.lsetxattr(root.resolve("cap"), "user.comment", "hi there".getBytes(StandardCharsets.UTF_8));
        Posix.lsetxattr(root.resolve("cap"), "trusted.hoist", new byte[] {0, (byte) 0xff, 1});
        Posix.lsetxattr(root.resolve("dir"), "user.dir", "d".getBytes(StandardCharsets.UTF_8));
        // mtimes, deepest first so that directories keep theirs
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(all::add);
        }
        all.sort((a, b) -> b.getNameCount() - a.getNameCount());
        long t = 1_600_000_000L;
        for (Path p : all) {
            setTime(p, t);
            t += 3600;
        }
        return root;
    }
}
