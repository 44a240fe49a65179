package dev.hoist.registry.client;

import dev.hoist.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BlobSources}: records seen at once, written on flush, merged with what other processes wrote. */
class BlobSourcesTest {
    @TempDir
    Path dir;

    private static final Digest A = Digest.sha256("a".getBytes(StandardCharsets.UTF_8));
    private static final Digest B = Digest.sha256("b".getBytes(StandardCharsets.UTF_8));

    private String content(Path file) throws IOException {
        return Files.readString(file);
    }

    @Test
    void recordsAreSeenAtOnceAndWrittenOnlyOnFlush() throws IOException {
        Path file = dir.resolve("state/blob-sources.json");
        BlobSources sources = new BlobSources(file);
        assertEquals(List.of(), sources.repositories(A, "r:5000"));
        sources.record(A, "r:5000", "one");
        sources.record(A, "r:5000", "two");
        sources.record(A, "other", "x");
        sources.record(B, "r:5000", "one");
        assertEquals(List.of("two", "one"), sources.repositories(A, "r:5000"), "most recent first");
        assertEquals(List.of("x"), sources.repositories(A, "other"));
        assertFalse(Files.exists(file), "nothing is written before flush");
        sources.flush();
        assertEquals("{\"" + A + "\":[\"other/x\",\"r:5000/two\",\"r:5000/one\"],\"" + B + "\":[\"r:5000/one\"]}", content(file));
        assertEquals(List.of("two", "one"), new BlobSources(file).repositories(A, "r:5000"));
        try (var stream = Files.list(file.getParent())) {
            assertEquals(1, stream.count(), "no temp file is left behind");
        }
    }

    @Test
    void aFlushWithNothingNewDoesNotWrite() throws IOException {
        Path file = dir.resolve("blob-sources.json");
        BlobSources sources = new BlobSources(file);
        sources.record(A, "r", "one");
        sources.flush();
        FileTime written = Files.getLastModifiedTime(file);
        Files.setLastModifiedTime(file, FileTime.fromMillis(0));
        sources.flush();
        assertEquals(FileTime.fromMillis(0), Files.getLastModifiedTime(file));
        assertTrue(written.toMillis() > 0);
    }

    @Test
    void aFlushKeepsWhatAnotherProcessWroteMeanwhile() throws IOException {
        Path file = dir.resolve("blob-sources.json");
        BlobSources mine = new BlobSources(file);
        BlobSources theirs = new BlobSources(file);
        assertEquals(List.of(), mine.repositories(A, "r")); // read before the other wrote
        theirs.record(A, "r", "theirs");
        theirs.record(B, "r", "theirs");
        theirs.flush();
        mine.record(A, "r", "mine");
        mine.flush();
        BlobSources later = new BlobSources(file);
        assertEquals(List.of("mine", "theirs"), later.repositories(A, "r"));
        assertEquals(List.of("theirs"), later.repositories(B, "r"));
    }

    @Test
    void keepsAFewRepositoriesPerBlobAndMovesARepeatToTheFront() throws IOException {
        Path file = dir.resolve("blob-sources.json");
        BlobSources sources = new BlobSources(file);
        for (String repo : List.of("1", "2", "3", "4", "5", "3")) {
            sources.record(A, "r", repo);
        }
        assertEquals(List.of("3", "5", "4", "2"), sources.repositories(A, "r"));
        sources.flush();
        assertEquals(List.of("3", "5", "4", "2"), new BlobSources(file).repositories(A, "r"));
    }

    @Test
    void aDamagedFileReadsAsEmptyAndIsReplaced() throws IOException {
        Path file = dir.resolve("blob-sources.json");
        Files.writeString(file, "{not json");
        BlobSources sources = new BlobSources(file);
        assertEquals(List.of(), sources.repositories(A, "r"));
        sources.record(A, "r", "one");
        sources.flush();
        assertEquals("{\"" + A + "\":[\"r/one\"]}", content(file));
    }

    @Test
    void withoutAFileNothingIsKept() {
        BlobSources sources = new BlobSources(null);
        sources.record(A, "r", "one");
        sources.flush();
        assertEquals(List.of(), sources.repositories(A, "r"));
    }
}
