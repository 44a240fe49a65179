package dev.hoist.cli;

import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** save, load and the OCI layout commands, round-tripping images through files as a user would. */
class SaveLoadCommandsTest {
    @TempDir
    Path dir;

    private MainTest.Result hoist(String root, String... args) {
        return MainTest.inRoot(dir.resolve(root), Map.of("SOURCE_DATE_EPOCH", "0"), args);
    }

    private String importBusybox(String root, String name) throws Exception {
        MainTest.Result r = hoist(root, "import", "-c", "CMD [\"sh\"]", Busybox.rootfsTar().toString(), name);
        assertEquals(0, r.status(), r.err());
        return r.out().trim();
    }

    @Test
    void saveToAFileThenLoadIntoAnotherRoot() throws Exception {
        String id = importBusybox("a", "busybox:local");
        assertEquals(0, hoist("a", "tag", "busybox:local", "example.com/team/busybox:1").status());
        Path tar = dir.resolve("images.tar");
        MainTest.Result save = hoist("a", "save", "-o", tar.toString(), "busybox:local", "example.com/team/busybox:1");
        assertEquals(0, save.status(), save.err());
        assertTrue(Files.size(tar) > 100_000);

        MainTest.Result load = hoist("b", "load", "-i", tar.toString());
        assertEquals(0, load.status(), load.err());
        assertTrue(load.out().contains("Loaded image: busybox:local\n"), load.out());
        assertTrue(load.out().contains("Loaded image: example.com/team/busybox:1\n"), load.out());
        assertEquals(id, hoist("b", "inspect", "-f", "{{.Id}}", "busybox:local").out().trim());
    }

    @Test
    void saveToStandardOutputAndLoadFromStandardInput() throws Exception {
        String id = importBusybox("a", "app:v1");
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new PrintStream(tar, true), new PrintStream(err, true), new ByteArrayInputStream(new byte[0]),
                Map.of(), "--root", dir.resolve("a").toString(), "save", "app:v1");
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        status = Main.run(new PrintStream(out, true), new PrintStream(err, true), new ByteArrayInputStream(tar.toByteArray()),
                Map.of(), "--root", dir.resolve("b").toString(), "load");
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertEquals("Loaded image: app:v1\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(id, hoist("b", "inspect", "-f", "{{.Id}}", "app:v1").out().trim());
    }

    @Test
    void ociLayoutExportAndImport() throws Exception {
        String id = importBusybox("a", "busybox:local");
        Path layout = dir.resolve("layout");
        MainTest.Result export = hoist("a", "oci", "export", "busybox:local", layout.toString());
        assertEquals(0, export.status(), export.err());
        assertTrue(Files.exists(layout.resolve("oci-layout")));
        assertTrue(Files.readString(layout.resolve("index.json")).contains("\"org.opencontainers.image.ref.name\":\"local\""));

        MainTest.Result imported = hoist("b", "oci", "import", layout + ":local", "copied:1");
        assertEquals(0, imported.status(), imported.err());
        assertEquals("Loaded image: copied:1\n", imported.out());
        assertEquals(id, hoist("b", "inspect", "-f", "{{.Id}}", "copied:1").out().trim());

        MainTest.Result dirLoad = hoist("c", "load", "-i", layout.toString());
        assertEquals(0, dirLoad.status(), dirLoad.err());
        assertEquals("Loaded image: busybox:local\n", dirLoad.out());
    }

    @Test
    void loadingGarbageIsAClearErrorAndTagsNothing() throws Exception {
        Path junk = dir.resolve("junk.tar");
        Files.write(junk, new byte[4096]);
        MainTest.Result r = hoist("a", "load", "-i", junk.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("hoist load: "), r.err());
        assertEquals(1, hoist("a", "images").out().split("\n").length);
    }
}
