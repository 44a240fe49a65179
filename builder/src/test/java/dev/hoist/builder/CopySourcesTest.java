package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageImporter;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.image.Snapshots;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Platform;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What COPY and ADD take from their sources, end to end through {@link Builder} on {@code FROM scratch}: symbolic
 * links followed as BuildKit follows them and never out of the source's root, wildcards as Go matches them, and
 * the modes {@code --chmod} gives.
 */
class CopySourcesTest {
    @TempDir
    Path dir;

    private Builder builder;
    private LocalImages images;
    private Path ctx;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        builder = Builder.builder(images, new ContainerRuntime(images.root().path()), null).build();
        ctx = Files.createDirectories(dir.resolve("ctx"));
    }

    private void write(String name, String content) throws IOException {
        Path p = ctx.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private void link(String name, String target) throws IOException {
        Path p = ctx.resolve(name);
        Files.createDirectories(p.getParent());
        Files.createSymbolicLink(p, Path.of(target));
    }

    private Path build(String dockerfile) throws Exception {
        write("Dockerfile", dockerfile);
        BuildResult r = builder.build(BuildRequest.builder(ctx)
                .progress(new PrintStream(progress, true, StandardCharsets.UTF_8)).build());
        return new Snapshots(images).rootfs(r.image());
    }

    private static boolean isLink(Path p) {
        return Files.isSymbolicLink(p);
    }

    @Test
    void aSourceThatIsALinkIsFollowedButLinksInsideACopiedDirectoryStayLinks() throws Exception {
        write("real.txt", "real");
        link("link.txt", "real.txt");
        write("dir/f", "inner");
        link("dir/l", "f");
        link("linkdir", "dir");
        Path fs = build("""
                FROM scratch
                COPY link.txt /app/
                ADD link.txt /added
                COPY linkdir /d
                COPY linkdir /e/
                COPY dir /kept/
                """);
        assertFalse(isLink(fs.resolve("app/link.txt")), "the source's own link is followed");
        assertEquals("real", Files.readString(fs.resolve("app/link.txt")));
        assertEquals("real", Files.readString(fs.resolve("added")));
        assertTrue(Files.isDirectory(fs.resolve("d"), LinkOption.NOFOLLOW_LINKS), "a link to a directory copies its contents");
        assertEquals("inner", Files.readString(fs.resolve("d/f")));
        assertEquals("inner", Files.readString(fs.resolve("e/f")));
        assertTrue(isLink(fs.resolve("kept/l")), "a link inside a copied directory is copied as a link");
        assertEquals("f", Files.readSymbolicLink(fs.resolve("kept/l")).toString());
    }

    @Test
    void linksAlongASourcePathStayInsideTheContext() throws Exception {
        write("etc/hostname", "from the context");
        link("hostetc", "/etc");
        link("up", "../../../../../../etc");
        link("hostroot", "/");
        link("sub/back", "../hostetc");
        Path fs = build("""
                FROM scratch
                COPY hostetc/hostname /x/
                COPY up/hostname /y/
                ADD hostetc/hostname /z/
                COPY hostetc/host* /g/
                COPY sub/back/hostname /s/
                COPY hostroot/etc /r/
                """);
        for (String f : new String[] {"x/hostname", "y/hostname", "z/hostname", "g/hostname", "s/hostname", "r/hostname"}) {
            assertEquals("from the context", Files.readString(fs.resolve(f)), f);
        }
        BuildException e = assertThrows(BuildException.class, () -> build("FROM scratch\nCOPY hostroot/etc/passwd /p\n"));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        e = assertThrows(BuildException.class, () -> build("FROM scratch\nCOPY hostetc/pass* /p/\n"));
        assertTrue(e.getMessage().contains("no source files match"), e.getMessage());
    }

    @Test
    void aBindMountsSourceLinksStayInsideTheContext() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "running containers needs Linux, root, namespaces and overlayfs");
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            Image base = new ImageImporter(images, Executors.newSingleThreadExecutor(), 1).importTar(in,
                    new ImageImporter.Options(ContainerConfig.builder().cmd("sh").build(), Platform.current(),
                            Instant.EPOCH, "busybox"));
            images.tag(base, "base:1");
        }
        write("etc/hostname", "from the context");
        link("hostetc", "/etc");
        Path fs = build("FROM base:1\nRUN --mount=type=bind,source=hostetc,target=/m cp /m/hostname /out\n");
        assertEquals("from the context", Files.readString(fs.resolve("out")));
    }

    @Test
    void linksAlongACopyFromPathStayInsideTheStage() throws Exception {
        write("etc/hostname", "from the stage");
        link("tree/abs", "/etc");
        link("tree/up", "../../../../../../etc");
        Path fs = build("""
                FROM scratch AS a
                COPY etc /etc
                COPY tree /t
                FROM scratch AS b
                COPY tree /t
                FROM scratch
                COPY --from=a /t/abs/hostname /abs/
                COPY --from=a /t/up/hostname /up/
                COPY --from=a /t/abs/host* /glob/
                """);
        assertEquals("from the stage", Files.readString(fs.resolve("abs/hostname")));
        assertEquals("from the stage", Files.readString(fs.resolve("up/hostname")));
        assertEquals("from the stage", Files.readString(fs.resolve("glob/hostname")));
        BuildException e = assertThrows(BuildException.class, () -> build("""
                FROM scratch AS b
                COPY tree /t
                FROM scratch
                COPY --from=b /t/abs/hostname /abs/
                """));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void wildcardsAreGoPatterns() throws Exception {
        write("a.txt", "a");
        write("b.txt", "b");
        write("^.txt", "caret");
        write("!.txt", "bang");
        write("x/c.txt", "c");
        write("{a,b}.md", "brace");
        Path fs = build("""
                FROM scratch
                COPY [^a].txt /neg/
                COPY [!a].txt /bang/
                COPY *.txt /star/
                COPY {a,b}.md /brace/
                COPY [a-b].txt /range/
                """);
        assertTrue(Files.exists(fs.resolve("neg/b.txt")));
        assertTrue(Files.exists(fs.resolve("neg/^.txt")));
        assertTrue(Files.exists(fs.resolve("neg/!.txt")));
        assertFalse(Files.exists(fs.resolve("neg/a.txt")), "[^a] is a negation");
        assertTrue(Files.exists(fs.resolve("bang/a.txt")), "[!a] is a or !");
        assertTrue(Files.exists(fs.resolve("bang/!.txt")));
        assertFalse(Files.exists(fs.resolve("bang/b.txt")));
        assertFalse(Files.exists(fs.resolve("star/c.txt")), "* does not cross /");
        assertFalse(Files.exists(fs.resolve("star/x")));
        assertEquals("brace", Files.readString(fs.resolve("brace/{a,b}.md")), "braces are plain characters");
        assertTrue(Files.exists(fs.resolve("range/a.txt")));
        assertTrue(Files.exists(fs.resolve("range/b.txt")));
        assertFalse(Files.exists(fs.resolve("range/^.txt")));
        BuildException e = assertThrows(BuildException.class, () -> build("FROM scratch\nCOPY [a-.txt /p/\n"));
        assertTrue(e.getMessage().contains("not a valid wildcard pattern"), e.getMessage());
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private void chmod(String name, int mode) throws IOException {
        Files.setAttribute(ctx.resolve(name), "unix:mode", mode);
    }

    @Test
    void chmodTakesOctalAndSymbolicModes() throws Exception {
        write("run.sh", "echo");
        chmod("run.sh", 0644);
        write("d/f", "f");
        write("d/e", "e");
        Files.createDirectories(ctx.resolve("d/sub"));
        chmod("d/f", 0600);
        chmod("d/e", 0700);
        chmod("d/sub", 0700);
        chmod("d", 0700);
        link("d/l", "f");
        Path fs = build("""
                FROM scratch
                COPY --chmod=u+x run.sh /
                COPY --chmod=755 run.sh /octal
                COPY --chmod=go-r,u=rwx run.sh /more
                COPY --chmod=a+rX d /x/
                COPY --chmod=+x <<EOF /doc
                here
                EOF
                """);
        assertEquals(0744, mode(fs.resolve("run.sh")));
        assertEquals(0755, mode(fs.resolve("octal")));
        assertEquals(0700, mode(fs.resolve("more")));
        assertEquals(0755, mode(fs.resolve("x")), "X gives a directory execute bits");
        assertEquals(0755, mode(fs.resolve("x/sub")));
        assertEquals(0644, mode(fs.resolve("x/f")), "X leaves a file without execute bits alone");
        assertEquals(0755, mode(fs.resolve("x/e")));
        assertTrue(isLink(fs.resolve("x/l")));
        assertEquals(0755, mode(fs.resolve("doc")), "a here-document is 0644 before --chmod");
        BuildException e = assertThrows(BuildException.class, () -> build("FROM scratch\nCOPY --chmod=u+q run.sh /\n"));
        assertTrue(e.getMessage().contains("--chmod=u+q is not a mode"), e.getMessage());
    }
}
