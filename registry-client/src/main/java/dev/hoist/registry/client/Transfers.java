package dev.hoist.registry.client;


import dev.hoist.cache.BlobStore;
import dev.hoist.cache.BlobWriter;
import dev.hoist.cache.DigestMismatchException;
import dev.hoist.cache.StoreException;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.InvalidContentException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.Reference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * The registry operations behind {@link RegistryClient}: manifests, verified and resumable blob downloads,
 * blob uploads (a cross-repository mount or a HEAD, then monolithic or chunked and resumable), manifest and
 * index pushes, tag lists.
 * Thread-safe.
 */
final class Transfers {
    private static final int BUFFER = 128 * 1024;
    private final BlobStore blobs;
    private final RegistryHttp http;
    private final RegistryClient.Settings settings;
    private final ExecutorService executor;
    private final BlobSources sources;
    private final Semaphore slots;
    private final ConcurrentHashMap<Digest, Object> inFlight = new ConcurrentHashMap<>();

    Transfers(BlobStore blobs, RegistryHttp http, RegistryClient.Settings settings, ExecutorService executor,
              BlobSources sources) {
        this.blobs = blobs;
        this.http = http;
        this.settings = settings;
        this.executor = executor;
        this.sources = sources;
        this.slots = new Semaphore(settings.parallelism());
    }

    /** Writes down where blobs transferred outside a batch were found or put (a batch does at its end). */
    void flush() {
        sources.flush();
    }

    /** Where a push reads manifests and blobs from. */
    interface BlobSource {
        /** A file holding the blob (fetching it first if need be). */
        Path path(Descriptor blob) throws IOException;

        /** The bytes of a manifest or index. */
        byte[] manifest(Digest digest) throws IOException;

        /** Whether the manifest or index {@code digest} is available. */
        boolean has(Digest digest) throws IOException;

        /** The repository the blobs come from, when they come from a registry. */
        default Optional<Reference> origin() {
            return Optional.empty();
        }

        static BlobSource local(BlobStore blobs) {
            return new BlobSource() {
                @Override
                public Path path(Descriptor blob) throws IOException {
                    if (!blobs.contains(blob.digest())) {
                        throw new StoreException("the blob " + blob.digest() + " is not in the local store; pull or "
                                + "build the image again before pushing it");
                    }
                    return blobs.path(blob.digest());
                }

                @Override
                public byte[] manifest(Digest digest) throws IOException {
                    return blobs.readAllBytes(digest);
                }

                @Override
                public boolean has(Digest digest) throws IOException {
                    return blobs.contains(digest);
                }
            };
        }

        static BlobSource remote(Transfers t, Reference from, BlobStore blobs) {
            BlobSource local = local(blobs);
            return new BlobSource() {
                @Override
                public Path path(Descriptor blob) throws IOException {
                    t.fetchBlob(from, blob);
                    return blobs.path(blob.digest());
                }

                @Override
                public byte[] manifest(Digest digest) throws IOException {
                    return local.manifest(digest);
                }

                @Override
                public boolean has(Digest digest) throws IOException {
                    return local.has(digest);
                }

                @Override
                public Optional<Reference> origin() {
                    return Optional.of(from);
                }
            };
        }
    }

    private static String pullScope(Reference r) {
        return "repository:" + r.repository() + ":pull";
    }

    private static String pushScope(Reference r) {
        return "repository:" + r.repository() + ":pull,push";
    }

    private URI uri(Reference r, String path) {
        return http.base(r.domain()).resolve("/v2/" + r.repository() + path);
    }

    RawManifest fetchManifest(Reference r, String tagOrDigest) throws IOException {
        RegistryHttp.Request req = new RegistryHttp.Request("GET", uri(r, "/manifests/" + tagOrDigest))
                .header("Accept", RegistryClient.ACCEPT);
        RegistryHttp.Response resp = http.send(r.domain(), req, List.of(pullScope(r)));
        if (!resp.ok()) {
            throw RegistryHttp.error(r.domain(), resp, "reading the manifest of " + r.repository() + ":" + tagOrDigest, r.repository());
        }
        byte[] bytes;
        try (resp) {
            bytes = resp.body().readNBytes(8 << 20);
        }
        Digest expected = Digest.isDigest(tagOrDigest) ? Digest.parse(tagOrDigest) : null;
        Digest actual = expected != null ? digestOf(bytes, expected.algorithm()) : Digest.sha256(bytes);
        if (expected != null && !expected.equals(actual)) {
            throw new RegistryException("the registry served a manifest for " + r.repository() + "@" + expected
                    + " whose digest is " + actual, "DIGEST_INVALID", resp.status(), "the registry or a proxy altered it; "
                    + "try again, and tell the registry's operator if it persists", null);
        }
        Optional<String> contentType = resp.header("Content-Type");
        String type = contentType.isPresent() ? contentType.get().split(";")[0].trim() : "";
        if (!(dev.hoist.oci.MediaTypes.isManifest(type) || dev.hoist.oci.MediaTypes.isIndex(type))) {
            try {
                type = Manifest.parse(bytes).contentType();
            } catch (InvalidContentException e) {
                throw new RegistryException("the registry served " + (type.isEmpty() ? "an untyped document" : type)
                        + " for " + r.repository() + ":" + tagOrDigest + ", not an image manifest: " + e.getMessage(),
                        "MANIFEST_INVALID", resp.status(), "hoist reads OCI and Docker schema 2 images only", e);
            }
        }
        return new RawManifest(bytes, type, actual);
    }

    private static Digest digestOf(byte[] bytes, Digest.DigestAlgorithm alg) {
        dev.hoist.oci.Digester d = new dev.hoist.oci.Digester(alg);
        d.update(bytes, 0, bytes.length);
        return d.digest();
    }

    // The tasks below are classes, not lambdas: each lambda's call site is linked on its first use, a fraction of a
    // millisecond of every push or pull in a fresh JVM.

    /** Downloads {@code wanted} blobs that are not stored yet, in parallel, each verified. */
    void fetchBlobs(Reference from, List<Descriptor> wanted) throws IOException {
        runAll(wanted, new BlobTask() {
            @Override
            public void run(Descriptor d) throws IOException {
                fetchBlob(from, d);
            }
        });
    }

    /** As {@link #fetchBlobs}, into an OCI layout's {@code blobs} directory. */
    void fetchBlobs(Reference from, List<Descriptor> wanted, Path layoutBlobs) throws IOException {
        runAll(wanted, new BlobTask() {
            @Override
            public void run(Descriptor d) throws IOException {
                fetchBlob(from, d, layoutBlobs);
            }
        });
    }

    /** What {@link #runAll} does with each blob. */
    interface BlobTask {
        void run(Descriptor d) throws IOException;
    }

    /** {@code task} for one blob, on the executor, once one of the parallelism's slots is free. */
    private final class BlobJob implements Runnable {
        private final BlobTask task;
        private final Descriptor blob;

        BlobJob(BlobTask task, Descriptor blob) {
            this.task = task;
            this.blob = blob;
        }

        @Override
        public void run() {
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(new RegistryException("interrupted", e));
            }
            try {
                task.run(blob);
            } catch (IOException e) {
                throw new CompletionException(e);
            } finally {
                slots.release();
            }
        }
    }

    /** Runs {@code task} for every item in parallel; then writes down where the blobs were found or put. */
    private void runAll(List<Descriptor> items, BlobTask task) throws IOException {
        try {
            runEach(items, task);
        } finally {
            sources.flush();
        }
    }

    private void runEach(List<Descriptor> items, BlobTask task) throws IOException {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (Descriptor d : items) {
            futures.add(CompletableFuture.runAsync(new BlobJob(task, d), executor));
        }
        IOException first = null;
        for (CompletableFuture<Void> f : futures) {
            try {
                f.join();
            } catch (CompletionException e) {
                Throwable c = e.getCause();
                if (first == null) {
                    first = c instanceof IOException io ? io : new RegistryException(String.valueOf(c), c);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Downloads one blob into the store unless it is there; verifies digest and size; resumes with Range. */
    void fetchBlob(Reference from, Descriptor d) throws IOException {
        fetchBlob(from, d, null);
    }

    /** Where a download goes: the store's writer, or a file in an OCI layout. */
    interface Sink extends AutoCloseable {
        OutputStream stream();

        long size();

        /** Verifies and publishes; nothing is published on a mismatch. */
        void commit(Digest digest, long size) throws IOException;

        @Override
        void close();
    }

    /** Downloads into {@code layoutBlobs} (an OCI layout's {@code blobs} directory) when not null, else the store. */
    void fetchBlob(Reference from, Descriptor d, Path layoutBlobs) throws IOException {
        Object mine = new Object();
        Object held = inFlight.putIfAbsent(d.digest(), mine);
        Object lock = held != null ? held : mine;
        synchronized (lock) {
            try {
                fetchBlobLocked(from, d, layoutBlobs);
            } finally {
                inFlight.remove(d.digest(), lock);
            }
        }
    }

    private void fetchBlobLocked(Reference from, Descriptor d, Path layoutBlobs) throws IOException {
        ProgressListener progress = settings.progress();
        if (layoutBlobs == null ? blobs.contains(d.digest()) : FileSink.present(layoutBlobs, d)) {
            progress.skipped(d, layoutBlobs == null ? "already in the local store" : "already in the layout");
            return;
        }
        URI uri = uri(from, "/blobs/" + d.digest());
        RetryPolicy policy = settings.retry();
        try (Sink w = layoutBlobs == null ? storeSink(blobs.writer(d.digest().algorithm())) : new FileSink(layoutBlobs, d.digest())) {
            OutputStream out = w.stream();
            progress.started(d, 0);
            int failures = 0;
            while (true) {
                long have = w.size();
                BlobDownload download = new BlobDownload(out, have, d, progress);
                RegistryHttp.Request req = new RegistryHttp.Request("GET", uri).noIoRetry().sink(download);
                if (have > 0) {
                    req.header("Range", "bytes=" + have + "-");
                }
                RegistryHttp.Response resp;
                try {
                    resp = http.send(from.domain(), req, List.of(pullScope(from)));
                } catch (RegistryException e) {
                    if (download.failure != null) {
                        throw sinkFailure(from, d, download.failure, e);
                    }
                    if (e.status() != 0 || !(e.getCause() instanceof IOException) || ++failures >= policy.maxAttempts()) {
                        throw e.status() != 0 ? e : new RegistryException("downloading " + d.digest() + " from " + from
                                + " failed after " + (failures + 1) + " tries, at " + w.size() + " of " + d.size()
                                + " bytes: " + e.getCause().getMessage(), null, 0,
                                "check the network and try again; the download resumes where it stopped", e);
                    }
                    http.sleep(policy.delay(failures));
                    continue;
                }
                if (!resp.ok()) {
                    throw RegistryHttp.error(from.domain(), resp, "downloading " + d.digest() + " from " + from.repository(),
                            from.repository());
                }
                resp.close();
                if (d.size() < 0 || w.size() == d.size()) {
                    break;
                }
                if (++failures >= policy.maxAttempts()) {
                    throw new RegistryException("downloading " + d.digest() + " from " + from + " ended early " + failures
                            + " times, at " + w.size() + " of " + d.size() + " bytes", null, resp.status(),
                            "check the network and try again; the download resumes where it stopped", null);
                }
                http.sleep(policy.delay(failures));
            }
            try {
                w.commit(d.digest(), d.size());
            } catch (DigestMismatchException e) {
                throw new RegistryException("the registry served " + from.repository() + "'s blob " + d.digest()
                        + " with the wrong content (" + e.actual() + ", " + e.actualSize() + " bytes); nothing was stored",
                        "DIGEST_INVALID", 0, "try again; tell the registry's operator if it persists", e);
            } catch (FileSink.Mismatch e) {
                throw new RegistryException("the registry served " + from.repository() + "'s blob " + d.digest()
                        + " with the wrong content (" + e.getMessage() + "); nothing was stored",
                        "DIGEST_INVALID", 0, "try again; tell the registry's operator if it persists", e);
            }
            sources.record(d.digest(), from.domain(), from.repository());
            progress.finished(d);
        }
    }

    /**
     * One try at downloading a blob: writes a successful response's body into the download's stream as it arrives,
     * after the bytes it already has, refusing more than the blob's size. Used by one request.
     */
    static final class BlobDownload implements ResponseSink {
        private final OutputStream out;
        private final long have;
        private final Descriptor blob;
        private final ProgressListener progress;
        private long skip;
        private long written;
        /** Why writing the body failed (the store's fault or the body's size, not the connection's), or null. */
        volatile IOException failure;

        /** {@code have} bytes of {@code blob} are in {@code out} already (asked for with a Range header). */
        BlobDownload(OutputStream out, long have, Descriptor blob, ProgressListener progress) {
            this.out = out;
            this.have = have;
            this.blob = blob;
            this.progress = progress;
        }

        @Override
        public boolean accepts(int status) {
            if (status / 100 != 2) {
                return false;
            }
            skip = have > 0 && status == 200 ? have : 0; // the server ignored the range
            written = 0;
            return true;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (failure != null) {
                throw failure;
            }
            try {
                if (skip > 0) {
                    int drop = (int) Math.min(skip, length);
                    offset += drop;
                    length -= drop;
                    skip -= drop;
                }
                if (length == 0) {
                    return;
                }
                long limit = blob.size() >= 0 ? blob.size() - have : -1;
                if (limit >= 0 && written + length > limit) {
                    throw new IOException("more than the expected " + limit + " bytes");
                }
                out.write(bytes, offset, length);
                written += length;
                progress.progress(blob, have + written);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        /** The bytes of the body written so far. */
        long written() {
            return written;
        }
    }

    private static RegistryException sinkFailure(Reference from, Descriptor d, IOException failure, Exception e) {
        if (failure instanceof StoreException) {
            return new RegistryException("cannot store " + d.digest() + ": " + failure.getMessage(), failure);
        }
        return new RegistryException("the registry served " + from.repository() + "'s blob " + d.digest()
                + " with " + failure.getMessage() + " (" + d.size() + " in the manifest); nothing was stored",
                "SIZE_INVALID", 0, "the registry's content does not match the manifest; tell its operator", e);
    }

    private static Sink storeSink(BlobWriter w) {
        return new Sink() {
            @Override
            public OutputStream stream() {
                return w.stream();
            }

            @Override
            public long size() {
                return w.size();
            }

            @Override
            public void commit(Digest digest, long size) throws IOException {
                w.commit(digest, size);
            }

            @Override
            public void close() {
                w.close();
            }
        };
    }

    /** Whether {@code target} and everything under it is in the local store. */
    boolean complete(Descriptor target) throws IOException {
        if (!blobs.contains(target.digest())) {
            return false;
        }
        Manifest m = readStored(target);
        if (m instanceof ImageIndex index) {
            for (Descriptor c : index.manifests()) {
                if (!complete(c)) {
                    return false;
                }
            }
            return true;
        }
        ImageManifest im = (ImageManifest) m;
        if (!blobs.contains(im.config().digest())) {
            return false;
        }
        for (Descriptor l : im.layers()) {
            if (!blobs.contains(l.digest())) {
                return false;
            }
        }
        return true;
    }

    private Manifest readStored(Descriptor target) throws IOException {
        try {
            return Manifest.parse(blobs.readAllBytes(target.digest()));
        } catch (InvalidContentException e) {
            throw new StoreException("the stored manifest " + target.digest() + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Pushes {@code target} (stored) and what is under it to {@code dst} as {@code tagOrDigest}; manifests last. */
    Descriptor pushTree(Descriptor target, Reference dst, String tagOrDigest, BlobSource source) throws IOException {
        byte[] bytes = source.manifest(target.digest());
        Manifest m;
        try {
            m = Manifest.parse(bytes);
        } catch (InvalidContentException e) {
            throw new RegistryException("the manifest " + target.digest() + " cannot be read: " + e.getMessage(), e);
        }
        if (m instanceof ImageIndex index) {
            for (Descriptor child : index.manifests()) {
                if (!source.has(child.digest())) {
                    throw new RegistryException("the index " + target.digest() + " names " + child.digest() + " ("
                            + child.platform() + "), which is not in the local store; nothing was tagged", null, 0,
                            "pull every platform of the image, or push one platform's image", null);
                }
                pushTree(child, dst, child.digest().toString(), source);
            }
            return putManifest(target, m, bytes, dst, tagOrDigest);
        }
        ImageManifest im = (ImageManifest) m;
        List<Descriptor> all = new ArrayList<>();
        all.add(im.config());
        all.addAll(im.layers());
        try {
            runEach(all, new BlobTask() {
                @Override
                public void run(Descriptor d) throws IOException {
                    pushBlob(d, dst, source);
                }
            });
        } catch (IOException | RuntimeException e) {
            sources.flush(); // what did get there, for the next try
            throw e;
        }
        // Where the blobs now are is written down while the manifest goes up, not before (~3 ms of a push whose
        // blobs were all mounted), and for certain before this returns, whether the manifest was accepted or not.
        CompletableFuture<Void> recorded = CompletableFuture.runAsync(new Runnable() {
            @Override
            public void run() {
                sources.flush();
            }
        }, executor);
        try {
            return putManifest(target, m, bytes, dst, tagOrDigest);
        } finally {
            recorded.join();
        }
    }

    /** Puts the manifest or index {@code m} ({@code bytes}, {@code target}) to {@code dst} as {@code tagOrDigest}. */
    private Descriptor putManifest(Descriptor target, Manifest m, byte[] bytes, Reference dst, String tagOrDigest)
            throws IOException {
        RegistryHttp.Request req = new RegistryHttp.Request("PUT", uri(dst, "/manifests/" + tagOrDigest))
                .header("Content-Type", m.contentType())
                .body(RequestBody.of(bytes));
        RegistryHttp.Response resp = http.send(dst.domain(), req, List.of(pushScope(dst)));
        if (resp.status() != 201 && !resp.ok()) {
            throw RegistryHttp.error(dst.domain(), resp, "pushing the manifest " + target.digest() + " to "
                    + dst.repository() + ":" + tagOrDigest, dst.repository());
        }
        resp.close();
        Optional<String> served = resp.header("Docker-Content-Digest");
        if (served.isPresent() && Digest.isDigest(served.get()) && !Digest.parse(served.get()).equals(target.digest())) {
            throw new RegistryException("the registry stored the manifest for " + dst + " as " + served.get() + ", not "
                    + target.digest(), "DIGEST_INVALID", resp.status(), "the registry rewrote the manifest; "
                    + "digests will differ from the local image", null);
        }
        return new Descriptor(m.contentType(), target.digest(), bytes.length);
    }

    /**
     * Uploads one blob unless {@code dst} has it. When the blob is known to be in another repository of the
     * registry, a cross-repository mount comes first: its answer (201 mounted, or 202 with an upload session)
     * takes the round trip a HEAD would. A HEAD comes first when no other repository is known to hold the blob,
     * or when {@code dst}'s repository is known to; after mounts that all failed, before anything is uploaded.
     * Then a monolithic or chunked upload, into the session a refused mount opened when there is one.
     */
    void pushBlob(Descriptor d, Reference dst, BlobSource source) throws IOException {
        String registry = dst.domain();
        List<String> scopes = List.of(pushScope(dst));
        List<String> others = knownRepositories(d, dst, source);
        boolean headFirst = others.remove(dst.repository()) || others.isEmpty();
        if (headFirst && present(d, dst)) {
            skipped(d, dst, "already in " + dst.repository());
            return;
        }
        URI location = null;
        for (String from : others) {
            String q = "?mount=" + enc(d.digest().toString()) + "&from=" + enc(from);
            RegistryHttp.Response r = http.send(registry, new RegistryHttp.Request("POST", uri(dst, "/blobs/uploads/" + q)),
                    List.of(pushScope(dst), "repository:" + from + ":pull"));
            r.close();
            if (r.status() == 201) {
                skipped(d, dst, "mounted from " + from);
                return;
            }
            if (r.status() == 202) {
                location = location(r, registry);
                break;
            }
            // a registry that refuses mounts: the next source, else a HEAD and an upload
        }
        if (!headFirst && present(d, dst)) {
            if (location != null) {
                cancelUpload(registry, location, scopes);
            }
            skipped(d, dst, "already in " + dst.repository());
            return;
        }
        if (location == null) {
            location = startUpload(dst);
        }
        Path file = source.path(d);
        long size = Files.size(file);
        settings.progress().started(d, 0);
        if (size <= settings.monolithicLimit()) {
            URI put = withDigest(location, d.digest());
            RegistryHttp.Response r = http.send(registry, new RegistryHttp.Request("PUT", put)
                    .header("Content-Type", "application/octet-stream")
                    .body(counted(file, 0, size, d)), scopes);
            if (r.status() != 201) {
                throw RegistryHttp.error(registry, r, "uploading " + d.digest() + " to " + dst.repository(), dst.repository());
            }
            r.close();
        } else {
            chunked(d, dst, file, size, location);
        }
        sources.record(d.digest(), registry, dst.repository());
        settings.progress().finished(d);
    }

    /**
     * The repositories of {@code dst}'s registry known to hold {@code d}, {@code dst}'s own among them when it is:
     * the origin of a copy first, then those this client recorded, most recent first.
     */
    private List<String> knownRepositories(Descriptor d, Reference dst, BlobSource source) {
        List<String> known = new ArrayList<>();
        Optional<Reference> origin = source.origin();
        if (origin.isPresent() && origin.get().domain().equals(dst.domain())) {
            known.add(origin.get().repository());
        }
        for (String repository : sources.repositories(d.digest(), dst.domain())) {
            if (!known.contains(repository)) {
                known.add(repository);
            }
        }
        return known;
    }

    /** Records that {@code dst}'s repository holds {@code d}, which was not uploaded, and tells the progress why. */
    private void skipped(Descriptor d, Reference dst, String why) {
        sources.record(d.digest(), dst.domain(), dst.repository());
        settings.progress().skipped(d, why);
    }

    /** Whether {@code dst}'s repository holds {@code d}, by a HEAD. */
    private boolean present(Descriptor d, Reference dst) throws IOException {
        RegistryHttp.Response head = http.send(dst.domain(), new RegistryHttp.Request("HEAD", uri(dst, "/blobs/" + d.digest())),
                List.of(pushScope(dst)));
        head.close();
        if (head.ok()) {
            return true;
        }
        if (head.status() != 404) {
            throw RegistryHttp.error(dst.domain(), head, "checking for " + d.digest() + " in " + dst.repository(),
                    dst.repository());
        }
        return false;
    }

    /**
     * Ends the upload session at {@code location} that nothing will be sent through (one a refused mount opened for
     * a blob that turned out to be there, or one whose state cannot be told). Failures are left alone: the registry
     * expires sessions nobody finishes.
     */
    private void cancelUpload(String registry, URI location, List<String> scopes) {
        try {
            http.send(registry, new RegistryHttp.Request("DELETE", location).noRetry(), scopes).close();
        } catch (RegistryException ignored) {
            // the registry expires abandoned sessions itself
        }
    }

    private URI startUpload(Reference dst) throws IOException {
        RegistryHttp.Response r = http.send(dst.domain(), new RegistryHttp.Request("POST", uri(dst, "/blobs/uploads/")),
                List.of(pushScope(dst)));
        if (r.status() != 202) {
            throw RegistryHttp.error(dst.domain(), r, "starting an upload to " + dst.repository(), dst.repository());
        }
        r.close();
        return location(r, dst.domain());
    }

    private void chunked(Descriptor d, Reference dst, Path file, long size, URI start) throws IOException {
        String registry = dst.domain();
        List<String> scopes = List.of(pushScope(dst));
        URI location = start;
        long offset = 0;
        int failures = 0;
        RetryPolicy policy = settings.retry();
        while (offset < size) {
            long end = size - offset <= settings.chunkSize() ? size : offset + settings.chunkSize();
            long from = offset;
            RegistryHttp.Response r;
            try {
                r = http.send(registry, new RegistryHttp.Request("PATCH", location)
                        .header("Content-Type", "application/octet-stream")
                        .header("Content-Range", from + "-" + (end - 1))
                        .body(counted(file, from, end - from, d)).noRetry(), scopes);
            } catch (RegistryException e) {
                if (e.status() != 0 || ++failures >= policy.maxAttempts()) {
                    throw e;
                }
                http.sleep(policy.delay(failures));
                Resumption resumed = resume(dst, location, scopes);
                location = resumed.location();
                offset = resumed.offset();
                continue;
            }
            if (r.status() == 202) {
                location = location(r, registry);
                Optional<String> range = r.header("Range");
                offset = range.isPresent() ? rangeEnd(range.get()) + 1 : end;
                r.close();
                continue;
            }
            boolean transient_ = r.status() >= 500 || r.status() == 429 || r.status() == 416;
            if (!transient_ || ++failures >= policy.maxAttempts()) {
                throw RegistryHttp.error(registry, r, "uploading " + d.digest() + " to " + dst.repository() + " at byte "
                        + from, dst.repository());
            }
            r.close();
            http.sleep(policy.delay(failures));
            Resumption resumed = resume(dst, location, scopes);
            location = resumed.location();
            offset = resumed.offset();
        }
        RegistryHttp.Response r = http.send(registry, new RegistryHttp.Request("PUT", withDigest(location, d.digest())),
                scopes);
        if (r.status() != 201) {
            throw RegistryHttp.error(registry, r, "finishing the upload of " + d.digest() + " to " + dst.repository(),
                    dst.repository());
        }
        r.close();
    }

    /** Where an interrupted upload goes on: the upload session's URL and the next byte the registry wants there. */
    private record Resumption(URI location, long offset) {
    }

    /**
     * Asks where the interrupted upload at {@code location} stands. {@code Range: 0-0} is ambiguous: the CNCF
     * registry and hoist's server send it for an empty session as well as for one holding one byte. Rather than
     * guess (a wrong guess fails every later PATCH with 416), the upload starts again in a new session, and the
     * old one is cancelled, best-effort.
     */
    private Resumption resume(Reference dst, URI location, List<String> scopes) throws IOException {
        String registry = dst.domain();
        RegistryHttp.Response r = http.send(registry, new RegistryHttp.Request("GET", location), scopes);
        if (r.status() != 204 && !r.ok()) {
            throw RegistryHttp.error(registry, r, "asking for the state of an interrupted upload", null);
        }
        r.close();
        URI at = r.header("Location").isPresent() ? location(r, registry) : location;
        Optional<String> range = r.header("Range");
        if (range.isEmpty()) {
            return new Resumption(at, 0);
        }
        long end = rangeEnd(range.get());
        if (end > 0) {
            return new Resumption(at, end + 1);
        }
        cancelUpload(registry, at, scopes);
        return new Resumption(startUpload(dst), 0);
    }

    private static long rangeEnd(String range) {
        String v = range.trim();
        if (v.startsWith("bytes=")) {
            v = v.substring(6);
        }
        int dash = v.indexOf('-');
        return Long.parseLong(v.substring(dash + 1).trim());
    }

    private URI location(RegistryHttp.Response r, String registry) throws RegistryException {
        Optional<String> loc = r.header("Location");
        if (loc.isEmpty()) {
            throw new RegistryException("the registry started an upload without saying where (no Location header)",
                    null, r.status(), "the registry is not compatible with the distribution spec; tell its operator", null);
        }
        return r.uri().resolve(loc.get());
    }

    private static URI withDigest(URI location, Digest digest) {
        String s = location.toString();
        return URI.create(s + (location.getRawQuery() == null ? "?" : "&") + "digest=" + enc(digest.toString()));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private RequestBody counted(Path file, long from, long length, Descriptor d) {
        return RequestBody.file(file, from, length, settings.progress(), d);
    }

    /** The tags of {@code repo}, following {@code Link} pagination. */
    List<String> tags(Reference repo) throws IOException {
        List<String> out = new ArrayList<>();
        URI next = uri(repo, "/tags/list?n=1000");
        for (int page = 0; next != null && page < 1000; page++) {
            RegistryHttp.Response r = http.send(repo.domain(), new RegistryHttp.Request("GET", next)
                    .header("Accept", "application/json"), List.of(pullScope(repo)));
            if (!r.ok()) {
                throw RegistryHttp.error(repo.domain(), r, "listing the tags of " + repo.repository(), repo.repository());
            }
            try (r) {
                for (Object t : Json.elements(Json.get(Json.parse(r.body()), "tags"))) {
                    if (t instanceof String s) {
                        out.add(s);
                    }
                }
            }
            next = RegistryClient.nextLink(r.uri(), r.header("Link").orElse(null)).orElse(null);
        }
        return out;
    }

}
