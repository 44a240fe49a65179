package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The JSON codec of {@link Healthcheck}: durations as integer nanoseconds, like Go's time.Duration. Stateless. */
final class HealthcheckJson {
    private HealthcheckJson() {
    }

    static Healthcheck read(JsonNode n, JsonPath at) throws InvalidContentException {
        Iterator<Map.Entry<String, JsonNode>> it = JsonRead.members(n, at);
        if (it == null) {
            return null;
        }
        List<String> test = null;
        Duration interval = null;
        Duration timeout = null;
        Duration startPeriod = null;
        Duration startInterval = null;
        Integer retries = null;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonPath p = at.field(e.getKey());
            switch (e.getKey()) {
                case "Test" -> test = JsonRead.strings(v, p);
                case "Interval" -> interval = JsonRead.nanos(v, p);
                case "Timeout" -> timeout = JsonRead.nanos(v, p);
                case "StartPeriod" -> startPeriod = JsonRead.nanos(v, p);
                case "StartInterval" -> startInterval = JsonRead.nanos(v, p);
                case "Retries" -> retries = JsonRead.integer(v, p);
                default -> {
                }
            }
        }
        try {
            return new Healthcheck(test, interval, timeout, startPeriod, startInterval, retries);
        } catch (NullPointerException | IllegalArgumentException e) {
            throw JsonRead.refused(at, e);
        }
    }

    static ObjectNode write(Healthcheck h) {
        ObjectNode o = JsonWrite.object();
        JsonWrite.nonEmpty(o, "Test", h.test());
        nanos(o, "Interval", h.interval());
        nanos(o, "Timeout", h.timeout());
        nanos(o, "StartPeriod", h.startPeriod());
        nanos(o, "StartInterval", h.startInterval());
        JsonWrite.nonNull(o, "Retries", h.retries());
        return o;
    }

    private static void nanos(ObjectNode o, String name, Duration d) {
        if (d != null) {
            o.put(name, d.toNanos());
        }
    }
}
