package dev.hoist.registry.client;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * HTTP to registries: {@link PlainHttp} for the ones in the clear without a proxy, else one {@link HttpClient}
 * per origin (HTTP/2 over TLS, verified or not, HTTP/1.1 in the clear through a proxy), in the
 * scheme {@link RegistrySchemes} chooses; auth
 * challenges answered (Basic; bearer tokens fetched and cached per registry and scope until they expire),
 * transient failures retried with backoff, redirects followed without credentials to other hosts.
 * Thread-safe.
 */
final class RegistryHttp {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_REDIRECTS = 5;
    private static final int PROXY_UNAUTHORIZED = 407;

    static {
        // The JDK client reads bodies in 16 KiB buffers by default; blobs stream faster in bigger ones. Read once,
        // when the JDK's HTTP classes load, so it only helps when no HttpClient was made before; an explicit
        // setting wins.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", String.valueOf(256 * 1024));
        }
        // Proxy credentials from HTTPS_PROXY go on the CONNECT that opens a tunnel (see sendJdk)
        ProxyEnvironment.allowBasicOnTunnels();
    }

    private final RegistryClient.Settings settings;
    private final ProxyEnvironment proxies;
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
    /** The selector-manager threads of {@link #clients}, stopped by {@link #close()}. */
    private final Set<Thread> selectors = ConcurrentHashMap.newKeySet();
    private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Object> tokenLocks = new ConcurrentHashMap<>();
    private final PlainHttp plainHttp;
    private final RegistrySchemes schemes;
    /**
     * The JDK clients' worker threads, as the JDK's default (a cached pool) but daemon; made with the first JDK
     * client, as registries reached through PlainHttp need none (making the pool cost ~0.6 ms of every start).
     */
    private ExecutorService workers;

    private record Token(String value, Instant expires, String refreshToken) {
    }

    RegistryHttp(RegistryClient.Settings settings) {
        this.settings = settings;
        this.proxies = ProxyEnvironment.of(settings.env());
        this.plainHttp = new PlainHttp(CONNECT_TIMEOUT, settings.idleTimeout());
        this.schemes = new RegistrySchemes(settings.insecure(), settings.unverified());
    }

    /** A request; its body (null: none) is sent afresh on each try. */
    static final class Request {
        final String method;
        URI uri;
        final Map<String, String> headers = new LinkedHashMap<>();
        RequestBody body;
        boolean retry = true;
        boolean retryIo = true;
        ResponseSink sink;

        Request(String method, URI uri) {
            this.method = method;
            this.uri = uri;
        }

        Request header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Request body(RequestBody body) {
            this.body = body;
            return this;
        }

        Request noRetry() {
            this.retry = false;
            return this;
        }

        /** Connection errors are not retried here (the caller resumes); error statuses still are. */
        Request noIoRetry() {
            this.retryIo = false;
            return this;
        }

        /** Gives the bodies {@code sink} accepts to it (it sees every response, redirects and errors included). */
        Request sink(ResponseSink sink) {
            this.sink = sink;
            return this;
        }
    }

    /**
     * A response whose body the caller must close (error bodies are already buffered); header names are
     * case-insensitive.
     */
    record Response(int status, Map<String, List<String>> headers, InputStream body, URI uri) implements Closeable {
        /** The first value of the header {@code name}, if it has one. */
        Optional<String> header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException ignored) {
                // nothing to keep
            }
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /**
     * Starts, on {@code executor}, what the first request to {@code registry} would otherwise wait for: for a
     * registry spoken to over {@link PlainHttp}, a connection, whose opening also sets up the JDK's sockets
     * (~10 ms of class initialisation in a fresh JVM: the first lambdas, the native library, the address
     * classes); else the HTTP client (~30 ms: the JDK's HTTP classes, its logger lookup, the selector thread).
     * Failures are left for that first request to report.
     */
    void prepare(String registry, Executor executor) {
        URI uri = base(registry);
        boolean plain = plain(uri);
        executor.execute(new Runnable() {
            @Override
            public void run() {
                try {
                    if (plain) {
                        plainHttp.connectAhead(uri);
                    } else {
                        client(uri);
                    }
                } catch (IOException | RuntimeException ignored) {
                    // the first request tries again and reports what went wrong
                }
            }
        });
    }

    /** The scheme and host to reach {@code registry}'s API at (see {@link RegistrySchemes}). */
    URI base(String registry) {
        return schemes.base(registry);
    }

    /** Sends {@code req} to {@code registry}, authenticating for {@code scopes} and retrying transient failures. */
    Response send(String registry, Request req, List<String> scopes) throws RegistryException {
        RetryPolicy policy = settings.retry();
        for (int attempt = 1; ; attempt++) {
            Response r;
            try {
                r = sendAuthenticated(registry, req, scopes);
            } catch (IOException e) {
                if (e instanceof RegistryException re) {
                    throw re;
                }
                if (!req.retry || !req.retryIo || attempt >= policy.maxAttempts() || certificateRejected(e)) {
                    throw new RegistryException(req.method + " " + req.uri + " failed after " + attempt
                            + (attempt == 1 ? " try: " : " tries: ") + describe(e), null, 0, advice(registry, e), e);
                }
                sleep(policy.delay(attempt));
                continue;
            }
            if ((r.status >= 500 || r.status == 429) && req.retry && attempt < policy.maxAttempts()) {
                Optional<Duration> asked = retryAfter(r);
                if (asked.isPresent() && !RetryPolicy.waitsOut(asked.get())) {
                    return r;   // longer than is worth waiting here: the caller reports it, with the wait asked for
                }
                Duration wait = asked.isPresent() ? asked.get() : policy.delay(attempt);
                r.close();
                sleep(wait);
                continue;
            }
            return r;
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e instanceof SchemesFailedException ? m : e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /**
     * Whether {@code e} is the registry's certificate refused (not trusted, or not for that name): no retry changes
     * that, so it is reported at once rather than after the backoff.
     */
    private static boolean certificateRejected(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLHandshakeException && String.valueOf(t.getMessage()).contains("PKIX")
                    || t instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    /** What to do when requests to {@code registry} fail with {@code e}. */
    private static String advice(String registry, IOException e) {
        if (e instanceof SchemesFailedException s) {
            return s.advice(registry);
        }
        if (certificateRejected(e)) {
            return "the certificate of " + registry + " is not trusted: put its CA certificate in "
                    + "/etc/docker/certs.d/" + registry + "/ca.crt, or, to skip the check, pass --tls-verify=false "
                    + "or name it in HOIST_INSECURE_REGISTRIES";
        }
        return "check the network, the proxy settings and that " + registry + " is up";
    }

    void sleep(Duration d) throws RegistryException {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            settings.sleeper().sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while waiting to retry", e);
        }
    }

    private Optional<Duration> retryAfter(Response r) {
        Optional<String> v = r.header("Retry-After");
        if (v.isEmpty()) {
            return Optional.empty();
        }
        String s = v.get().trim();
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(s))));
        } catch (NumberFormatException e) {
            try {
                Instant when = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(settings.clock().instant(), when);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (RuntimeException e2) {
                return Optional.empty();
            }
        }
    }

    private Response sendAuthenticated(String registry, Request req, List<String> scopes) throws IOException {
        String auth = authorization(registry, scopes, null);
        Response r = sendFollowing(req, auth);
        if (r.status != 401) {
            return r;
        }
        AuthChallenge ch = AuthChallenge.parse(r.header("WWW-Authenticate").orElse(null));
        if (ch == null || !(ch.isBasic() || ch.isBearer())) {
            return buffered(r);
        }
        AuthChallenge before = challenges.put(registry, ch);
        boolean firstChallenge = before == null || auth == null;
        if (ch.isBasic() && !firstChallenge) {
            return buffered(r); // the credentials were refused
        }
        List<String> all = new ArrayList<>(scopes);
        String extra = ch.param("scope");
        if (extra != null) {
            for (String s : extra.split(" ")) {
                if (!s.isBlank() && !all.contains(s)) {
                    all.add(s);
                }
            }
        }
        String fresh = ch.isBearer() ? authorization(registry, all, auth) : authorization(registry, all, null);
        if (fresh == null) {
            return buffered(r);
        }
        r.close();
        Response again = sendFollowing(req, fresh);
        return again.status == 401 ? buffered(again) : again;
    }

    private static Response buffered(Response r) throws IOException {
        byte[] bytes;
        try (InputStream in = r.body) {
            bytes = in.readNBytes(64 * 1024);
        }
        return new Response(r.status, r.headers, new ByteArrayInputStream(bytes), r.uri);
    }

    /**
     * The Authorization header for {@code scopes} at {@code registry}, fetching a token if needed; null for none.
     * {@code refused} is a header the registry just refused: a cached token that is not newer is not used again.
     * Concurrent requests for one scope share one token fetch.
     */
    private String authorization(String registry, List<String> scopes, String refused) throws IOException {
        AuthChallenge ch = challenges.get(registry);
        if (ch == null) {
            return null;
        }
        if (ch.isBasic()) {
            Optional<Credentials> creds = settings.credentials().credentials(registry);
            return creds.isPresent() ? creds.get().basicHeader() : null;
        }
        String key = registry + "|" + String.join(" ", new TreeSet<>(scopes));
        Object lock = new Object();
        Object held = tokenLocks.putIfAbsent(key, lock);
        synchronized (held != null ? held : lock) {
            Token t = tokens.get(key);
            if (t != null && settings.clock().instant().isBefore(t.expires) && !("Bearer " + t.value).equals(refused)) {
                return "Bearer " + t.value;
            }
            t = fetchToken(registry, ch, scopes, false);
            tokens.put(key, t);
            return "Bearer " + t.value;
        }
    }

    /** Fetches a bearer token from the challenge's realm (OAuth2 refresh-token grant when an identity token is held). */
    String fetchTokenForLogin(String registry, AuthChallenge ch, Credentials creds) throws IOException {
        return fetchToken(registry, ch, List.of(), true, Optional.of(creds)).refreshToken;
    }

    private Token fetchToken(String registry, AuthChallenge ch, List<String> scopes, boolean offline) throws IOException {
        return fetchToken(registry, ch, scopes, offline, settings.credentials().credentials(registry));
    }

    private Token fetchToken(String registry, AuthChallenge ch, List<String> scopes, boolean offline,
                             Optional<Credentials> creds) throws IOException {
        String realm = ch.param("realm");
        if (realm == null || realm.isEmpty()) {
            throw new RegistryException(registry + " asked for a bearer token without naming a realm", "UNAUTHORIZED",
                    401, "the registry is misconfigured; tell its operator", null);
        }
        String service = ch.param("service");
        URI realmUri = URI.create(realm);
        HttpRequest.Builder b;
        String method;
        HttpRequest.BodyPublisher body = null;
        if (creds.isPresent() && creds.get().hasIdentityToken()) {
            StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=hoist&refresh_token=")
                    .append(enc(creds.get().identityToken()));
            if (service != null) {
                form.append("&service=").append(enc(service));
            }
            if (!scopes.isEmpty()) {
                form.append("&scope=").append(enc(String.join(" ", scopes)));
            }
            b = HttpRequest.newBuilder(realmUri).header("Content-Type", "application/x-www-form-urlencoded");
            method = "POST";
            body = HttpRequest.BodyPublishers.ofString(form.toString());
        } else {
            StringBuilder q = new StringBuilder();
            if (service != null) {
                q.append("service=").append(enc(service));
            }
            for (String s : scopes) {
                q.append(q.length() == 0 ? "" : "&").append("scope=").append(enc(s));
            }
            if (offline && creds.isPresent()) {
                q.append(q.length() == 0 ? "" : "&").append("client_id=hoist&offline_token=true");
            }
            String sep = realm.contains("?") ? "&" : "?";
            b = HttpRequest.newBuilder(q.length() == 0 ? realmUri : URI.create(realm + sep + q));
            method = "GET";
            creds.ifPresent(c -> b.header("Authorization", c.basicHeader()));
        }
        Response resp;
        RetryPolicy policy = settings.retry();
        for (int attempt = 1; ; attempt++) {
            try {
                resp = sendJdk(client(realmUri), b, realmUri, method, body, null);
            } catch (RegistryException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException("interrupted while fetching a token from " + realm, e);
            } catch (IOException e) {
                if (attempt >= policy.maxAttempts() || certificateRejected(e)) {
                    throw new RegistryException("cannot fetch a token from " + realm + ": " + describe(e), null, 0,
                            certificateRejected(e) ? advice(realmUri.getRawAuthority(), e)
                                    : "check the network and the proxy settings", e);
                }
                sleep(policy.delay(attempt));
                continue;
            }
            if ((resp.status() >= 500 || resp.status() == 429) && attempt < policy.maxAttempts()) {
                sleep(policy.delay(attempt));
                continue;
            }
            break;
        }
        byte[] answer = resp.body().readAllBytes(); // in memory already
        if (resp.status() != 200) {
            String code = resp.status() == 401 || resp.status() == 403 ? "UNAUTHORIZED" : errorCode(answer);
            throw new RegistryException("the token service " + realm + " refused a token for "
                    + (scopes.isEmpty() ? registry : String.join(" ", scopes)), code, resp.status(),
                    creds.isPresent() ? "check your credentials: run `hoist login " + registry + "`"
                            : "run `hoist login " + registry + "`", null);
        }
        Object n;
        try {
            n = Json.parse(answer);
        } catch (IOException e) {
            throw new RegistryException("the token service " + realm + " answered with malformed JSON: " + e.getMessage(),
                    null, 200, "the registry is misconfigured; tell its operator", e);
        }
        String token = Json.text(Json.get(n, "token"), "");
        if (token.isEmpty()) {
            token = Json.text(Json.get(n, "access_token"), "");
        }
        if (token.isEmpty()) {
            throw new RegistryException("the token service " + realm + " answered without a token", null, 200,
                    "the registry is misconfigured; tell its operator", null);
        }
        long expiresIn = Json.number(Json.get(n, "expires_in"), 60);
        if (expiresIn < 60) {
            expiresIn = 60; // the spec's minimum
        }
        Instant issued = settings.clock().instant();
        String issuedAt = Json.text(Json.get(n, "issued_at"), "");
        if (!issuedAt.isEmpty()) {
            try {
                Instant i = Instant.parse(issuedAt);
                if (i.isBefore(issued)) {
                    issued = i;
                }
            } catch (RuntimeException ignored) {
                // keep now
            }
        }
        String refresh = Json.text(Json.get(n, "refresh_token"), "");
        return new Token(token, issued.plusSeconds(expiresIn).minusSeconds(5), refresh.isEmpty() ? null : refresh);
    }

    /** Sends a request to {@code /v2/} without credentials and returns the challenge, or null when none is asked. */
    AuthChallenge ping(String registry) throws RegistryException {
        Request req = new Request("GET", base(registry).resolve("/v2/"));
        try {
            for (int attempt = 1; ; attempt++) {
                Response r;
                try {
                    r = sendFollowing(req, null);
                } catch (RegistryException e) {
                    throw e;
                } catch (IOException e) {
                    if (attempt >= settings.retry().maxAttempts() || certificateRejected(e)) {
                        throw new RegistryException("cannot reach " + registry + ": " + describe(e), null, 0,
                                advice(registry, e), e);
                    }
                    sleep(settings.retry().delay(attempt));
                    continue;
                }
                try (r) {
                    if ((r.status >= 500 || r.status == 429) && attempt < settings.retry().maxAttempts()) {
                        sleep(settings.retry().delay(attempt));
                        continue;
                    }
                    if (r.status == 401) {
                        AuthChallenge ch = AuthChallenge.parse(r.header("WWW-Authenticate").orElse(null));
                        if (ch != null) {
                            challenges.put(registry, ch);
                        }
                        return ch;
                    }
                    if (r.ok()) {
                        return null;
                    }
                    throw error(registry, buffered(r), "GET /v2/ on " + registry, null);
                }
            }
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            throw new RegistryException("cannot reach " + registry + ": " + describe(e), e);
        }
    }

    /** Sends {@code req} as it is, once, without answering challenges. */
    Response sendUnauthenticated(String registry, Request req) throws RegistryException {
        try {
            return sendFollowing(req, null);
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            throw new RegistryException("cannot reach " + registry + ": " + describe(e), null, 0,
                    advice(registry, e), e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private Response sendFollowing(Request req, String auth) throws IOException {
        URI uri = req.uri;
        String authority = req.uri.getRawAuthority();
        boolean follow = req.method.equals("GET") || req.method.equals("HEAD");
        for (int hop = 0; ; hop++) {
            boolean sameHost = authority.equalsIgnoreCase(uri.getRawAuthority());
            uri = schemes.current(uri);
            Response resp = exchange(req, uri, auth != null && sameHost ? auth : null);
            int s = resp.status();
            Optional<String> loc = resp.header("Location");
            if (follow && (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && loc.isPresent()
                    && hop < MAX_REDIRECTS) {
                resp.close();
                uri = resp.uri().resolve(loc.get());
                continue;
            }
            return resp;
        }
    }

    /**
     * Sends {@code req} to {@code uri}, once; when that fails in a way that says the registry speaks the other
     * scheme, and {@link RegistrySchemes} allows it, once more in that one. Only a request that got no answer is
     * sent again, and its body is sent afresh, whole. The response's URI is the one that answered.
     */
    private Response exchange(Request req, URI uri, String auth) throws IOException {
        try {
            Response r = exchangeOnce(req, uri, auth);
            schemes.answered(uri);
            return r;
        } catch (IOException first) {
            URI other = schemes.fallback(uri, first);
            if (other == null) {
                throw first;
            }
            try {
                Response r = exchangeOnce(req, other, auth);
                schemes.answered(other);
                return r;
            } catch (IOException second) {
                schemes.fallbackFailed(other);
                if (second instanceof RegistryException) {
                    throw second;
                }
                throw new SchemesFailedException(schemes.describe(uri), first, schemes.describe(other), second);
            }
        }
    }

    private Response exchangeOnce(Request req, URI uri, String auth) throws IOException {
        if (plain(uri)) {
            Map<String, String> headers = new LinkedHashMap<>(req.headers);
            if (auth != null) {
                headers.put("Authorization", auth);
            }
            return plainHttp.send(req.method, uri, headers, req.body, req.sink);
        }
        // No HttpRequest.timeout: it caps the whole exchange, upload included; WatchedExchange times out only when
        // no bytes move.
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        for (Map.Entry<String, String> h : req.headers.entrySet()) {
            b.header(h.getKey(), h.getValue());
        }
        if (auth != null) {
            b.header("Authorization", auth);
        }
        HttpClient client;
        try {
            client = client(uri);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        try {
            return sendJdk(client, b, uri, req.method, req.body == null ? null : req.body.publisher(), req.sink);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted during " + req.method + " " + uri, e);
        }
    }

    /**
     * Sends one request on the JDK client, with the proxy's credentials when it goes through a proxy whose URL holds
     * them; a proxy's 407 becomes an exception that says which variable to fix.
     * <p>
     * The credentials go preemptively, as curl and Docker send them, in a {@code Proxy-Authorization} header: the
     * JDK client puts a request's {@code Proxy-*} headers on the CONNECT that opens a tunnel and leaves them out of
     * what goes through it, and sends them to the proxy with a plain HTTP request in absolute form. An
     * {@link java.net.Authenticator} on the client is no alternative: the client would also ask it about every
     * registry's Basic 401, and fail the request ("No credentials provided") where hoist answers the challenge.
     */
    private Response sendJdk(HttpClient client, HttpRequest.Builder b, URI uri, String method,
                             HttpRequest.BodyPublisher body, ResponseSink sink) throws IOException, InterruptedException {
        ProxyUrl through = proxies.through(uri);
        ProxyEnvironment.authorize(b, through);
        Response r = WatchedExchange.send(client, b, method, body, sink, settings.idleTimeout());
        if (r.status() == PROXY_UNAUTHORIZED && through != null) {
            r.close();
            throw proxyRefused(through, uri);
        }
        return r;
    }

    /** The proxy {@code through} answered 407 on the way to {@code uri}. */
    private static RegistryException proxyRefused(ProxyUrl through, URI uri) {
        String target = uri.getScheme() + "://" + uri.getRawAuthority();
        if (through.user() == null) {
            return new RegistryException("the proxy " + through + " asks for credentials to reach " + target, null,
                    PROXY_UNAUTHORIZED, "put them in " + through.variable() + " as http://user:password@" + through.host()
                    + ":" + through.port() + " (percent-encoded)", null);
        }
        String advice = "check " + through.variable() + ": the user and password, percent-encoded, as in "
                + "http://user:password@" + through.host() + ":" + through.port();
        String disabled = System.getProperty(ProxyEnvironment.TUNNEL_DISABLED_SCHEMES, "");
        if ("https".equalsIgnoreCase(uri.getScheme()) && disabled.toLowerCase(java.util.Locale.ROOT).contains("basic")) {
            advice += "; the JVM setting " + ProxyEnvironment.TUNNEL_DISABLED_SCHEMES + "=" + disabled + " keeps Basic credentials off "
                    + "the tunnel: clear it";
        }
        return new RegistryException("the proxy " + through + " refused the credentials of " + through.user()
                + " to reach " + target, null, PROXY_UNAUTHORIZED, advice, null);
    }

    /** Whether {@code uri} goes over {@link PlainHttp}: in the clear, and not through a proxy. */
    private boolean plain(URI uri) {
        return "http".equalsIgnoreCase(uri.getScheme()) && proxies.through(uri) == null;
    }

    private HttpClient client(URI uri) {
        String origin = uri.getScheme() + "://" + uri.getRawAuthority();
        return clients.computeIfAbsent(origin, o -> {
            HttpClient.Builder b = HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .executor(workers())
                    .connectTimeout(CONNECT_TIMEOUT)
                    .version("https".equalsIgnoreCase(uri.getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
            proxies.configure(b);
            if (!"https".equalsIgnoreCase(uri.getScheme())) {
                // Never used over plain HTTP: without both, HttpClient sets up the JDK's TLS (~250 ms a start).
                b.sslContext(NoTls.CONTEXT).sslParameters(new javax.net.ssl.SSLParameters());
            } else if (schemes.unverified(uri)) {
                try {
                    b.sslContext(TlsContexts.unverified());
                } catch (RegistryException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                try {
                    SSLContext ctx = TlsContexts.forRegistry(settings.certsDir(), uri.getRawAuthority());
                    if (ctx == null && uri.getPort() == 443) {
                        ctx = TlsContexts.forRegistry(settings.certsDir(), uri.getHost());
                    }
                    if (ctx != null) {
                        b.sslContext(ctx);
                    }
                } catch (RegistryException e) {
                    throw new UncheckedIOException(e);
                }
            }
            Set<Thread> before = selectorThreads();
            HttpClient built = b.build();
            Set<Thread> started = selectorThreads();
            started.removeAll(before);
            if (started.size() == 1) {
                // this client's; if another client started one at the same moment, neither is touched at close()
                selectors.addAll(started);
            }
            return built;
        });
    }

    private synchronized ExecutorService workers() {
        if (workers == null) {
            workers = Executors.newCachedThreadPool(new DaemonThreads("hoist-http"));
        }
        return workers;
    }

    /** The live selector-manager threads of the JDK's HTTP clients in this JVM. */
    private static Set<Thread> selectorThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        Set<Thread> found = new HashSet<>();
        for (int i = 0; i < n; i++) {
            if (threads[i].getClass().getName().equals("jdk.internal.net.http.HttpClientImpl$SelectorManager")) {
                found.add(threads[i]);
            }
        }
        return found;
    }

    /**
     * Stops the selector threads of the HTTP clients this made. On Java 17 HttpClient has no close(), and a
     * selector thread blocked in native epoll makes the JVM's exit wait 300 ms for it (VM_Exit waits for threads
     * in native code). A selector manager's loop ends when its thread is interrupted, and interrupting needs no
     * access to java.net.http's internals: the launcher's --add-opens for the old reflective shutdown switched off
     * the archived module graph, ~6 ms of every registry command's start. Waits up to a second for each.
     */
    void close() {
        for (Thread t : selectors) {
            t.interrupt();
        }
        for (Thread t : selectors) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        selectors.clear();
        clients.clear();
        ExecutorService w;
        synchronized (this) {
            w = workers;
        }
        if (w != null) {
            w.shutdown();
        }
        plainHttp.close();
    }

    /**
     * An SSL context for clients that only speak plain HTTP. HttpClient insists on one, and the JDK's (even an
     * empty one, once initialised) loads the JCE providers and cipher suites, ~250 ms of every start; this one
     * does nothing until used, and any use fails.
     */
    private static final class NoTls extends javax.net.ssl.SSLContextSpi {
        static final SSLContext CONTEXT = new SSLContext(new NoTls(), null, "TLS") {
        };

        private static UnsupportedOperationException plainOnly() {
            return new UnsupportedOperationException("this HTTP client speaks plain HTTP only");
        }

        @Override
        protected void engineInit(javax.net.ssl.KeyManager[] km, javax.net.ssl.TrustManager[] tm,
                                  java.security.SecureRandom random) {
            // nothing to set up
        }

        @Override
        protected javax.net.ssl.SSLSocketFactory engineGetSocketFactory() {
            throw plainOnly();
        }

        @Override
        protected javax.net.ssl.SSLServerSocketFactory engineGetServerSocketFactory() {
            throw plainOnly();
        }

        @Override
        protected javax.net.ssl.SSLEngine engineCreateSSLEngine() {
            throw plainOnly();
        }

        @Override
        protected javax.net.ssl.SSLEngine engineCreateSSLEngine(String host, int port) {
            throw plainOnly();
        }

        @Override
        protected javax.net.ssl.SSLSessionContext engineGetServerSessionContext() {
            throw plainOnly();
        }

        @Override
        protected javax.net.ssl.SSLSessionContext engineGetClientSessionContext() {
            throw plainOnly();
        }
    }

    /** The registry's error code in a distribution spec error body, or null. */
    static String errorCode(byte[] body) {
        return firstError(body, "code");
    }

    /** The member {@code field} of the first error in a distribution spec error body, or null. */
    private static String firstError(byte[] body, String field) {
        try {
            List<Object> errors = Json.elements(Json.get(Json.parse(body), "errors"));
            return errors.isEmpty() ? null : Json.text(Json.get(errors.get(0), field), null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Turns a failed response into an exception with the registry's code and what to do; closes it. */
    static RegistryException error(String registry, Response r, String what, String repository) {
        byte[] body;
        try (r) {
            body = r.body.readNBytes(64 * 1024);
        } catch (IOException e) {
            body = new byte[0];
        }
        String code = errorCode(body);
        String message = firstError(body, "message");
        Optional<String> challenge = r.header("WWW-Authenticate");
        if (r.status == 401 && challenge.isPresent() && challenge.get().contains("insufficient_scope")) {
            // logged in, or given a token, but without the rights asked for: Docker says "denied" here too
            code = "DENIED";
        } else if (code == null) {
            code = switch (r.status) {
                case 401 -> "UNAUTHORIZED";
                case 403 -> "DENIED";
                case 429 -> "TOOMANYREQUESTS";
                default -> null;
            };
        }
        String name = repository == null ? registry : registry + "/" + repository;
        String advice = switch (code == null ? "" : code) {
            case "UNAUTHORIZED" -> "run `hoist login " + registry + "`";
            case "DENIED" -> "your account may not do this on " + name + "; check its permissions or run `hoist login "
                    + registry + "` with another account";
            case "NAME_UNKNOWN" -> "check the repository name " + name;
            case "MANIFEST_UNKNOWN" -> "check the tag or digest; `hoist tags " + name + "` lists the tags";
            case "BLOB_UNKNOWN" -> "the registry lost a blob; push the image again";
            case "TOOMANYREQUESTS" -> (r.header("Retry-After").isPresent()
                    ? "the registry asks to wait (Retry-After: " + r.header("Retry-After").get().trim() + ")"
                    : "wait a while") + ", or log in for a higher rate limit (`hoist login " + registry + "`)";
            case "DIGEST_INVALID", "SIZE_INVALID" -> "the content changed in transit; try again";
            case "MANIFEST_INVALID", "MANIFEST_BLOB_UNKNOWN" -> "the registry refused the manifest; check that it accepts this media type";
            case "UNSUPPORTED" -> "this registry does not support the operation";
            default -> r.status >= 500 ? "the registry failed; try again later" : null;
        };
        return new RegistryException(what + " failed" + (message == null ? "" : ": " + message), code, r.status, advice, null);
    }
}
