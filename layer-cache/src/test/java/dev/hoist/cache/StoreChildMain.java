package dev.hoist.cache;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A separate process that uses a store, for the tests in {@link StoreProcessesTest}. Prints {@code READY}
 * or {@code WRITING} on stdout at the points the parent waits for.
 */
public final class StoreChildMain {
    private StoreChildMain() {
    }

    public static void main(String[] args) throws Exception {
        HoistRoot root = HoistRoot.at(Path.of(args[1]));
        BlobStore blobs = BlobStore.onDisk(root);
        switch (args[0]) {
            case "slow-put" -> slowPut(blobs, Long.parseLong(args[2]), Integer.parseInt(args[3]));
            case "put-and-tag" -> putAndTag(root, blobs, args);
            case "put-report" -> putReport(root, blobs, Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Stores content whose source delivers half of it and then hangs, as a stalled download does. */
    private static void slowPut(BlobStore blobs, long seed, int size) throws IOException {
        byte[] content = Content.bytes(seed, size);
        InputStream stalling = new InputStream() {
            int pos;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= content.length / 2) {
                    System.out.println("WRITING");
                    System.out.flush();
                    try {
                        Thread.sleep(Long.MAX_VALUE); // until killed
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return -1;
                }
                int n = Math.min(len, Math.min(8192, content.length / 2 - pos));
                System.arraycopy(content, pos, b, off, n);
                pos += n;
                return n;
            }
        };
        blobs.put(stalling, Digest.sha256(content), content.length);
        System.out.println("FINISHED");
    }

    /** Stores {@code size} bytes and prints the outcome, then how many blobs and temps there are. */
    private static void putReport(HoistRoot root, BlobStore blobs, int size) throws IOException {
        try {
            blobs.put(new ByteArrayInputStream(Content.bytes(5, size)));
            System.out.println("STORED");
        } catch (StoreException e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        try (var temps = java.nio.file.Files.list(root.tmpDir())) {
            System.out.println("blobs=" + blobs.list().size() + " temps=" + temps.count());
        }
    }

    /** args: mode root sharedSeed ownSeed size manifestDigest manifestSize tagPrefix tagCount */
    private static void putAndTag(HoistRoot root, BlobStore blobs, String[] args) throws IOException {
        byte[] shared = Content.bytes(Long.parseLong(args[2]), Integer.parseInt(args[4]));
        byte[] own = Content.bytes(Long.parseLong(args[3]), Integer.parseInt(args[4]));
        Descriptor manifest = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.parse(args[5]), Long.parseLong(args[6]));
        ImageStore images = ImageStore.open(root, blobs);
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (!"go".equals(in.readLine())) {
            throw new IllegalStateException("expected go");
        }
        for (int i = 0; i < 3; i++) {
            blobs.put(new ByteArrayInputStream(shared), Digest.sha256(shared), shared.length);
        }
        try (BlobWriter w = blobs.writer()) {
            w.stream().write(own);
            w.commit(Digest.sha256(own));
        }
        int count = Integer.parseInt(args[8]);
        for (int i = 0; i < count; i++) {
            images.put(args[7] + ":" + i, manifest);
        }
        System.out.println("DONE");
    }
}
