package dev.hoist.oci.distribution;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The JSON body of a registry error, {@code {"errors":[{"code":…,"message":…,"detail":…}]}}, as the
 * distribution spec defines it. Immutable.
 */
public record ErrorResponse(@JsonProperty("errors") List<Error> errors) {

    public ErrorResponse {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /** A response with one error. */
    public static ErrorResponse of(ErrorCode code, String message, JsonNode detail) {
        return new ErrorResponse(List.of(new Error(code.code(), message == null ? code.message() : message, detail)));
    }

    /**
     * This response as a JSON tree, as data binding would write it (null members left out), so that writing
     * one does not start the shared ObjectMapper: a registry answers many HEADs with 404 and this body.
     */
    public ObjectNode jsonValue() {
        ArrayNode list = JsonNodeFactory.instance.arrayNode(errors.size());
        for (Error e : errors) {
            ObjectNode o = list.addObject();
            if (e.code() != null) {
                o.put("code", e.code());
            }
            if (e.message() != null) {
                o.put("message", e.message());
            }
            if (e.detail() != null) {
                o.set("detail", e.detail());
            }
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("errors", list);
        return root;
    }

    /** One error: its code (see {@link ErrorCode#fromCode}), a message for people, and optional detail. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Error(@JsonProperty("code") String code,
                        @JsonProperty("message") String message,
                        @JsonProperty("detail") JsonNode detail) {
    }
}
