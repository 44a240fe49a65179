package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.layer.LayerApplier;
import dev.hoist.cache.layer.LayerException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Build contexts that are not a directory, as {@code docker build -} takes them: standard input holding a tar
 * (plain, gzip, bzip2, xz or zstd) that is the context, or a Dockerfile alone with an empty context. Stateless.
 */
public final class ContextSources {
    private ContextSources() {
    }

    /**
     * A context read from a stream: unpacked into a temporary directory under {@code root} when the stream is a
     * tar, else an empty directory and the stream's bytes as the Dockerfile. Close it to remove the directory.
     *
     * @throws BuildException when the tar cannot be unpacked (a broken archive, a path leaving the context)
     */
    public static StreamContext fromStream(InputStream in, HoistRoot root) throws IOException, BuildException {
        Path dir = root.createTempDirectory("build-context");
        try {
            InputStream data = Archives.decompress(in);
            if (!Archives.isTar(data)) {
                return new StreamContext(dir, data.readAllBytes());
            }
            LayerApplier.builder().preserveOwners(false).build().apply(data, dir);
            return new StreamContext(dir, null);
        } catch (LayerException e) {
            Build.deleteTree(dir);
            throw new BuildException("cannot unpack the build context from standard input: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            Build.deleteTree(dir);
            throw e;
        }
    }

    /**
     * A context unpacked from a stream: its directory, and the Dockerfile when the stream was one (null when it
     * was a tar, whose Dockerfile is inside). Not thread-safe.
     */
    public static final class StreamContext implements AutoCloseable {
        private final Path dir;
        private final byte[] dockerfile;

        private StreamContext(Path dir, byte[] dockerfile) {
            this.dir = dir;
            this.dockerfile = dockerfile;
        }

        /** The context directory. */
        public Path dir() {
            return dir;
        }

        /** The Dockerfile the stream held instead of a tar, or null. */
        public byte[] dockerfile() {
            return dockerfile == null ? null : dockerfile.clone();
        }

        /** Removes the directory. */
        @Override
        public void close() {
            Build.deleteTree(dir);
        }
    }
}
