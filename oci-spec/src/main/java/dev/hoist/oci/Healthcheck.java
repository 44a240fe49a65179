package dev.hoist.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.time.Duration;
import java.util.List;

/**
 * Docker's {@code HEALTHCHECK} in an image config ({@code config.Healthcheck}). {@code test} is {@code []} to
 * inherit, {@code ["NONE"]} to disable, {@code ["CMD", args…]} or {@code ["CMD-SHELL", command]}. Durations are
 * integer nanoseconds on the wire; null means inherit, as does a retry count of null. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"})
public record Healthcheck(
        @JsonProperty("Test") List<String> test,
        @JsonProperty("Interval") @JsonSerialize(using = JsonCodecs.NanosSerializer.class) @JsonDeserialize(using = JsonCodecs.NanosDeserializer.class) Duration interval,
        @JsonProperty("Timeout") @JsonSerialize(using = JsonCodecs.NanosSerializer.class) @JsonDeserialize(using = JsonCodecs.NanosDeserializer.class) Duration timeout,
        @JsonProperty("StartPeriod") @JsonSerialize(using = JsonCodecs.NanosSerializer.class) @JsonDeserialize(using = JsonCodecs.NanosDeserializer.class) Duration startPeriod,
        @JsonProperty("StartInterval") @JsonSerialize(using = JsonCodecs.NanosSerializer.class) @JsonDeserialize(using = JsonCodecs.NanosDeserializer.class) Duration startInterval,
        @JsonProperty("Retries") Integer retries) {

    public Healthcheck {
        test = test == null ? List.of() : List.copyOf(test);
    }
}
