package dev.hoist.registry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Digest;
import dev.hoist.oci.OciJson;
import dev.hoist.oci.distribution.ErrorCode;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Methods;

import java.util.Deque;
import java.util.logging.Logger;

/**
 * {@value #PATH}: runs the online garbage collection now, for operators ({@code POST}, with
 * {@code ?dryRun=true} to only report, and {@code ?deleteUntagged=true|false}, by default as
 * {@code gc.deleteUntagged}), and answers with the report as JSON. It may do what a user allowed everything
 * everywhere may do: with token auth ask for the scope {@code registry:gc:*}. An HTTP endpoint rather than a
 * signal: the JVM keeps the usable signals for itself, and a signal could neither carry options nor answer.
 * Thread-safe.
 */
final class GcHandler implements HttpHandler {
    static final String PATH = "/admin/gc";
    private static final Logger LOG = Logger.getLogger(GcHandler.class.getName());

    private final Registry registry;
    private final Authorizer auth;
    private final boolean deleteUntaggedByDefault;

    GcHandler(Registry registry, Authorizer auth, boolean deleteUntaggedByDefault) {
        this.registry = registry;
        this.auth = auth;
        this.deleteUntaggedByDefault = deleteUntaggedByDefault;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (ex.isInIoThread()) {
            ex.dispatch(this);
            return;
        }
        try {
            if (!ex.getRequestMethod().equals(Methods.POST)) {
                throw new RegistryException(ErrorCode.UNSUPPORTED, 405, "start a garbage collection with POST " + PATH);
            }
            auth.authorize(ex, Authorizer.Scope.GC);
            boolean dryRun = flag(ex, "dryRun", false);
            boolean deleteUntagged = flag(ex, "deleteUntagged", deleteUntaggedByDefault);
            if (registry.readOnly() && !dryRun) {
                throw new RegistryException(ErrorCode.UNSUPPORTED, 405, "the registry is in read-only mode; garbage collection"
                        + " would delete, ask for a dry run (?dryRun=true)");
            }
            GcReport r = registry.collect(dryRun, deleteUntagged);
            LOG.info("registry gc (" + PATH + "): " + r.summary());
            RegistryHandler.sendJson(ex, 200, OciJson.write(json(r)));
        } catch (RegistryException e) {
            RegistryHandler.writeError(ex, e);
        }
    }

    private static boolean flag(HttpServerExchange ex, String name, boolean absent) throws RegistryException {
        Deque<String> values = ex.getQueryParameters().get(name);
        if (values == null || values.isEmpty()) {
            return absent;
        }
        return switch (values.getFirst()) {
            case "true", "" -> true;
            case "false" -> false;
            default -> throw new RegistryException(ErrorCode.UNSUPPORTED, 400, name + " is true or false, not \""
                    + Registry.abbreviate(values.getFirst()) + "\"");
        };
    }

    private static ObjectNode json(GcReport r) {
        ObjectNode o = OciJson.mapper().createObjectNode();
        o.put("summary", r.summary());
        o.put("dryRun", r.dryRun());
        o.put("repositories", r.repositories());
        r.deletedManifests().forEach(o.putArray("deletedManifests")::add);
        var blobs = o.putArray("deletedBlobs");
        for (Digest d : r.deletedBlobs()) {
            blobs.add(d.toString());
        }
        o.put("freedBytes", r.freedBytes());
        o.put("keptBlobs", r.keptBlobs());
        o.put("expiredUploads", r.expiredUploads());
        return o;
    }
}
