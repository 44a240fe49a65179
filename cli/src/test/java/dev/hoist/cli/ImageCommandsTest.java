package dev.hoist.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image commands run in-process against a fresh root, as a user would type them. */
class ImageCommandsTest {
    @TempDir
    Path dir;

    private MainTest.Result hoist(String... args) {
        return hoistEnv(Map.of(), args);
    }

    private MainTest.Result hoistEnv(Map<String, String> env, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = dir.resolve("root").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return MainTest.run(env, all);
    }

    private String importBusybox(String name) throws Exception {
        MainTest.Result r = hoistEnv(Map.of("SOURCE_DATE_EPOCH", "0"), "import", "--change", "CMD [\"sh\"]",
                "-c", "ENV PATH=/bin", Busybox.rootfsTar().toString(), name);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("sha256:"), r.out());
        return r.out().trim();
    }

    @Test
    void importListInspectHistoryTagAndRemove() throws Exception {
        String id = importBusybox("busybox:local");

        MainTest.Result images = hoist("images");
        assertEquals(0, images.status(), images.err());
        String[] lines = images.out().split("\n");
        assertTrue(lines[0].startsWith("REPOSITORY   TAG     IMAGE ID       CREATED"), images.out());
        assertTrue(lines[1].startsWith("busybox      local   " + id.substring(7, 19)), images.out());
        assertTrue(lines[1].contains("years ago"), "created at SOURCE_DATE_EPOCH=0: " + lines[1]);

        MainTest.Result inspect = hoist("inspect", "busybox:local");
        assertEquals(0, inspect.status(), inspect.err());
        JsonNode json = new ObjectMapper().readTree(inspect.out());
        assertEquals(id, json.get(0).get("Id").asText());
        assertEquals("busybox:local", json.get(0).get("RepoTags").get(0).asText());
        assertEquals("sh", json.get(0).get("Config").get("Cmd").get(0).asText());
        assertEquals("PATH=/bin", json.get(0).get("Config").get("Env").get(0).asText());
        assertEquals("layers", json.get(0).get("RootFS").get("Type").asText());
        assertEquals(1, json.get(0).get("RootFS").get("Layers").size());
        assertEquals("1970-01-01T00:00:00Z", json.get(0).get("Created").asText());

        MainTest.Result format = hoist("inspect", "-f", "{{.Os}}/{{.Architecture}} {{json .Config.Cmd}}", id.substring(7, 15));
        assertEquals(0, format.status(), format.err());
        assertTrue(format.out().startsWith("linux/"), format.out());
        assertTrue(format.out().trim().endsWith("[\"sh\"]"), format.out());

        MainTest.Result history = hoist("history", "busybox:local");
        assertEquals(0, history.status(), history.err());
        assertTrue(history.out().contains("Imported from "), history.out());

        assertEquals(0, hoist("tag", "busybox:local", "127.0.0.1:5000/library/busybox:v1").status());
        MainTest.Result two = hoist("images", "-q");
        assertEquals(id.substring(7, 19) + "\n", two.out(), "one ID however many names");
        MainTest.Result filtered = hoist("images", "127.0.0.1:5000/library/busybox");
        assertEquals(2, filtered.out().split("\n").length, filtered.out());

        MainTest.Result conflict = hoist("rmi", id.substring(7, 19));
        assertEquals(1, conflict.status());
        assertTrue(conflict.err().contains("must be forced"), conflict.err());

        MainTest.Result rmi = hoist("rmi", "busybox:local");
        assertEquals("Untagged: busybox:local\n", rmi.out());
        MainTest.Result rmi2 = hoist("rmi", "127.0.0.1:5000/library/busybox:v1");
        assertTrue(rmi2.out().startsWith("Untagged: 127.0.0.1:5000/library/busybox:v1\nDeleted: "), rmi2.out());
        assertEquals("REPOSITORY   TAG   IMAGE ID   CREATED   SIZE\n", hoist("images").out());
    }

    @Test
    void importIsReproducibleWithSourceDateEpoch() throws Exception {
        assertEquals(importBusybox("a"), importBusybox("b"));
    }

    @Test
    void importRefusesWhatIsNotATarAndStoresNoName() throws Exception {
        Path notTar = dir.resolve("not.tar");
        Files.writeString(notTar, "hello, this is not a tar archive\n".repeat(40));
        MainTest.Result r = hoist("import", notTar.toString(), "broken:1");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("is not a tar archive"), r.err());
        assertEquals(1, hoist("images").out().split("\n").length);

        MainTest.Result badName = hoist("import", notTar.toString(), "Bad:Name");
        assertEquals(1, badName.status());
        assertTrue(badName.err().contains("repository name must be lowercase"), badName.err());

        MainTest.Result missing = hoist("import", dir.resolve("nope.tar").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void unknownImagesAndBadChangesAreClearErrors() throws Exception {
        MainTest.Result r = hoist("inspect", "nope");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("No such object: nope"), r.err());   // as docker inspect: a container or an image
        assertEquals("[]\n", r.out());

        MainTest.Result change = hoist("import", "-c", "RUN echo", Busybox.rootfsTar().toString());
        assertEquals(2, change.status());
        assertTrue(change.err().contains("RUN is not a valid change command"), change.err());
    }

    @Test
    void pruneRemovesWhatRmiLeftUnreferenced() throws Exception {
        importBusybox("keep");
        MainTest.Result dry = hoist("prune", "--dry-run", "--grace", "0s");
        assertEquals(0, dry.status(), dry.err());
        assertTrue(dry.out().contains("Total reclaimable space: 0B"), dry.out());
        String other = importBusybox("other:x");
        assertNotEquals("", other);
        assertEquals(0, hoist("prune", "--grace", "0s").status());
        assertEquals(0, hoist("inspect", "keep").status(), "referenced content survives prune");
    }

    @Test
    void anUnnamedImportIsDanglingUntilPruneDangling() throws Exception {
        String named = importBusybox("named");
        MainTest.Result imported = hoistEnv(Map.of("SOURCE_DATE_EPOCH", "1"), "import", Busybox.rootfsTar().toString());
        assertEquals(0, imported.status(), imported.err());
        String id = imported.out().trim();
        assertNotEquals(named, id);

        MainTest.Result dangling = hoist("images", "-q", "--no-trunc", "-f", "dangling=true");
        assertEquals(id + "\n", dangling.out(), dangling.err());
        MainTest.Result notDangling = hoist("images", "-q", "--no-trunc", "-f", "dangling=false");
        assertEquals(named + "\n", notDangling.out(), notDangling.err());
        assertEquals(named + "\n", hoist("images", "-q", "--no-trunc", "named").out(), "a reference filter never matches <none>");

        assertEquals(0, hoist("prune", "--grace", "0s").status());
        assertEquals(0, hoist("inspect", id).status(), "plain prune keeps dangling images");
        MainTest.Result dry = hoist("prune", "--dangling", "--dry-run");
        assertTrue(dry.out().contains("would delete: " + id), dry.out());
        assertEquals(0, hoist("inspect", id).status());
        MainTest.Result pruned = hoist("prune", "--dangling");
        assertEquals(0, pruned.status(), pruned.err());
        assertTrue(pruned.out().contains("deleted: " + id), pruned.out());
        assertEquals(1, hoist("inspect", id).status());
        assertEquals(0, hoist("inspect", "named").status(), "named images stay");
    }
}
