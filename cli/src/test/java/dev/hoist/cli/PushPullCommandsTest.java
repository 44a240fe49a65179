package dev.hoist.cli;

import dev.hoist.registry.server.RegistryConfig;
import dev.hoist.registry.server.RegistryServer;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** push, pull, tags, manifest inspect and copy against hoist's own registry over real HTTP. */
class PushPullCommandsTest {
    @TempDir
    Path dir;
    RegistryServer server;
    String registry;

    @BeforeEach
    void start() throws Exception {
        server = RegistryServer.start(RegistryConfig.defaults(dir.resolve("server")).withListen("127.0.0.1:0"));
        registry = "127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private MainTest.Result hoist(String root, String... args) {
        return MainTest.inRoot(dir.resolve(root), Map.of("SOURCE_DATE_EPOCH", "0", "DOCKER_CONFIG", dir.resolve("docker").toString()), args);
    }

    @Test
    void pushFromOneRootPullIntoAnother() throws Exception {
        String name = registry + "/team/busybox:v1";
        MainTest.Result imp = hoist("a", "import", "-c", "CMD [\"sh\"]", Busybox.rootfsTar().toString(), name);
        assertEquals(0, imp.status(), imp.err());
        String id = imp.out().trim();

        MainTest.Result push = hoist("a", "push", name);
        assertEquals(0, push.status(), push.err());
        assertTrue(push.out().contains("Pushed"), push.out());
        assertTrue(push.out().contains("v1: digest: sha256:"), push.out());

        MainTest.Result again = hoist("a", "push", name);
        assertEquals(0, again.status(), again.err());
        assertTrue(again.out().contains("Already exists"), "blobs are not sent twice: " + again.out());

        MainTest.Result pull = hoist("b", "pull", name);
        assertEquals(0, pull.status(), pull.err());
        assertTrue(pull.out().contains("Status: Downloaded newer image for " + name), pull.out());
        assertEquals(id, hoist("b", "inspect", "-f", "{{.Id}}", name).out().trim());

        MainTest.Result tags = hoist("b", "tags", registry + "/team/busybox");
        assertEquals("v1\n", tags.out(), tags.err());
        MainTest.Result manifest = hoist("b", "manifest", "inspect", name);
        assertTrue(manifest.out().contains("\"schemaVersion\":2"), manifest.out());

        MainTest.Result copy = hoist("b", "copy", "docker://" + name, "docker://" + registry + "/other/copy:c");
        assertEquals(0, copy.status(), copy.err());
        assertEquals("c\n", hoist("b", "tags", registry + "/other/copy").out());

        // --all of a single-platform image copies it as it is
        MainTest.Result copyAll = hoist("b", "copy", "--all", "docker://" + name, "docker://" + registry + "/other/all:c");
        assertEquals(0, copyAll.status(), copyAll.err());
    }

    @Test
    void copyTakesAllOrPlatformsNotBoth() {
        MainTest.Result both = hoist("a", "copy", "--all", "--platform", "linux/amd64", "docker://" + registry + "/x:1",
                "docker://" + registry + "/y:1");
        assertEquals(2, both.status(), both.err());
        assertTrue(both.err().contains("--all copies every platform"), both.err());
    }

    @Test
    void missingImagesAndTagsAreClearErrors() {
        MainTest.Result push = hoist("a", "push", registry + "/no/such:1");
        assertEquals(1, push.status());
        assertTrue(push.err().contains("No such image"), push.err());
        MainTest.Result pull = hoist("a", "pull", registry + "/no/such:1");
        assertEquals(1, pull.status());
        assertTrue(pull.err().contains("MANIFEST_UNKNOWN") || pull.err().contains("NAME_UNKNOWN"), pull.err());
    }
}
