package dev.hoist.builder;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A secret a build may mount into RUN steps ({@code --secret id=ID,src=FILE|env=VAR}): read from a file when
 * the step runs, or a value given up front (e.g. taken from an environment variable). A secret never reaches a
 * layer, a cache key or the image's history. Immutable.
 *
 * @param id    the id {@code RUN --mount=type=secret,id=...} names
 * @param file  the file holding the secret, or null when {@code value} is given
 * @param value the secret's bytes, or null when {@code file} is given
 */
public record BuildSecret(String id, Path file, byte[] value) {

    public BuildSecret {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("a secret needs an id");
        }
        if ((file == null) == (value == null)) {
            throw new IllegalArgumentException("a secret is either a file or a value");
        }
        value = value == null ? null : value.clone();
    }

    /** A secret read from {@code file} when a step mounts it. */
    public static BuildSecret ofFile(String id, Path file) {
        return new BuildSecret(id, Objects.requireNonNull(file, "file"), null);
    }

    /** A secret with the given bytes. */
    public static BuildSecret ofValue(String id, byte[] value) {
        return new BuildSecret(id, null, Objects.requireNonNull(value, "value"));
    }

    @Override
    public byte[] value() {
        return value == null ? null : value.clone();
    }

    @Override
    public String toString() {
        return "BuildSecret[" + id + (file != null ? ", file=" + file : ", value") + "]";   // never the value
    }
}
