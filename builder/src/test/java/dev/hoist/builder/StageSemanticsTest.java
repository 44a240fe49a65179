package dev.hoist.builder;

import dev.hoist.oci.History;
import dev.hoist.runtime.ContainerRuntime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a stage sees and records as BuildKit's Dockerfile frontend has it: the ARGs of the stage it is built FROM,
 * the USER a WORKDIR's directories belong to, the proxy build args outside the cache key, and the history entries.
 */
class StageSemanticsTest {
    @TempDir
    Path dir;

    private HoistBuilds hoist;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "RUN steps need Linux, root, namespaces and overlayfs");
        hoist = new HoistBuilds(dir).withBase();
    }

    private BuildResult build(String dockerfile, Consumer<BuildRequest.Builder> options) throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        return hoist.build(ctx, options);
    }

    /** The history entries the build added to the base image's. */
    private static List<History> added(BuildResult r, int count) {
        List<History> all = r.image().config().history();
        return all.subList(all.size() - count, all.size());
    }

    private static String owner(Path p) throws IOException {
        return Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS) + " "
                + Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    }

    @Test
    void aStageBuiltFromAnotherSeesItsArgs() throws Exception {
        String df = """
                FROM busybox:local AS a
                ARG FOO=x
                FROM a
                RUN echo "foo=$FOO" > /foo
                """;
        BuildResult r = build(df, o -> { });
        assertEquals("foo=x\n", Files.readString(hoist.rootfs(r.image()).resolve("foo")));
        assertEquals("RUN |1 FOO=x /bin/sh -c echo \"foo=$FOO\" > /foo # buildkit", added(r, 1).get(0).createdBy());

        BuildResult overridden = build(df, o -> o.buildArg("FOO", "y"));
        assertEquals("foo=y\n", Files.readString(hoist.rootfs(overridden.image()).resolve("foo")));
    }

    @Test
    void aWorkdirThatIsMadeBelongsToTheUser() throws Exception {
        String df = """
                FROM busybox:local
                USER nobody
                WORKDIR /w
                RUN touch x
                USER 1234:nogroup
                WORKDIR /tmp/a/b
                """;
        BuildResult r = build(df, o -> { });
        Path fs = hoist.rootfs(r.image());
        assertEquals("65534:65534 755", owner(fs.resolve("w")), "a name's ids from /etc/passwd");
        assertTrue(Files.exists(fs.resolve("w/x")), "and the user can write in it");
        assertEquals("1234:65534 755", owner(fs.resolve("tmp/a")), "the parents it makes too");
        assertEquals("1234:65534 755", owner(fs.resolve("tmp/a/b")));
        assertEquals("0:0 1777", owner(fs.resolve("tmp")), "a parent that exists is left as it is");

        assertTrue(build(df, o -> { }).fullyCached());
        BuildResult other = build(df.replace("USER nobody", "USER 4321"), o -> { });
        StepResult workdir = other.steps().get(2);
        assertEquals("WORKDIR /w", workdir.instruction());
        assertFalse(workdir.cached(), "the key names the user");
        assertEquals("4321:4321 755", owner(hoist.rootfs(other.image()).resolve("w")));
    }

    @Test
    void proxyBuildArgsReachRunButNotTheKeyOrTheHistory() throws Exception {
        String df = """
                FROM busybox:local
                RUN echo "$HTTP_PROXY $http_proxy $no_proxy" > /proxy
                """;
        BuildResult a = build(df, o -> o.buildArg("http_proxy", "http://a:1").buildArg("NO_PROXY", "local"));
        assertEquals("http://a:1 http://a:1 local\n", Files.readString(hoist.rootfs(a.image()).resolve("proxy")));
        assertFalse(a.image().config().history().toString().contains("a:1"), "not in the history");

        BuildResult b = build(df, o -> o.buildArg("http_proxy", "http://b:2"));
        assertTrue(b.fullyCached(), "a changed proxy is a cache hit: " + b.steps());
        assertEquals(a.image().id(), b.image().id());
    }

    @Test
    void historyEntriesAreWrittenAsBuildKitWritesThem() throws Exception {
        BuildResult r = build("""
                FROM busybox:local
                ARG V=1
                ENV E=2
                RUN echo $V
                RUN ["echo", "exec form"]
                """, o -> { });
        List<History> h = added(r, 4);
        assertEquals("ARG V=1", h.get(0).createdBy());
        assertEquals("RUN |1 V=1 /bin/sh -c echo $V # buildkit", h.get(2).createdBy());
        assertEquals("RUN |1 V=1 echo exec form # buildkit", h.get(3).createdBy());
        for (History e : h) {
            assertEquals("buildkit.dockerfile.v0", e.comment(), e.toString());
        }
    }
}
