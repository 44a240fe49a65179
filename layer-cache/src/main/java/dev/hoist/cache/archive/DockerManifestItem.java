package dev.hoist.cache.archive;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.hoist.oci.Descriptor;

import java.util.List;
import java.util.Map;

/**
 * One image of the {@code manifest.json} of a {@code docker save} tar: paths inside the tar of the config and of
 * the layers (base first), and the names to tag it with ({@code busybox:latest}). {@code LayerSources} holds
 * the descriptors of foreign layers by diff ID.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"Config", "RepoTags", "Layers", "Parent", "LayerSources"})
record DockerManifestItem(
        @JsonProperty("Config") String config,
        @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("RepoTags") List<String> repoTags,
        @JsonProperty("Layers") List<String> layers,
        @JsonProperty("Parent") String parent,
        @JsonProperty("LayerSources") Map<String, Descriptor> layerSources) {

    DockerManifestItem {
        repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
        layers = layers == null ? List.of() : List.copyOf(layers);
    }
}
