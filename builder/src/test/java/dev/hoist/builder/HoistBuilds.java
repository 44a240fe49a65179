package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageImporter;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.image.Snapshots;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Platform;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import dev.hoist.testdata.Contexts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Builds testdata's contexts with hoist in a fresh root under a test's directory, on {@code busybox:local} imported
 * from the busybox fixture with {@code CMD ["sh"]} (what the peer setup loads into Docker). Not thread-safe.
 */
final class HoistBuilds {
    /** The base image's name in the hoist store. */
    static final String BASE = "busybox:local";

    final LocalImages images;
    final Builder builder;
    private final Path dir;
    final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    HoistBuilds(Path dir) throws IOException {
        this.dir = dir;
        this.images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        this.builder = Builder.builder(images, new ContainerRuntime(images.root().path()), null).build();
    }

    /** Imports the busybox fixture as {@value #BASE}. */
    HoistBuilds withBase() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            Image base = new ImageImporter(images, executor, 1).importTar(in, new ImageImporter.Options(
                    ContainerConfig.builder().cmd("sh").build(), Platform.current(), Instant.EPOCH, "busybox"));
            images.tag(base, BASE);
        } finally {
            executor.shutdown();
        }
        return this;
    }

    /** A fresh copy of testdata's context {@code name}. */
    Path context(String name) throws IOException {
        Path ctx = dir.resolve("contexts").resolve(name);
        if (Files.exists(ctx)) {
            Build.deleteTree(ctx);
        }
        return Contexts.copyTo(name, ctx);
    }

    BuildResult build(Path context) throws BuildException, IOException {
        return build(context, r -> { });
    }

    BuildResult build(Path context, Consumer<BuildRequest.Builder> options) throws BuildException, IOException {
        BuildRequest.Builder r = BuildRequest.builder(context)
                .progress(new PrintStream(progress, true, StandardCharsets.UTF_8));
        options.accept(r);
        return builder.build(r.build());
    }

    /** The progress lines written so far. */
    String progress() {
        return progress.toString(StandardCharsets.UTF_8);
    }

    Path rootfs(Image image) throws IOException {
        return new Snapshots(images).rootfs(image);
    }

    FileTree tree(Image image) throws IOException {
        return FileTree.of(rootfs(image));
    }
}
