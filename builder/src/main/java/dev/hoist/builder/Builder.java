package dev.hoist.builder;

import dev.hoist.cache.image.LocalImages;
import dev.hoist.registry.client.RegistryClient;
import dev.hoist.runtime.ContainerRuntime;

import java.io.IOException;
import java.util.Objects;

/**
 * Builds images from Dockerfiles into the local image store: stages in order, each RUN in a short-lived
 * container, each COPY/ADD/RUN/WORKDIR looked up in the {@link BuildCache} first. Thread-safe: builds may run
 * concurrently (they share the content-addressed stores).
 *
 * <pre>{@code
 * BuildResult r = Builder.builder(images, runtime, null).build().build(BuildRequest.builder(ctx).tag("app").build());
 * }</pre>
 */
public final class Builder {
    private final LocalImages images;
    private final ContainerRuntime runtime;
    private final RegistryClient registry;
    private final BuildCache cache;

    private Builder(Setup s) {
        this.images = s.images;
        this.runtime = s.runtime;
        this.registry = s.registry;
        this.cache = new BuildCache(s.images);
    }

    /** Starts configuring a builder; {@code registry} may be null (base images must then be local). */
    public static Setup builder(LocalImages images, ContainerRuntime runtime, RegistryClient registry) {
        return new Setup(images, runtime, registry);
    }

    /** The build cache this builder uses. */
    public BuildCache cache() {
        return cache;
    }

    /**
     * Runs the build and commits the image (Docker media types), tagged with the requested tags.
     *
     * @throws BuildException naming the Dockerfile and line of the step that failed, and why
     * @throws IOException    when the store or the context cannot be read or written
     */
    public BuildResult build(BuildRequest request) throws BuildException, IOException {
        return new Build(images, runtime, registry, cache, request).run();
    }

    /** Configures a {@link Builder}. Not thread-safe. */
    public static final class Setup {
        private final LocalImages images;
        private final ContainerRuntime runtime;
        private final RegistryClient registry;

        private Setup(LocalImages images, ContainerRuntime runtime, RegistryClient registry) {
            this.images = Objects.requireNonNull(images, "images");
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            this.registry = registry;
        }

        public Builder build() {
            return new Builder(this);
        }
    }
}
