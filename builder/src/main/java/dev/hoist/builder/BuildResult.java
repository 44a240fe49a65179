package dev.hoist.builder;

import dev.hoist.cache.StoreException;
import dev.hoist.cache.image.Image;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of a build: the committed image, the names it was tagged with, and every step. The image's
 * identity ({@link #id()}, {@link #target()}) is known at once; its manifest and config may be read from the
 * store on the first call of {@link #image()} (a rebuild that changed nothing need not parse them). Thread-safe.
 */
public final class BuildResult {
    /** Reads the image when first asked for. */
    interface Loader {
        Image load() throws StoreException;
    }

    private final Descriptor target;
    private final Digest id;
    private final List<String> tags;
    private final List<StepResult> steps;
    private Loader loader;
    private Image image;

    public BuildResult(Image image, List<String> tags, List<StepResult> steps) {
        this(image.target(), image.id(), tags, steps, null);
        this.image = image;
    }

    BuildResult(Descriptor target, Digest id, List<String> tags, List<StepResult> steps, Loader loader) {
        this.target = Objects.requireNonNull(target, "target");
        this.id = Objects.requireNonNull(id, "id");
        this.tags = List.copyOf(tags);
        this.steps = List.copyOf(steps);
        this.loader = loader;
    }

    /**
     * The image, with the names it was tagged with.
     *
     * @throws UncheckedIOException when it has to be read from the store and cannot be
     */
    public synchronized Image image() {
        if (image == null) {
            try {
                image = loader.load().withNames(tags);
            } catch (StoreException e) {
                throw new UncheckedIOException("cannot read the image " + id + " just built: " + e.getMessage(), e);
            }
            loader = null;
        }
        return image;
    }

    /** The image ID: the digest of its config. */
    public Digest id() {
        return id;
    }

    /** What the image's names point at in the store: its manifest. */
    public Descriptor target() {
        return target;
    }

    /** The names the image was tagged with, normalised. */
    public List<String> tags() {
        return tags;
    }

    /** Every step, in the order they were numbered. */
    public List<StepResult> steps() {
        return steps;
    }

    /** Whether every step that consults the cache found its result there (nothing was run or copied). */
    public boolean fullyCached() {
        for (StepResult s : steps) {
            if (s.cacheable() && !s.cached()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "BuildResult[" + id + ", " + tags + ", " + steps.size() + " steps]";
    }
}
