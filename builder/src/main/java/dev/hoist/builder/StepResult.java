package dev.hoist.builder;

import dev.hoist.oci.Descriptor;

/**
 * One instruction of a build: its number in the progress output, its stage, its text and line, whether it
 * consults the build cache (RUN, COPY, ADD and WORKDIR; the others only change the config), whether its result
 * came from the cache, and the layer it made ({@code null} when none). Immutable.
 */
public record StepResult(int number, String stage, String instruction, int line, boolean cacheable, boolean cached,
                         Descriptor layer) {

    /** Whether the step made a layer. */
    public boolean madeLayer() {
        return layer != null;
    }
}
