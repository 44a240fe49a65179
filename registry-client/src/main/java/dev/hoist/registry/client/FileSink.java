package dev.hoist.registry.client;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;

import dev.hoist.oci.TempPaths;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A download into an OCI layout's {@code blobs/ALG/HEX}: hashed as written, renamed into place when it matches. Not thread-safe. */
final class FileSink implements Transfers.Sink {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final Digester digester;
    private final OutputStream stream;
    private boolean committed;

    /** Thrown when what was written does not match. */
    static final class Mismatch extends IOException {
        Mismatch(String message) {
            super(message);
        }
    }

    FileSink(Path blobsDir, Digest digest) throws IOException {
        Path dir = blobsDir.resolve(algorithmDir(digest));
        Files.createDirectories(dir);
        this.target = dir.resolve(digest.encoded());
        this.temp = TempPaths.createFile(dir, "." + digest.encoded(), ".part");
        try {
            Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException ignored) {
            // not POSIX
        }
        this.channel = FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE);
        this.digester = new Digester(digest.algorithm());
        this.stream = digester.wrap(new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 256 * 1024));
    }

    static String algorithmDir(Digest d) {
        String s = d.toString();
        return s.substring(0, s.indexOf(':'));
    }

    /** Whether the layout already has the blob with its size. */
    static boolean present(Path blobsDir, Descriptor d) throws IOException {
        Path f = blobsDir.resolve(algorithmDir(d.digest())).resolve(d.digest().encoded());
        return Files.isRegularFile(f) && (d.size() < 0 || Files.size(f) == d.size());
    }

    @Override
    public OutputStream stream() {
        return stream;
    }

    @Override
    public long size() {
        return digester.size();
    }

    @Override
    public void commit(Digest digest, long size) throws IOException {
        stream.flush();
        Digest actual = digester.digest();
        if (!actual.equals(digest) || (size >= 0 && digester.size() != size)) {
            throw new Mismatch(actual + ", " + digester.size() + " bytes");
        }
        channel.close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        committed = true;
    }

    @Override
    public void close() {
        try {
            channel.close();
            if (!committed) {
                Files.deleteIfExists(temp);
            }
        } catch (IOException ignored) {
            // a leftover .part file is harmless
        }
    }
}
