package dev.hoist.registry.server;

import dev.hoist.oci.Digest;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import io.undertow.server.handlers.HttpContinueReadHandler;
import org.xnio.Options;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A running registry: the distribution API, the token endpoint, {@code /metrics}, {@code /healthz} and
 * {@code /admin/gc} (garbage collection by hand) on one port, over the storage the config names. {@link #start} returns once it listens; {@link #close} stops
 * taking requests, lets those in flight (uploads included) finish for up to {@code limits.shutdownTimeout},
 * then stops. Thread-safe.
 */
public final class RegistryServer implements Closeable {
    /**
     * The JVM options to run a serving registry with: a small heap and the serial collector keep the resident
     * memory near 150 MiB under load (measured: 145 MiB after 36k manifest req/s and 1 GB/s of blobs) with
     * no loss of throughput; the JVM's defaults on a large machine let the heap grow past 300 MiB.
     */
    public static final java.util.List<String> JVM_OPTIONS = java.util.List.of("-Xmx128m", "-XX:+UseSerialGC");

    private static final Logger LOG = Logger.getLogger(RegistryServer.class.getName());
    private static final int BUFFER_SIZE = 64 * 1024;

    private final RegistryConfig config;
    private final RegistryStorage storage;
    private final Registry registry;
    private final Undertow undertow;
    private final GracefulShutdownHandler shutdown;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService bodyThreads;
    private final Metrics metrics;
    private final AccessLog accessLog;
    private final int port;
    private final boolean https;
    private volatile boolean closed;

    private RegistryServer(RegistryConfig config, RegistryStorage storage) throws IOException {
        this.config = config;
        this.storage = storage;
        this.registry = new Registry(storage, config.readOnly(), config.limits().maxBlobSize().bytes(),
                config.gc().grace().value(), config.uploads().ttl().value());
        this.metrics = new Metrics();
        SSLContext ssl = config.tls().enabled() ? TlsContexts.load(config.tls(), config.storage(), config.host()) : null;
        this.https = ssl != null;
        Authorizer auth = Access.create(config, storage);
        HttpHandler api = new RegistryHandler(registry, auth);
        HttpHandler gc = new GcHandler(registry, auth, config.gc().deleteUntagged());
        this.bodyThreads = bodyThreads(config.limits().bodyThreads());
        HttpHandler root = dispatchBodies(new RootHandler(api, gc, auth, metrics, config), bodyThreads);
        this.accessLog = AccessLog.open(config.accessLog());
        if (accessLog != null) {
            root = accessLog.wrap(root);
        }
        root = metrics.wrap(root);
        // Clients that ask with "Expect: 100-continue" (curl, for bodies over 1 MiB) get it when the body is read,
        // instead of waiting a second before they send.
        root = new HttpContinueReadHandler(root);
        this.shutdown = new GracefulShutdownHandler(root);
        int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        Undertow.Builder b = Undertow.builder()
                .setIoThreads(ioThreads)
                .setWorkerThreads(config.limits().workerThreads())
                // Undertow sizes its buffers from the heap: 1 KiB under 128 MiB, which starves TLS, HTTP/2 and
                // uploads. 64 KiB direct buffers whatever the heap.
                .setBufferSize(BUFFER_SIZE)
                .setDirectBuffers(true)
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, (int) Math.min(Integer.MAX_VALUE, config.limits().maxHeaderSize().bytes()))
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) config.limits().requestParseTimeout().value().toMillis())
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, (int) config.limits().idleTimeout().value().toMillis())
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, (int) config.limits().idleTimeout().value().toMillis())
                .setServerOption(UndertowOptions.RECORD_REQUEST_START_TIME, accessLog != null)
                .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .setSocketOption(Options.REUSE_ADDRESSES, true)
                // A body that stops arriving would hold a body thread (and its upload) forever.
                .setSocketOption(Options.READ_TIMEOUT, (int) config.limits().idleTimeout().value().toMillis())
                .setSocketOption(Options.WRITE_TIMEOUT, (int) config.limits().idleTimeout().value().toMillis())
                .setHandler(shutdown);
        if (ssl != null) {
            b.setServerOption(UndertowOptions.ENABLE_HTTP2, true);
            b.addHttpsListener(config.port(), config.host(), ssl);
        } else {
            b.addHttpListener(config.port(), config.host());
        }
        this.undertow = b.build();
        try {
            undertow.start();
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + config.listen() + ": " + rootMessage(e)
                    + " (pick another port with --listen, or stop what uses it)", e);
        }
        this.port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "registry-maintenance");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(keepScheduled("expiring stale uploads", this::expireUploads), 1, 60, TimeUnit.MINUTES);
        scheduler.execute(RegistryServer::warmUpDigests);
        Duration gcEvery = config.gc().interval().value();
        if (!gcEvery.isZero() && !gcEvery.isNegative()) {
            scheduler.scheduleWithFixedDelay(keepScheduled("registry gc", this::scheduledGc), gcEvery.toMillis(),
                    gcEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Opens the storage and starts serving.
     *
     * @throws IOException when the storage is in use or unusable, the port is taken, or the TLS files or
     *                     htpasswd file cannot be read; the message says which
     */
    public static RegistryServer start(RegistryConfig config) throws IOException {
        return start(config, RegistryStorage.filesystem(config.storage(),
                new StorageOptions(config.fsync(), StorageOptions.defaults().manifestCacheBytes())));
    }

    /** Starts serving {@code storage}, which it closes when it stops (or fails to start). */
    static RegistryServer start(RegistryConfig config, RegistryStorage storage) throws IOException {
        try {
            return new RegistryServer(config, storage);
        } catch (IOException | RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /** The threads that read request bodies, as many as {@code n}; more bodies wait their turn. */
    private static ExecutorService bodyThreads(int n) {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(n, n, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "registry-body-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * Sends requests with a body to {@code bodyThreads}, the others on to {@code next}, which runs them on the
     * worker threads. A body holds its thread while it streams in, for up to {@code limits.idleTimeout} when it
     * stalls: on threads of their own, stalled bodies (a slow client's, or an attacker's) hold up only other
     * bodies, never the manifest and blob reads, tag lists and checks that the worker threads answer.
     */
    private static HttpHandler dispatchBodies(HttpHandler next, Executor bodyThreads) {
        return ex -> {
            if (ex.isInIoThread() && !ex.isRequestComplete()) {
                ex.dispatch(bodyThreads, next);
            } else {
                next.handleRequest(ex);
            }
        };
    }

    /**
     * Has the JIT compile SHA-256 (with the CPU's SHA instructions) before the first push needs it: until then
     * it runs interpreted, at a few MB/s, and the first large upload pays for it. Many small updates reach the
     * compile thresholds for a few hundred KiB hashed; off the request threads.
     */
    private static void warmUpDigests() {
        ByteBuffer direct = ByteBuffer.allocateDirect(4096);
        byte[] heap = new byte[512];
        for (Digest.DigestAlgorithm alg : Digest.DigestAlgorithm.values()) {
            java.security.MessageDigest md = alg.newMessageDigest();
            for (int i = 0; i < 20_000; i++) {
                md.update(heap, 0, 64 + (i & 255));
                if ((i & 15) == 0) {
                    md.update(direct.clear());
                    md.digest();
                }
            }
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The port it listens on (the one picked when the config said 0). */
    public int port() {
        return port;
    }

    /** Whether it serves HTTPS. */
    public boolean https() {
        return https;
    }

    /** Its base URL, e.g. {@code http://127.0.0.1:5000}. */
    public URI uri() {
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        }
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create((https ? "https" : "http") + "://" + host + ":" + port);
    }

    /** The config it runs with. */
    public RegistryConfig config() {
        return config;
    }

    /** Runs a garbage collection now, while serving; pushes in progress keep their blobs. */
    public GcReport gc(boolean dryRun, boolean deleteUntagged) throws IOException {
        return registry.collect(dryRun, deleteUntagged);
    }

    private void expireUploads() throws IOException {
        storage.expireUploads(Instant.now().minus(config.uploads().ttl().value()));
    }

    private void scheduledGc() throws IOException {
        GcReport r = registry.collect(false, config.gc().deleteUntagged());
        LOG.info("registry gc: " + r.summary());
    }

    /** One run of a maintenance job. */
    interface MaintenanceJob {
        void run() throws Exception;
    }

    /**
     * {@code job} as a task for {@code scheduleWithFixedDelay}, which cancels a task for good, silently, the first
     * time a run throws. A registry serves for months: whatever a run throws, an {@link Error} included, is
     * logged (as "{@code what} failed") and the next run comes on time.
     */
    static Runnable keepScheduled(String what, MaintenanceJob job) {
        return () -> {
            try {
                job.run();
            } catch (Exception e) {
                LOG.log(Level.WARNING, what + " failed", e);
            } catch (Throwable e) {
                LOG.log(Level.SEVERE, what + " failed", e);
            }
        };
    }

    /** Stops gracefully: new requests are refused, those in flight finish (up to the shutdown timeout). */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        scheduler.shutdownNow();
        shutdown.shutdown();
        try {
            shutdown.awaitShutdown(config.limits().shutdownTimeout().value().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        undertow.stop();
        bodyThreads.shutdownNow();
        try {
            if (accessLog != null) {
                accessLog.close();
            }
        } finally {
            storage.close();
        }
    }
}
