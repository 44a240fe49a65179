package dev.hoist.builder;

import dev.hoist.cache.image.LocalImages;
import dev.hoist.registry.client.ProxyEnvironment;
import dev.hoist.registry.client.RegistryClient;
import dev.hoist.runtime.ContainerRuntime;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Supplier;

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
    private final Supplier<RegistryClient> registry;
    private final ProxyEnvironment proxies;
    private final BuildCache cache;

    private Builder(Setup s) {
        this.images = s.images;
        this.runtime = s.runtime;
        this.registry = s.registry;
        this.proxies = s.proxies;
        this.cache = new BuildCache(s.images);
    }

    /** Starts configuring a builder; {@code registry} may be null (base images must then be local). */
    public static Setup builder(LocalImages images, ContainerRuntime runtime, RegistryClient registry) {
        return new Setup(images, runtime, registry == null ? null : () -> registry);
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
        return new Build(images, runtime, registry, proxies, cache, request).run();
    }

    /** Configures a {@link Builder}. Not thread-safe. */
    public static final class Setup {
        private final LocalImages images;
        private final ContainerRuntime runtime;
        private Supplier<RegistryClient> registry;
        private ProxyEnvironment proxies = ProxyEnvironment.NONE;

        private Setup(LocalImages images, ContainerRuntime runtime, Supplier<RegistryClient> registry) {
            this.images = Objects.requireNonNull(images, "images");
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            this.registry = registry;
        }

        /**
         * The registry client as a supplier asked only when a base image must be pulled: a build from local images
         * then does not pay for making one (a few milliseconds of a cached build's start). It must be thread-safe
         * and give the same client every time.
         */
        public Setup registryOnDemand(Supplier<RegistryClient> registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * The proxies that downloads ({@code ADD URL}) go through, as the environment names them (see
         * {@link ProxyEnvironment#of}); none by default.
         */
        public Setup proxies(ProxyEnvironment proxies) {
            this.proxies = Objects.requireNonNull(proxies, "proxies");
            return this;
        }

        public Builder build() {
            return new Builder(this);
        }
    }
}
