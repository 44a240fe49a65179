package dev.hoist.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;

import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * Jackson data-binding codecs for the shapes Docker's Go types give some fields, for values written or read
 * through {@link OciJson#mapper()}; hoist's own reading and writing uses the hand-written codecs
 * ({@link ContainerConfigJson}, {@link HealthcheckJson}), which give the same JSON. Stateless.
 */
final class JsonCodecs {
    private JsonCodecs() {
    }

    /** A set written as an object whose keys are the members and whose values are {@code {}} (Go's map[string]struct{}). */
    static final class KeySetSerializer extends JsonSerializer<Set<String>> {
        @Override
        public void serialize(Set<String> value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeStartObject();
            for (String key : new TreeSet<>(value)) {
                gen.writeFieldName(key);
                gen.writeStartObject();
                gen.writeEndObject();
            }
            gen.writeEndObject();
        }

        @Override
        public boolean isEmpty(SerializerProvider provider, Set<String> value) {
            return value == null || value.isEmpty();
        }
    }

    /** Reads the keys of an object as a sorted set, ignoring the values. */
    static final class KeySetDeserializer extends JsonDeserializer<Set<String>> {
        @Override
        public Set<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                return ctxt.reportInputMismatch(this, "expected an object whose keys are the members, like {\"80/tcp\":{}}, got %s", OciJson.kind(p.currentToken()));
            }
            TreeSet<String> keys = new TreeSet<>();
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                keys.add(name);
                p.nextToken();
                p.skipChildren();
            }
            return Collections.unmodifiableSet(keys);
        }

        @Override
        public Set<String> getNullValue(DeserializationContext ctxt) {
            return null;
        }
    }

    /** A duration written as integer nanoseconds (Go's time.Duration). */
    static final class NanosSerializer extends JsonSerializer<Duration> {
        @Override
        public void serialize(Duration value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeNumber(value.toNanos());
        }
    }

    /** Reads integer nanoseconds as a duration. */
    static final class NanosDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                return ctxt.reportInputMismatch(this, "expected a duration in integer nanoseconds, got %s", OciJson.kind(p.currentToken()));
            }
            return Duration.ofNanos(p.getLongValue());
        }
    }
}
