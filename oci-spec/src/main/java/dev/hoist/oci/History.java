package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.Instant;

/**
 * One entry of an image config's {@code history}: how a layer (or, with {@code empty_layer}, a step that
 * made no layer) was created. {@code created} is kept as written (RFC 3339). Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"created", "created_by", "author", "comment", "empty_layer"})
public record History(
        @JsonProperty("created") String created,
        @JsonProperty("created_by") String createdBy,
        @JsonProperty("author") String author,
        @JsonProperty("comment") String comment,
        @JsonProperty("empty_layer") Boolean emptyLayer) {

    /** An entry for a step at {@code created} (written as Go's RFC3339Nano, UTC). */
    public static History of(Instant created, String createdBy, boolean emptyLayer) {
        return new History(created == null ? null : Rfc3339.format(created), createdBy, null, null, emptyLayer ? Boolean.TRUE : null);
    }

    /** As {@link #of(Instant, String, boolean)}, with a {@code comment} (null for none). */
    public static History of(Instant created, String createdBy, String comment, boolean emptyLayer) {
        return new History(created == null ? null : Rfc3339.format(created), createdBy, null, comment,
                emptyLayer ? Boolean.TRUE : null);
    }

    /** Whether this step made no layer. */
    @JsonIgnore
    public boolean isEmptyLayer() {
        return Boolean.TRUE.equals(emptyLayer);
    }

    /** {@code created} as an instant, or null when absent or not a timestamp. */
    @JsonIgnore
    public Instant createdInstant() {
        return Rfc3339.parse(created);
    }
}
