package dev.hoist.oci.distribution;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** The body of {@code GET /v2/_catalog}: repository names in lexical order. Immutable. */
public record Catalog(@JsonProperty("repositories") List<String> repositories) {
    public Catalog {
        repositories = repositories == null ? List.of() : List.copyOf(repositories);
    }
}
