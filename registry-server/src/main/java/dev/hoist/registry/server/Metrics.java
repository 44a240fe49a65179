package dev.hoist.registry.server;

import dev.hoist.oci.distribution.Routes;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters for Prometheus: requests by route, method and status, bytes in and out, request time, requests
 * in flight. Written as the Prometheus text format by {@link #render()}. Thread-safe.
 */
final class Metrics {
    private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> seconds = new ConcurrentHashMap<>();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final AtomicLong inFlight = new AtomicLong();
    private final long started = System.currentTimeMillis();

    /** Counts every exchange that passes {@code next}. */
    HttpHandler wrap(HttpHandler next) {
        return ex -> {
            long t0 = System.nanoTime();
            inFlight.incrementAndGet();
            ex.addExchangeCompleteListener((e, nextListener) -> {
                try {
                    record(e, System.nanoTime() - t0);
                } finally {
                    nextListener.proceed();
                }
            });
            next.handleRequest(ex);
        };
    }

    private void record(HttpServerExchange ex, long nanos) {
        inFlight.decrementAndGet();
        Routes.Route r = Routes.match(ex.getRequestPath());
        String route = r == null ? (ex.getRequestPath().startsWith("/v2") ? "unknown" : "other") : r.kind().name().toLowerCase();
        String key = "route=\"" + route + "\",method=\"" + ex.getRequestMethod() + "\",code=\"" + ex.getStatusCode() + "\"";
        requests.computeIfAbsent(key, k -> new LongAdder()).increment();
        String skey = "route=\"" + route + "\",method=\"" + ex.getRequestMethod() + "\"";
        seconds.computeIfAbsent(skey, k -> new LongAdder()).add(nanos / 1000);
        bytesOut.add(Math.max(0, ex.getResponseBytesSent()));
        bytesIn.add(Math.max(0, ex.getRequestContentLength()));
    }

    /** The Prometheus text exposition. */
    String render() {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("# HELP hoist_registry_http_requests_total HTTP requests by route, method and status code.\n");
        sb.append("# TYPE hoist_registry_http_requests_total counter\n");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(requests).entrySet()) {
            sb.append("hoist_registry_http_requests_total{").append(e.getKey()).append("} ").append(e.getValue().sum()).append('\n');
        }
        sb.append("# HELP hoist_registry_http_request_seconds_total Time spent answering requests.\n");
        sb.append("# TYPE hoist_registry_http_request_seconds_total counter\n");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(seconds).entrySet()) {
            sb.append("hoist_registry_http_request_seconds_total{").append(e.getKey()).append("} ")
                    .append(e.getValue().sum() / 1e6).append('\n');
        }
        sb.append("# HELP hoist_registry_http_response_bytes_total Bytes sent in response bodies.\n");
        sb.append("# TYPE hoist_registry_http_response_bytes_total counter\n");
        sb.append("hoist_registry_http_response_bytes_total ").append(bytesOut.sum()).append('\n');
        sb.append("# HELP hoist_registry_http_request_bytes_total Bytes declared in request bodies.\n");
        sb.append("# TYPE hoist_registry_http_request_bytes_total counter\n");
        sb.append("hoist_registry_http_request_bytes_total ").append(bytesIn.sum()).append('\n');
        sb.append("# HELP hoist_registry_http_requests_in_flight Requests being answered.\n");
        sb.append("# TYPE hoist_registry_http_requests_in_flight gauge\n");
        sb.append("hoist_registry_http_requests_in_flight ").append(inFlight.get()).append('\n');
        Runtime rt = Runtime.getRuntime();
        sb.append("# HELP hoist_registry_jvm_heap_used_bytes JVM heap in use.\n");
        sb.append("# TYPE hoist_registry_jvm_heap_used_bytes gauge\n");
        sb.append("hoist_registry_jvm_heap_used_bytes ").append(rt.totalMemory() - rt.freeMemory()).append('\n');
        sb.append("# HELP hoist_registry_start_time_seconds When the registry started.\n");
        sb.append("# TYPE hoist_registry_start_time_seconds gauge\n");
        sb.append("hoist_registry_start_time_seconds ").append(started / 1000).append('\n');
        return sb.toString();
    }
}
