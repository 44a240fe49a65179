package dev.hoist.oci.distribution;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

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

    /** One error: its code (see {@link ErrorCode#fromCode}), a message for people, and optional detail. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Error(@JsonProperty("code") String code,
                        @JsonProperty("message") String message,
                        @JsonProperty("detail") JsonNode detail) {
    }
}
