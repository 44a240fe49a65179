package dev.hoist.registry.server;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Sends {@code /healthz}, {@code /metrics}, {@code /admin/gc} and the token endpoint to their handlers and
 * everything else to the distribution API. Thread-safe.
 */
final class RootHandler implements HttpHandler {
    private final HttpHandler api;
    private final HttpHandler gc;
    private final Authorizer auth;
    private final Metrics metrics;
    private final RegistryConfig config;

    RootHandler(HttpHandler api, HttpHandler gc, Authorizer auth, Metrics metrics, RegistryConfig config) {
        this.api = api;
        this.gc = gc;
        this.auth = auth;
        this.metrics = metrics;
        this.config = config;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String path = ex.getRequestPath();
        if (path.startsWith("/v2")) {
            api.handleRequest(ex);
            return;
        }
        switch (path) {
            case "/healthz", "/health" -> text(ex, 200, "{\"status\":\"ok\"}\n", "application/json");
            case GcHandler.PATH -> gc.handleRequest(ex);
            case "/metrics" -> {
                if (config.metrics()) {
                    text(ex, 200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
                } else {
                    text(ex, 404, "metrics are off\n", "text/plain");
                }
            }
            default -> {
                if (path.equals(TokenEndpoint.PATH) && auth instanceof Access a && a.tokenEndpoint() != null) {
                    a.tokenEndpoint().handleRequest(ex);
                } else {
                    text(ex, 404, "not found\n", "text/plain");
                }
            }
        }
    }

    private static void text(HttpServerExchange ex, int status, String body, String type) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, type);
        ex.setResponseContentLength(b.length);
        ex.getResponseSender().send(ByteBuffer.wrap(b));
    }
}
