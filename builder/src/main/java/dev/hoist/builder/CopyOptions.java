package dev.hoist.builder;

import dev.hoist.dockerfile.DockerIgnore;
import dev.hoist.dockerfile.DockerfileException;

import java.util.List;

/**
 * The COPY/ADD flags beyond the sources and the destination: files ADD downloaded, {@code --exclude} patterns
 * (matched as BuildKit does, relative to each source), {@code --parents} (keep the sources' paths, from a
 * {@code /./} pivot when there is one) and {@code --link} (a layer that does not depend on what is below it).
 * Immutable.
 */
record CopyOptions(List<RemoteSources.Download> downloads, List<String> excludes, boolean parents, boolean link) {

    static final CopyOptions NONE = new CopyOptions(List.of(), List.of(), false, false);

    CopyOptions {
        downloads = List.copyOf(downloads);
        excludes = List.copyOf(excludes);
    }

    /** The {@code --exclude} patterns as a matcher. */
    DockerIgnore excludeMatcher(String at) throws BuildException {
        try {
            return excludes.isEmpty() ? DockerIgnore.EMPTY : DockerIgnore.of(excludes);
        } catch (DockerfileException e) {
            throw new BuildException(at + ": --exclude: " + e.getMessage(), e);
        }
    }

    /** The path a match of {@code source} keeps under the destination with {@code --parents}. */
    static String parentsPath(String source, String match) {
        String s = source.startsWith("./") ? source.substring(2) : source;
        int pivot = s.lastIndexOf("/./");
        if (pivot < 0) {
            return match;
        }
        String prefix = CopyTree.clean(s.substring(0, pivot));
        if (prefix.isEmpty()) {
            return match;
        }
        return match.equals(prefix) ? "" : match.startsWith(prefix + "/") ? match.substring(prefix.length() + 1) : match;
    }
}
