package dev.hoist.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry commands' wiring: config from flags, a file and the environment; offline gc. */
class RegistryCommandsTest {
    @TempDir
    Path dir;

    @Test
    void gcOnAnEmptyStorageSaysSoAndAcceptsAConfigFile() throws Exception {
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, "storage: " + dir.resolve("store") + "\nlisten: 127.0.0.1:5999\n");
        MainTest.Result r = MainTest.run(Map.of(), "--root", dir.resolve("root").toString(), "registry", "gc", "--dry-run",
                "--config", config.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("would delete 0 manifests and 0 blobs"), r.out());
    }

    @Test
    void badConfigIsAClearError() throws Exception {
        MainTest.Result missing = MainTest.run(Map.of(), "--root", dir.toString(), "registry", "gc", "--config",
                dir.resolve("nope.yml").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("nope.yml does not exist"), missing.err());

        MainTest.Result badSet = MainTest.run(Map.of(), "--root", dir.toString(), "registry", "gc", "--set", "nokey");
        assertEquals(2, badSet.status());
        assertTrue(badSet.err().contains("--set takes KEY=VALUE"), badSet.err());
    }
}
