package dev.hoist.registry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciJson;
import dev.hoist.oci.distribution.Catalog;
import dev.hoist.oci.distribution.ErrorCode;
import dev.hoist.oci.distribution.ErrorResponse;
import dev.hoist.oci.distribution.Headers;
import dev.hoist.oci.distribution.Routes;
import dev.hoist.oci.distribution.TagList;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The distribution API over HTTP: matches the route, checks access, parses headers and query parameters,
 * calls the {@link Registry}, and writes the answer; registry errors become the spec's JSON error bodies here
 * and nowhere else. Runs its work on worker threads (requests with a body on the server's body threads); blobs
 * are sent with zero copy. Thread-safe.
 */
final class RegistryHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(RegistryHandler.class.getName());
    static final HttpString API_VERSION = new HttpString(Headers.API_VERSION);
    static final HttpString CONTENT_DIGEST = new HttpString(Headers.CONTENT_DIGEST);
    static final HttpString UPLOAD_UUID = new HttpString(Headers.UPLOAD_UUID);
    static final HttpString OCI_SUBJECT = new HttpString(Headers.OCI_SUBJECT);
    static final HttpString FILTERS_APPLIED = new HttpString(Headers.OCI_FILTERS_APPLIED);
    static final HttpString CHUNK_MIN = new HttpString(Headers.OCI_CHUNK_MIN_LENGTH);
    static final HttpString LINK = new HttpString("Link");
    private static final String JSON = "application/json; charset=utf-8";
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");
    private static final Pattern CONTENT_RANGE = Pattern.compile("(?:bytes )?(\\d{1,19})-(\\d{1,19})(?:/(?:\\d{1,19}|\\*))?");

    private final Registry registry;
    private final Authorizer auth;

    RegistryHandler(Registry registry, Authorizer auth) {
        this.registry = registry;
        this.auth = auth;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) {
        if (ex.isInIoThread()) {
            // Even cached manifest reads go to a worker: tried on the two I/O threads, they were slower on a
            // busy machine (fewer runnable threads get less of the CPU) and waited on the JIT for longer.
            ex.dispatch(this);
            return;
        }
        ex.getResponseHeaders().put(API_VERSION, Headers.API_VERSION_VALUE);
        try {
            Routes.Route route = Routes.match(ex.getRequestPath());
            if (route == null) {
                throw new RegistryException(ErrorCode.UNSUPPORTED, 404, "no such API path: " + Registry.abbreviate(ex.getRequestPath()));
            }
            route(ex, route);
        } catch (RegistryException e) {
            writeError(ex, e);
        } catch (ClientIOException e) {
            // The client sent less than it declared, or went away: an upload keeps what arrived, nothing else
            // was stored.
            ex.setPersistent(false);
            writeError(ex, new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, 400, "the request body ended early: " + e.getMessage()));
        } catch (Exception e) {
            LOG.log(Level.WARNING, "failed: " + ex.getRequestMethod() + " " + ex.getRequestPath(), e);
            if (!ex.isResponseStarted()) {
                ex.setPersistent(false);
                writeError(ex, new RegistryException(ErrorCode.UNAVAILABLE, 500, "the registry failed: " + e.getMessage()));
            } else {
                ex.endExchange();
            }
        }
    }

    private void route(HttpServerExchange ex, Routes.Route r) throws Exception {
        HttpString method = ex.getRequestMethod();
        if (r.kind() == Routes.Kind.BASE) {
            auth.authorize(ex, null);
            sendJson(ex, 200, "{}".getBytes());
            return;
        }
        if (r.kind() == Routes.Kind.CATALOG) {
            requireMethod(method, Methods.GET);
            auth.authorize(ex, Authorizer.Scope.CATALOG);
            catalog(ex);
            return;
        }
        String name = r.name();
        Registry.checkName(name);
        switch (r.kind()) {
            case MANIFEST -> {
                if (method.equals(Methods.GET) || method.equals(Methods.HEAD)) {
                    auth.authorize(ex, Authorizer.Scope.repository(name, "pull"));
                    getManifest(ex, name, r.reference(), method.equals(Methods.HEAD));
                } else if (method.equals(Methods.PUT)) {
                    auth.authorize(ex, Authorizer.Scope.repository(name, "push"));
                    putManifest(ex, name, r.reference());
                } else if (method.equals(Methods.DELETE)) {
                    auth.authorize(ex, Authorizer.Scope.repository(name, "delete"));
                    registry.deleteManifest(name, r.reference());
                    empty(ex, 202);
                } else {
                    throw notAllowed(method);
                }
            }
            case BLOB -> {
                Digest d = Registry.parseDigest(r.reference());
                if (method.equals(Methods.GET) || method.equals(Methods.HEAD)) {
                    auth.authorize(ex, Authorizer.Scope.repository(name, "pull"));
                    getBlob(ex, name, d, method.equals(Methods.HEAD));
                } else if (method.equals(Methods.DELETE)) {
                    auth.authorize(ex, Authorizer.Scope.repository(name, "delete"));
                    registry.deleteBlob(name, d);
                    empty(ex, 202);
                } else {
                    throw notAllowed(method);
                }
            }
            case UPLOADS -> {
                requireMethod(method, Methods.POST);
                auth.authorize(ex, Authorizer.Scope.repository(name, "push", "pull"));
                startUpload(ex, name);
            }
            case UPLOAD -> {
                String id = r.reference();
                if (method.equals(Methods.GET)) {
                    auth.authorize(ex, Authorizer.Scope.repository(name, "pull"));
                    uploadStatus(ex, registry.storage().uploadStatus(name, id), 204);
                } else {
                    auth.authorize(ex, Authorizer.Scope.repository(name, "push", "pull"));
                    if (method.equals(Methods.PATCH)) {
                        patchUpload(ex, name, id);
                    } else if (method.equals(Methods.PUT)) {
                        putUpload(ex, name, id);
                    } else if (method.equals(Methods.DELETE)) {
                        registry.checkWritable();
                        registry.storage().cancelUpload(name, id);
                        empty(ex, 204);
                    } else {
                        throw notAllowed(method);
                    }
                }
            }
            case TAGS -> {
                requireMethod(method, Methods.GET);
                auth.authorize(ex, Authorizer.Scope.repository(name, "pull"));
                tags(ex, name);
            }
            case REFERRERS -> {
                requireMethod(method, Methods.GET);
                auth.authorize(ex, Authorizer.Scope.repository(name, "pull"));
                referrers(ex, name, Registry.parseDigest(r.reference()));
            }
            default -> throw new RegistryException(ErrorCode.UNSUPPORTED, 404, "no such API path");
        }
    }

    private static void requireMethod(HttpString method, HttpString wanted) throws RegistryException {
        if (!method.equals(wanted) && !(wanted.equals(Methods.GET) && method.equals(Methods.HEAD))) {
            throw notAllowed(method);
        }
    }

    private static RegistryException notAllowed(HttpString method) {
        return new RegistryException(ErrorCode.UNSUPPORTED, 405, "method " + method + " is not supported on this path");
    }

    // ---------------------------------------------------------------- manifests

    private void getManifest(HttpServerExchange ex, String name, String reference, boolean head) throws Exception {
        StoredManifest m = registry.manifest(name, reference);
        if (!accepts(ex.getRequestHeaders().get(io.undertow.util.Headers.ACCEPT), m.mediaType())) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, 404, "the manifest is " + m.mediaType()
                    + ", which the request's Accept header does not allow; add it to Accept");
        }
        HeaderMap h = ex.getResponseHeaders();
        h.put(io.undertow.util.Headers.CONTENT_TYPE, m.mediaType());
        h.put(CONTENT_DIGEST, m.digest().toString());
        h.put(io.undertow.util.Headers.ETAG, "\"" + m.digest() + "\"");
        if (m.subject() != null) {
            h.put(OCI_SUBJECT, m.subject().toString());
        }
        ex.setStatusCode(200);
        ex.setResponseContentLength(m.bytes().length);
        if (head) {
            ex.endExchange();
        } else {
            ex.getResponseSender().send(ByteBuffer.wrap(m.bytes()));
        }
    }

    /** Whether an Accept header allows {@code mediaType}: absent, a wildcard, or listing it. */
    static boolean accepts(HeaderValues accept, String mediaType) {
        if (accept == null || accept.isEmpty()) {
            return true;
        }
        boolean any = false;
        for (String header : accept) {
            for (String part : header.split(",")) {
                String t = part.split(";", 2)[0].trim();
                if (t.isEmpty()) {
                    continue;
                }
                any = true;
                if (t.equals(mediaType) || t.equals("*/*") || t.equals("application/*")) {
                    return true;
                }
            }
        }
        if (!any) {
            return true;
        }
        // Clients that ask only for non-manifest types (e.g. application/json) get what there is.
        for (String header : accept) {
            for (String part : header.split(",")) {
                String t = part.split(";", 2)[0].trim();
                if (MediaTypes.isManifest(t) || MediaTypes.isIndex(t) || MediaTypes.isSchema1(t)) {
                    return false;
                }
            }
        }
        return true;
    }

    private void putManifest(HttpServerExchange ex, String name, String reference) throws Exception {
        registry.checkWritable();
        long declared = ex.getRequestContentLength();
        if (declared > Registry.MAX_MANIFEST_BYTES) {
            drainSome(ex, declared);
            throw new RegistryException(ErrorCode.SIZE_INVALID, 413, "the manifest has " + declared
                    + " bytes; this registry accepts manifests of at most " + Registry.MAX_MANIFEST_BYTES + " bytes");
        }
        byte[] body = readBody(ex, Registry.MAX_MANIFEST_BYTES);
        if (body == null) {
            drainSome(ex, -1);
            throw new RegistryException(ErrorCode.SIZE_INVALID, 413, "the manifest is larger than the "
                    + Registry.MAX_MANIFEST_BYTES + " bytes this registry accepts");
        }
        List<String> extra = new ArrayList<>();
        Deque<String> tagParams = ex.getQueryParameters().get("tag");
        if (tagParams != null) {
            extra.addAll(tagParams);
        }
        Registry.Put put = registry.putManifest(name, reference,
                ex.getRequestHeaders().getFirst(io.undertow.util.Headers.CONTENT_TYPE), body, extra);
        HeaderMap h = ex.getResponseHeaders();
        h.put(io.undertow.util.Headers.LOCATION, Routes.manifest(name, put.manifest().digest().toString()));
        h.put(CONTENT_DIGEST, put.manifest().digest().toString());
        if (put.manifest().subject() != null) {
            h.put(OCI_SUBJECT, put.manifest().subject().toString());
        }
        empty(ex, 201);
    }

    /** The whole body, or null when it is longer than {@code max}. */
    private static byte[] readBody(HttpServerExchange ex, long max) throws IOException {
        ex.startBlocking();
        InputStream in = clientStream(ex);
        byte[] b = in.readNBytes((int) max + 1);
        return b.length > max ? null : b;
    }

    // ---------------------------------------------------------------- blobs

    private void getBlob(HttpServerExchange ex, String name, Digest d, boolean head) throws Exception {
        if (head) {
            BlobInfo info = registry.statBlob(name, d);
            blobHeaders(ex, d);
            ex.setStatusCode(200);
            ex.setResponseContentLength(info.size());
            ex.endExchange();
            return;
        }
        RegistryStorage.BlobContent c = registry.openBlob(name, d);
        boolean handedOff = false;
        try {
            blobHeaders(ex, d);
            String range = ex.getRequestHeaders().getFirst(io.undertow.util.Headers.RANGE);
            long start = 0;
            long length = c.size();
            if (range != null) {
                long[] r;
                try {
                    r = parseRange(range, c.size());
                } catch (RegistryException e) {
                    // A 416 says how large the blob is, so that the client can ask again within it (RFC 9110).
                    writeError(ex, e, "bytes */" + c.size());
                    return;
                }
                start = r[0];
                length = r[1] - r[0] + 1;
                ex.setStatusCode(206);
                ex.getResponseHeaders().put(io.undertow.util.Headers.CONTENT_RANGE, "bytes " + r[0] + "-" + r[1] + "/" + c.size());
            } else {
                ex.setStatusCode(200);
            }
            ex.setResponseContentLength(length);
            SeekableByteChannel ch = c.channel();
            if (range == null && ch instanceof FileChannel fc) {
                handedOff = true;
                ex.getResponseSender().transferFrom(fc, new ClosingCallback(c));
                return;
            }
            ex.startBlocking();
            try (OutputStream out = ex.getOutputStream()) {
                if (ch instanceof FileChannel fc) {
                    long pos = start;
                    long left = length;
                    var target = Channels.newChannel(out);
                    while (left > 0) {
                        long n = fc.transferTo(pos, left, target);
                        if (n <= 0) {
                            break;
                        }
                        pos += n;
                        left -= n;
                    }
                } else {
                    ch.position(start);
                    InputStream in = Channels.newInputStream(ch);
                    byte[] buf = new byte[65536];
                    long left = length;
                    while (left > 0) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            break;
                        }
                        out.write(buf, 0, n);
                        left -= n;
                    }
                }
            }
        } finally {
            if (!handedOff) {
                c.close();
            }
        }
    }

    private static void blobHeaders(HttpServerExchange ex, Digest d) {
        HeaderMap h = ex.getResponseHeaders();
        h.put(io.undertow.util.Headers.CONTENT_TYPE, "application/octet-stream");
        h.put(CONTENT_DIGEST, d.toString());
        h.put(io.undertow.util.Headers.ETAG, "\"" + d + "\"");
        h.put(io.undertow.util.Headers.ACCEPT_RANGES, "bytes");
        h.put(io.undertow.util.Headers.CACHE_CONTROL, "max-age=31536000");
    }

    /** {@code [first, last]} of a single {@code bytes=} range within {@code size} bytes. */
    static long[] parseRange(String header, long size) throws RegistryException {
        Matcher m = RANGE.matcher(header.trim());
        RegistryException bad = new RegistryException(ErrorCode.RANGE_INVALID, 416, "the Range \"" + Registry.abbreviate(header)
                + "\" cannot be served from a blob of " + size + " bytes; ask for one range bytes=first-last within it");
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw bad;
        }
        long first;
        long last;
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0) {
                    throw bad;
                }
                first = Math.max(0, size - suffix);
                last = size - 1;
            } else {
                first = Long.parseLong(m.group(1));
                last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
                if (m.group(2).length() > 0 && Long.parseLong(m.group(2)) < first) {
                    throw bad;
                }
            }
        } catch (NumberFormatException e) {
            throw bad;
        }
        if (first >= size || first > last) {
            throw bad;
        }
        return new long[]{first, last};
    }

    /** Closes the blob when its transfer ends, then ends the exchange. */
    private static final class ClosingCallback implements IoCallback {
        private final RegistryStorage.BlobContent content;

        ClosingCallback(RegistryStorage.BlobContent content) {
            this.content = content;
        }

        @Override
        public void onComplete(HttpServerExchange exchange, Sender sender) {
            close();
            IoCallback.END_EXCHANGE.onComplete(exchange, sender);
        }

        @Override
        public void onException(HttpServerExchange exchange, Sender sender, IOException exception) {
            close();
            IoCallback.END_EXCHANGE.onException(exchange, sender, exception);
        }

        private void close() {
            try {
                content.close();
            } catch (IOException ignored) {
                // a read-only channel
            }
        }
    }

    // ---------------------------------------------------------------- uploads

    private void startUpload(HttpServerExchange ex, String name) throws Exception {
        registry.checkWritable();
        Map<String, Deque<String>> q = ex.getQueryParameters();
        String mount = first(q, "mount");
        String digestParam = first(q, "digest");
        if (mount != null) {
            Digest d = Registry.parseDigest(mount);
            String from = first(q, "from");
            BlobInfo mounted = null;
            if (from != null) {
                Registry.checkName(from);
                if (auth.allowed(ex, Authorizer.Scope.repository(from, "pull"))) {
                    mounted = registry.mount(name, d, from);
                }
            } else if (auth.mayPullEverywhere(ex)) {
                // Without a source the blob may come from any repository: only for callers who may pull from
                // all of them. Others get an upload, as from the CNCF registry, which never mounts without one.
                mounted = registry.mount(name, d, null);
            }
            if (mounted != null) {
                drain(ex);
                blobCreated(ex, name, d);
                return;
            }
        }
        if (digestParam != null) {
            Digest d = Registry.parseDigest(digestParam);
            RegistryStorage.UploadStatus u = registry.startUpload(name);
            boolean done = false;
            try {
                registry.append(name, u.id(), 0, ex.getRequestContentLength(), RequestBody.of(ex));
                registry.finish(name, u.id(), d);
                done = true;
            } finally {
                if (!done) {
                    try {
                        registry.storage().cancelUpload(name, u.id());
                    } catch (RegistryException | IOException ignored) {
                        // already gone
                    }
                }
            }
            blobCreated(ex, name, d);
            return;
        }
        drain(ex);
        RegistryStorage.UploadStatus u = registry.startUpload(name);
        ex.getResponseHeaders().put(CHUNK_MIN, "1");
        uploadStatus(ex, u, 202);
    }

    private void patchUpload(HttpServerExchange ex, String name, String id) throws Exception {
        long start = -1;
        long exact = ex.getRequestContentLength();
        String cr = ex.getRequestHeaders().getFirst(io.undertow.util.Headers.CONTENT_RANGE);
        if (cr != null) {
            long[] r = parseContentRange(cr);
            start = r[0];
            long len = r[1] - r[0] + 1;
            if (exact >= 0 && exact != len) {
                ex.setPersistent(false);
                throw new RegistryException(ErrorCode.SIZE_INVALID, 400, "Content-Length " + exact
                        + " does not match Content-Range " + cr);
            }
            exact = len;
        }
        RegistryStorage.UploadStatus u;
        try {
            u = registry.append(name, id, start, exact, RequestBody.of(ex));
        } catch (RegistryException e) {
            ex.setPersistent(false);
            throw e;
        }
        uploadStatus(ex, u, 202);
    }

    private void putUpload(HttpServerExchange ex, String name, String id) throws Exception {
        String digestParam = first(ex.getQueryParameters(), "digest");
        if (digestParam == null) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, 400, "finish an upload with ?digest=<digest of the blob>");
        }
        Digest d = Registry.parseDigest(digestParam);
        long length = ex.getRequestContentLength();
        boolean chunked = ex.getRequestHeaders().contains(io.undertow.util.Headers.TRANSFER_ENCODING);
        String cr = ex.getRequestHeaders().getFirst(io.undertow.util.Headers.CONTENT_RANGE);
        if (length > 0 || chunked || cr != null) {
            long start = -1;
            long exact = length;
            if (cr != null) {
                long[] r = parseContentRange(cr);
                start = r[0];
                if (exact >= 0 && exact != r[1] - r[0] + 1) {
                    ex.setPersistent(false);
                    throw new RegistryException(ErrorCode.SIZE_INVALID, 400, "Content-Length " + exact
                            + " does not match Content-Range " + cr);
                }
                exact = r[1] - r[0] + 1;
            }
            try {
                registry.append(name, id, start, exact, RequestBody.of(ex));
            } catch (RegistryException e) {
                ex.setPersistent(false);
                throw e;
            }
        }
        registry.finish(name, id, d);
        blobCreated(ex, name, d);
    }

    static long[] parseContentRange(String header) throws RegistryException {
        Matcher m = CONTENT_RANGE.matcher(header.trim());
        if (m.matches()) {
            try {
                long a = Long.parseLong(m.group(1));
                long b = Long.parseLong(m.group(2));
                if (b >= a) {
                    return new long[]{a, b};
                }
            } catch (NumberFormatException ignored) {
                // too large
            }
        }
        throw new RegistryException(ErrorCode.RANGE_INVALID, 416, "the Content-Range \"" + Registry.abbreviate(header)
                + "\" is not valid; send first-last, e.g. 0-1023 for the first KiB");
    }

    private static void blobCreated(HttpServerExchange ex, String name, Digest d) {
        HeaderMap h = ex.getResponseHeaders();
        h.put(io.undertow.util.Headers.LOCATION, Routes.blob(name, d));
        h.put(CONTENT_DIGEST, d.toString());
        empty(ex, 201);
    }

    private static void uploadStatus(HttpServerExchange ex, RegistryStorage.UploadStatus u, int status) {
        HeaderMap h = ex.getResponseHeaders();
        h.put(io.undertow.util.Headers.LOCATION, Routes.upload(u.repo(), u.id()));
        h.put(UPLOAD_UUID, u.id());
        h.put(io.undertow.util.Headers.RANGE, "0-" + Math.max(0, u.offset() - 1));
        empty(ex, status);
    }

    // ---------------------------------------------------------------- lists

    private void tags(HttpServerExchange ex, String name) throws Exception {
        List<String> all = registry.tags(name);
        Page page = page(ex, all);
        byte[] body = OciJson.write(new TagList(name, page.items));
        if (page.next != null) {
            ex.getResponseHeaders().put(LINK, "<" + Routes.tags(name) + "?n=" + page.n + "&"
                    + Routes.param("last", page.next) + ">; rel=\"next\"");
        }
        sendJson(ex, 200, body);
    }

    private void catalog(HttpServerExchange ex) throws Exception {
        Page page = page(ex, registry.storage().repositories());
        byte[] body = OciJson.write(new Catalog(page.items));
        if (page.next != null) {
            ex.getResponseHeaders().put(LINK, "<" + Routes.catalog() + "?n=" + page.n + "&"
                    + Routes.param("last", page.next) + ">; rel=\"next\"");
        }
        sendJson(ex, 200, body);
    }

    private record Page(List<String> items, int n, String next) {
    }

    private static Page page(HttpServerExchange ex, List<String> sorted) throws RegistryException {
        Map<String, Deque<String>> q = ex.getQueryParameters();
        String last = first(q, "last");
        String nParam = first(q, "n");
        int n = Integer.MAX_VALUE;
        if (nParam != null) {
            try {
                n = Integer.parseInt(nParam);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) {
                throw new RegistryException(ErrorCode.PAGINATION_NUMBER_INVALID, 400, "n must be a number of results, 0 or more");
            }
        }
        List<String> items = new ArrayList<>();
        String next = null;
        for (String s : sorted) {
            if (last != null && s.compareTo(last) <= 0) {
                continue;
            }
            if (items.size() >= n) {
                next = items.isEmpty() ? null : items.get(items.size() - 1);
                break;
            }
            items.add(s);
        }
        return new Page(items, n, next);
    }

    private void referrers(HttpServerExchange ex, String name, Digest subject) throws Exception {
        String artifactType = first(ex.getQueryParameters(), "artifactType");
        ObjectNode index = OciJson.mapper().createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        var arr = index.putArray("manifests");
        for (StoredManifest m : registry.storage().referrers(name, subject)) {
            if (artifactType != null && !artifactType.equals(m.artifactType())) {
                continue;
            }
            Descriptor d = m.descriptor();
            arr.add(OciJson.mapper().valueToTree(d));
        }
        if (artifactType != null) {
            ex.getResponseHeaders().put(FILTERS_APPLIED, "artifactType");
        }
        ex.getResponseHeaders().put(io.undertow.util.Headers.CONTENT_TYPE, MediaTypes.OCI_INDEX);
        byte[] body = OciJson.write(index);
        ex.setStatusCode(200);
        ex.setResponseContentLength(body.length);
        ex.getResponseSender().send(ByteBuffer.wrap(body));
    }

    // ---------------------------------------------------------------- plumbing

    private static String first(Map<String, Deque<String>> q, String key) {
        Deque<String> d = q.get(key);
        return d == null || d.isEmpty() ? null : d.getFirst();
    }

    private static void drain(HttpServerExchange ex) throws IOException {
        if (ex.getRequestContentLength() == 0) {
            return;
        }
        ex.startBlocking();
        clientStream(ex).transferTo(OutputStream.nullOutputStream());
    }

    /**
     * Reads and drops a refused body when it is not much larger than the limits, so that the client, still
     * sending, reads the error instead of a reset connection; larger bodies get the connection closed.
     */
    private static void drainSome(HttpServerExchange ex, long declared) {
        ex.setPersistent(false);
        if (declared > DRAIN_LIMIT) {
            return;
        }
        try {
            ex.startBlocking();
            InputStream in = ex.getInputStream();
            byte[] buf = new byte[65536];
            long total = 0;
            int n;
            while (total < DRAIN_LIMIT && (n = in.read(buf)) > 0) {
                total += n;
            }
        } catch (IOException ignored) {
            // the client went away
        }
    }

    private static final long DRAIN_LIMIT = 64L << 20;

    private static InputStream clientStream(HttpServerExchange ex) {
        return new ClientInputStream(ex.getInputStream());
    }

    static void sendJson(HttpServerExchange ex, int status, byte[] body) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(io.undertow.util.Headers.CONTENT_TYPE, JSON);
        ex.setResponseContentLength(body.length);
        if (ex.getRequestMethod().equals(Methods.HEAD)) {
            ex.endExchange();
        } else {
            ex.getResponseSender().send(ByteBuffer.wrap(body));
        }
    }

    private static void empty(HttpServerExchange ex, int status) {
        ex.setStatusCode(status);
        ex.setResponseContentLength(0);
        ex.endExchange();
    }

    /** Writes the spec's JSON error body: the one place registry errors meet HTTP. */
    static void writeError(HttpServerExchange ex, RegistryException e) {
        writeError(ex, e, null);
    }

    /** {@link #writeError(HttpServerExchange, RegistryException)} with a {@code Content-Range}, or null for none. */
    private static void writeError(HttpServerExchange ex, RegistryException e, String contentRange) {
        if (ex.isResponseStarted()) {
            ex.endExchange();
            return;
        }
        ex.getResponseHeaders().remove(io.undertow.util.Headers.CONTENT_RANGE);
        ex.getResponseHeaders().remove(CONTENT_DIGEST);
        ex.getResponseHeaders().remove(io.undertow.util.Headers.ETAG);
        if (contentRange != null) {
            ex.getResponseHeaders().put(io.undertow.util.Headers.CONTENT_RANGE, contentRange);
        }
        byte[] body = OciJson.write(ErrorResponse.of(e.code(), e.getMessage(), e.detail()));
        sendJson(ex, e.status(), body);
    }

    /** An IOException reading the client's body, as opposed to one of our own storage. */
    static final class ClientIOException extends IOException {
        ClientIOException(IOException cause) {
            super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
        }
    }

    /** Marks read failures as the client's. */
    private static final class ClientInputStream extends java.io.FilterInputStream {
        ClientInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (ClientIOException e) {
                throw e;
            } catch (IOException e) {
                throw new ClientIOException(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (ClientIOException e) {
                throw e;
            } catch (IOException e) {
                throw new ClientIOException(e);
            }
        }
    }
}
