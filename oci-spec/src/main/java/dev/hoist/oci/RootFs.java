package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * The {@code rootfs} of an image config: {@code type} (always {@code layers}) and the {@code diff_ids}, the
 * digests of the uncompressed layer tars, base first. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "diff_ids"})
public record RootFs(
        @JsonProperty("type") String type,
        @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("diff_ids") List<Digest> diffIds) {

    /** The only rootfs type the spec defines. */
    public static final String LAYERS = "layers";

    public RootFs {
        diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
    }

    /** A {@code layers} rootfs with these diff IDs. */
    public static RootFs layers(List<Digest> diffIds) {
        return new RootFs(LAYERS, diffIds);
    }

    /** This rootfs with one more layer on top. */
    public RootFs withLayer(Digest diffId) {
        List<Digest> ids = new java.util.ArrayList<>(diffIds);
        ids.add(diffId);
        return new RootFs(type, ids);
    }
}
