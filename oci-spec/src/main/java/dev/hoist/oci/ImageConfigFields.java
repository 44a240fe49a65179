package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * The fields of an image config as they are on the wire: the OCI ones in the OCI Go types' order, then
 * Docker's top-level extras. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"created", "author", "architecture", "os", "os.version", "os.features", "variant", "config",
        "rootfs", "history", "comment", "container", "container_config", "docker_version"})
record ImageConfigFields(
        @JsonProperty("created") String created,
        @JsonProperty("author") String author,
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        @JsonProperty("variant") String variant,
        @JsonProperty("config") ContainerConfig config,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("rootfs") RootFs rootfs,
        @JsonProperty("history") List<History> history,
        @JsonProperty("comment") String comment,
        @JsonProperty("container") String container,
        @JsonProperty("container_config") ContainerConfig containerConfig,
        @JsonProperty("docker_version") String dockerVersion) {

    ImageConfigFields {
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
        history = history == null ? List.of() : List.copyOf(history);
    }
}
