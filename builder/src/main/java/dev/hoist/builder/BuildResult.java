package dev.hoist.builder;

import dev.hoist.cache.image.Image;

import java.util.List;

/** The outcome of a build: the committed image, the names it was tagged with, and every step. Immutable. */
public record BuildResult(Image image, List<String> tags, List<StepResult> steps) {

    public BuildResult {
        tags = List.copyOf(tags);
        steps = List.copyOf(steps);
    }

    /** Whether every step that consults the cache found its result there (nothing was run or copied). */
    public boolean fullyCached() {
        return steps.stream().filter(StepResult::cacheable).allMatch(StepResult::cached);
    }
}
