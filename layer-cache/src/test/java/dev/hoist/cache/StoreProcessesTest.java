package dev.hoist.cache;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The store used by several processes at once, and by a process killed mid-write. */
class StoreProcessesTest {
    @TempDir
    Path dir;

    /** A child JVM running {@link StoreChildMain}, its stdout read line by line. */
    private final class Child implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final Path err;

        Child(String... args) throws IOException {
            String java = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    StoreChildMain.class.getName()));
            cmd.addAll(List.of(args));
            err = Files.createTempFile(dir, "child", ".err");
            process = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        void expect(String line) throws IOException {
            String got = out.readLine();
            if (!line.equals(got)) {
                fail("child said " + got + " instead of " + line + "; its stderr:\n" + Files.readString(err));
            }
        }

        void send(String line) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        int waitForExit() throws Exception {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                fail("child did not exit; its stderr:\n" + Files.readString(err));
            }
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @Test
    void aWriterKilledMidWriteLeavesNoVisibleBlob() throws Exception {
        HoistRoot root = HoistRoot.at(dir.resolve("root"));
        BlobStore blobs = BlobStore.onDisk(root);
        int size = 4 * 1024 * 1024;
        Digest digest = Digest.sha256(Content.bytes(77, size));

        try (Child child = new Child("slow-put", root.path().toString(), "77", String.valueOf(size))) {
            child.expect("WRITING");
            try (var temps = Files.list(root.tmpDir())) {
                List<Path> t = temps.toList();
                assertEquals(1, t.size());
                assertTrue(Files.size(t.get(0)) > 0, "the child has written part of the blob");
            }
            assertTrue(blobs.stat(digest).isEmpty());
            child.process.destroyForcibly();
            child.process.waitFor();
        }

        assertTrue(blobs.stat(digest).isEmpty());
        assertEquals(List.of(), blobs.list());
        assertThrows(BlobNotFoundException.class, () -> blobs.open(digest));
        try (var temps = Files.list(root.tmpDir())) {
            assertEquals(1, temps.count(), "the dead writer's temp is left for prune");
        }

        // its writer is gone, so prune removes the temp at once, without waiting for the grace period
        GcReport report = GarbageCollector.builder(root, blobs, ImageStore.open(root, blobs)).build().run();
        assertEquals(1, report.removedTemps().size());
        assertTrue(report.bytesFreed() > 0);
        try (var temps = Files.list(root.tmpDir())) {
            assertEquals(0, temps.count());
        }
        assertEquals(List.of(), blobs.list());
    }

    @Test
    void twoProcessesStoreTheSameBlobAndTagConcurrently() throws Exception {
        HoistRoot root = HoistRoot.at(dir.resolve("root"));
        BlobStore blobs = BlobStore.onDisk(root);
        ImageStore images = ImageStore.open(root, blobs);
        Descriptor manifest = blobs.put(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2}".getBytes());
        int size = 3 * 1024 * 1024;
        int tags = 20;

        try (Child a = child(root, 1, 2, size, manifest, "a", tags);
             Child b = child(root, 1, 3, size, manifest, "b", tags)) {
            a.expect("READY");
            b.expect("READY");
            a.send("go");
            b.send("go");
            a.expect("DONE");
            b.expect("DONE");
            assertEquals(0, a.waitForExit());
            assertEquals(0, b.waitForExit());
        }

        List<Digest> expected = new ArrayList<>(List.of(manifest.digest(),
                Digest.sha256(Content.bytes(1, size)), Digest.sha256(Content.bytes(2, size)), Digest.sha256(Content.bytes(3, size))));
        expected.sort(null);
        assertEquals(expected, blobs.list().stream().map(BlobInfo::digest).toList());
        for (Digest d : expected) {
            blobs.verify(d);
        }
        assertEquals(2 * tags, images.list().size());
        try (var temps = Files.list(root.tmpDir())) {
            assertEquals(0, temps.count());
        }
    }

    @Test
    void aFullDiskIsReportedWithTheRootAndNothingIsStored() throws Exception {
        // a private mount namespace with a small tmpfs as the root, so that the host's mounts are untouched
        assumeTrue(HoistRoot.isSuperuser() && Files.isExecutable(Path.of("/usr/bin/unshare")),
                "needs root and unshare(1)");
        Path mnt = Files.createDirectories(dir.resolve("small"));
        String java = ProcessHandle.current().info().command().orElseThrow();
        String script = "mount -t tmpfs -o size=256k tmpfs \"$0\" && exec \"$1\" -cp \"$2\" "
                + StoreChildMain.class.getName() + " put-report \"$0\" 1048576";
        Process p = new ProcessBuilder("/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                script, mnt.toString(), java, System.getProperty("java.class.path"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assumeTrue(p.exitValue() == 0 || !out.contains("mount:"), "cannot mount a tmpfs here: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("StoreException: no space left on the filesystem of hoist root " + mnt
                + " while writing a blob; nothing was stored."), out);
        assertTrue(out.contains("blobs=0 temps=0"), out);
    }

    private Child child(HoistRoot root, long shared, long own, int size, Descriptor manifest, String prefix, int tags)
            throws IOException {
        return new Child("put-and-tag", root.path().toString(), String.valueOf(shared), String.valueOf(own),
                String.valueOf(size), manifest.digest().toString(), String.valueOf(manifest.size()), prefix,
                String.valueOf(tags));
    }
}
