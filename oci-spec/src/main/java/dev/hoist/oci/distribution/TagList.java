package dev.hoist.oci.distribution;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** The body of {@code GET /v2/<name>/tags/list}: the repository and its tags in lexical order. Immutable. */
public record TagList(@JsonProperty("name") String name, @JsonProperty("tags") List<String> tags) {
    public TagList {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
