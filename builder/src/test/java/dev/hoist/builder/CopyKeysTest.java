package dev.hoist.builder;

import dev.hoist.dockerfile.DockerIgnore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The COPY key's record of what it hashed, re-checked after the copy. */
class CopyKeysTest {
    private static final FileTime LONG_AGO = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));

    @TempDir
    Path dir;

    private Path ctx;
    private StatCache stats;

    @BeforeEach
    void setUp() throws Exception {
        ctx = Files.createDirectories(dir.resolve("ctx"));
        Files.createDirectories(ctx.resolve("dir"));
        Files.writeString(ctx.resolve("a.txt"), "a");
        Files.writeString(ctx.resolve("dir/b.txt"), "b");
        // times long past, so that any change after hashing moves them whatever the clock's granularity
        for (String p : List.of("a.txt", "dir/b.txt", "dir")) {
            Files.setLastModifiedTime(ctx.resolve(p), LONG_AGO);
        }
        stats = StatCache.load(dir.resolve("stat.bin"), Duration.ZERO);
    }

    private CopyKeys.Hashed hash() throws Exception {
        return CopyKeys.digest(new CopyTree(ctx, DockerIgnore.EMPTY), List.of("a.txt", "dir"), stats);
    }

    @Test
    void aFileEditedAfterHashingIsReported() throws Exception {
        CopyKeys.Hashed hashed = hash();
        assertEquals(List.of(), hashed.changed(List.of()));
        Files.writeString(ctx.resolve("dir/b.txt"), "B", StandardOpenOption.TRUNCATE_EXISTING);
        assertEquals(List.of(ctx.resolve("dir/b.txt")), hashed.changed(List.of()));
        assertNotEquals(hashed.digest(), hash().digest(), "the key of what was copied is another key");
    }

    @Test
    void aFileAddedOrRemovedAfterHashingIsReportedByItsDirectory() throws Exception {
        CopyKeys.Hashed hashed = hash();
        Files.writeString(ctx.resolve("dir/new.txt"), "new");
        assertEquals(List.of(ctx.resolve("dir")), hashed.changed(List.of()));

        CopyKeys.Hashed again = hash();
        Files.delete(ctx.resolve("a.txt"));
        assertEquals(List.of(ctx.resolve("a.txt")), again.changed(List.of()));
    }

    @Test
    void linkingTheContextsFilesForTheCopyIsNoChange() throws Exception {
        CopyKeys.Hashed hashed = hash();
        CopyTree src = new CopyTree(ctx, DockerIgnore.EMPTY).linkingUnchanged();
        Path tree = Files.createDirectories(dir.resolve("tree"));
        src.copy("a.txt", tree.resolve("a.txt"), -1, -1, CopyMode.KEEP);
        src.copy("dir", tree.resolve("dir"), -1, -1, CopyMode.KEEP);
        assertTrue(src.linkedAny(), "the test runs as root on one file system, so the files are linked");
        assertEquals(List.of(), hashed.changed(src.linkedSources()));

        // but a linked file written to is still a change
        Files.writeString(ctx.resolve("a.txt"), "A", StandardOpenOption.TRUNCATE_EXISTING);
        assertEquals(List.of(ctx.resolve("a.txt")), hashed.changed(src.linkedSources()));
    }
}
