package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageImporter;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.image.Snapshots;
import dev.hoist.cache.layer.LayerCompression;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Platform;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The features of issue 7 beyond the basics, end to end through {@link Builder}: secrets, ssh, sources, outputs. */
class BuildFeaturesTest {
    @TempDir
    Path dir;

    private LocalImages images;
    private Builder builder;
    private Path ctx;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        builder = Builder.builder(images, new ContainerRuntime(images.root().path()), null).build();
        ctx = Files.createDirectories(dir.resolve("ctx"));
    }

    private void containers() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "running containers needs Linux, root, namespaces and overlayfs");
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            Image base = new ImageImporter(images, Executors.newSingleThreadExecutor(), 1).importTar(in,
                    new ImageImporter.Options(ContainerConfig.builder().cmd("sh").build(), Platform.current(),
                            Instant.EPOCH, "busybox"));
            images.tag(base, "base:1");
        }
    }

    private void write(String name, String content) throws IOException {
        Path p = ctx.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private BuildResult build(String dockerfile, Consumer<BuildRequest.Builder> options) throws Exception {
        write("Dockerfile", dockerfile);
        BuildRequest.Builder r = BuildRequest.builder(ctx).progress(new PrintStream(progress, true, StandardCharsets.UTF_8));
        options.accept(r);
        return builder.build(r.build());
    }

    private Path rootfs(BuildResult r) throws IOException {
        return new Snapshots(images).rootfs(r.image());
    }

    private static StepResult step(BuildResult r, String prefix) {
        return r.steps().stream().filter(s -> s.instruction().startsWith(prefix)).findFirst().orElseThrow();
    }

    /** Whether any layer of the image holds {@code needle} anywhere in its uncompressed tar. */
    private boolean layersContain(Image image, String needle) throws IOException {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        for (Descriptor d : image.manifest().layers()) {
            try (InputStream in = LayerCompression.decompress(Files.newInputStream(images.root().blobPath(d.digest())))) {
                byte[] all = in.readAllBytes();
                outer:
                for (int i = 0; i + n.length <= all.length; i++) {
                    for (int j = 0; j < n.length; j++) {
                        if (all[i + j] != n[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void secretsAreMountedButNeverInALayerTheCacheKeyOrTheHistory() throws Exception {
        containers();
        Path secretFile = dir.resolve("token");
        Files.writeString(secretFile, "s3cr3t-value");
        // the Dockerfile holds only the secret's hash, so that finding the secret anywhere is a leak
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("s3cr3t-value".getBytes(StandardCharsets.UTF_8)));
        String df = """
                FROM base:1
                RUN --mount=type=secret,id=tok,mode=0440,uid=7,gid=8 test "$(sha256sum < /run/secrets/tok | cut -d' ' -f1)" = HASH && stat -c '%a %u %g' /run/secrets/tok > /meta
                RUN --mount=type=secret,id=tok,env=TOK,target=/etc/tok-file test "$(printf %s "$TOK" | sha256sum | cut -d' ' -f1)" = HASH && test -f /etc/tok-file && echo env-ok > /env-ok
                RUN --mount=type=secret,id=other echo optional-absent-is-fine > /optional
                """.replace("HASH", hash);
        BuildResult a = build(df, r -> r.secret(BuildSecret.ofFile("tok", secretFile)));
        Path fs = rootfs(a);
        assertEquals("440 7 8\n", Files.readString(fs.resolve("meta")));
        assertEquals("env-ok\n", Files.readString(fs.resolve("env-ok")));
        assertEquals("optional-absent-is-fine\n", Files.readString(fs.resolve("optional")));
        assertFalse(Files.exists(fs.resolve("run/secrets"), LinkOption.NOFOLLOW_LINKS), "no mount point is left");
        assertFalse(Files.exists(fs.resolve("etc/tok-file"), LinkOption.NOFOLLOW_LINKS), "no mount point is left");
        assertFalse(layersContain(a.image(), "s3cr3t-value"), "the secret is in no layer");
        assertFalse(a.image().config().history().toString().contains("s3cr3t"), "nor in the history");
        assertFalse(a.image().config().config().env().toString().contains("TOK"), "nor in the config");

        BuildResult b = build(df, r -> r.secret(BuildSecret.ofValue("tok", "changed".getBytes(StandardCharsets.UTF_8))));
        assertTrue(b.fullyCached(), "a secret's content is not part of the cache key: " + b.steps());
        assertEquals(a.image().id(), b.image().id());

        BuildException e = assertThrows(BuildException.class,
                () -> build("FROM base:1\nRUN --mount=type=secret,id=needed,required true\n", r -> { }));
        assertTrue(e.getMessage().contains("Dockerfile:2") && e.getMessage().contains("--secret id=needed"), e.getMessage());
    }

    @Test
    void sshMountsForwardTheAgentSocketOrSayWhatIsMissing() throws Exception {
        containers();
        Path sock = dir.resolve("agent.sock");
        try (ServerSocketChannel agent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            agent.bind(UnixDomainSocketAddress.of(sock));
            BuildResult r = build("""
                    FROM base:1
                    RUN --mount=type=ssh test -S "$SSH_AUTH_SOCK" && echo "$SSH_AUTH_SOCK" > /sock
                    """, b -> b.sshSocket("default", sock));
            Path fs = rootfs(r);
            assertEquals("/run/buildkit/ssh_agent.0\n", Files.readString(fs.resolve("sock")));
            assertFalse(Files.exists(fs.resolve("run/buildkit"), LinkOption.NOFOLLOW_LINKS), "no mount point is left");
            assertFalse(r.image().config().config().env().toString().contains("SSH_AUTH_SOCK"));
        }
        BuildException e = assertThrows(BuildException.class,
                () -> build("FROM base:1\nRUN --mount=type=ssh,required=true true\n", b -> { }));
        assertTrue(e.getMessage().contains("--ssh default"), e.getMessage());
        BuildResult optional = build("FROM base:1\nRUN --mount=type=ssh echo no-agent > /x\n", b -> { });
        assertEquals("no-agent\n", Files.readString(rootfs(optional).resolve("x")));
        assertFalse(step(optional, "RUN").cached());
    }

    private void tar(Path out, String compressor, Path dir, String... names) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("tar", "-c", "-f", out.toString()));
        if (!compressor.isEmpty()) {
            cmd.add("--use-compress-program=" + compressor);
        }
        cmd.addAll(java.util.List.of("-C", dir.toString()));
        cmd.addAll(java.util.List.of(names));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor() == 0, "tar with " + compressor + " is not available: " + output);
    }

    @Test
    void addUnpacksTarsCompressedWithGzipBzip2XzAndZstd() throws Exception {
        write("src/in/file.txt", "packed");
        StringBuilder df = new StringBuilder("FROM scratch\n");
        for (String c : new String[] {"", "gzip", "bzip2", "xz", "zstd"}) {
            String name = "a" + (c.isEmpty() ? "" : "-" + c) + ".tar";
            tar(ctx.resolve(name), c, ctx.resolve("src"), "in");
            df.append("ADD ").append(name).append(" /x/").append(c.isEmpty() ? "plain" : c).append("/\n");
        }
        write("plain.txt", "not an archive");
        df.append("ADD plain.txt /x/\n");
        BuildResult r = build(df.toString(), b -> { });
        Path fs = rootfs(r);
        for (String c : new String[] {"plain", "gzip", "bzip2", "xz", "zstd"}) {
            assertEquals("packed", Files.readString(fs.resolve("x/" + c + "/in/file.txt")), c);
        }
        assertEquals("not an archive", Files.readString(fs.resolve("x/plain.txt")));
    }

    @Test
    void aContextOrADockerfileFromAStream() throws Exception {
        Path src = Files.createDirectories(dir.resolve("tarred"));
        Files.writeString(src.resolve("Dockerfile"), "FROM scratch\nCOPY hello.txt /hello\n");
        Files.writeString(src.resolve("other.Dockerfile"), "FROM scratch\nCOPY hello.txt /other\n");
        Files.writeString(src.resolve("hello.txt"), "from the tar");
        Path archive = dir.resolve("ctx.tar.gz");
        tar(archive, "gzip", src, "Dockerfile", "other.Dockerfile", "hello.txt");
        Path ctxDir;
        try (InputStream in = Files.newInputStream(archive);
             ContextSources.StreamContext sc = ContextSources.fromStream(in, images.root())) {
            ctxDir = sc.dir();
            assertEquals(null, sc.dockerfile());
            BuildResult r = builder.build(BuildRequest.builder(sc.dir()).build());
            assertEquals("from the tar", Files.readString(rootfs(r).resolve("hello")));
            BuildResult other = builder.build(BuildRequest.builder(sc.dir())
                    .dockerfile(sc.dir().resolve("other.Dockerfile")).build());
            assertEquals("from the tar", Files.readString(rootfs(other).resolve("other")));
        }
        assertFalse(Files.exists(ctxDir), "the unpacked context is removed");
        try (var caches = Files.newDirectoryStream(images.root().path().resolve("build-cache"), "stat-*.bin")) {
            assertFalse(caches.iterator().hasNext(), "a context that goes with its build leaves no stat cache");
        }

        byte[] dockerfile = "FROM scratch\nLABEL from=stdin\n".getBytes(StandardCharsets.UTF_8);
        try (ContextSources.StreamContext sc = ContextSources.fromStream(new java.io.ByteArrayInputStream(dockerfile),
                images.root())) {
            assertEquals("FROM scratch\nLABEL from=stdin\n", new String(sc.dockerfile(), StandardCharsets.UTF_8));
            BuildResult r = builder.build(BuildRequest.builder(sc.dir()).dockerfileBytes(sc.dockerfile()).build());
            assertEquals(java.util.Map.of("from", "stdin"), r.image().config().config().labels());
        }
    }

    @Test
    void aDockerfileOutsideTheContextWithItsOwnDockerignore() throws Exception {
        write("keep.txt", "k");
        write("drop.txt", "d");
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("app.Dockerfile"), "FROM scratch\nCOPY . /ctx/\n");
        Files.writeString(elsewhere.resolve("app.Dockerfile.dockerignore"), "drop.txt\n");
        BuildResult r = builder.build(BuildRequest.builder(ctx).dockerfile(elsewhere.resolve("app.Dockerfile")).build());
        Path fs = rootfs(r);
        assertTrue(Files.exists(fs.resolve("ctx/keep.txt")));
        assertFalse(Files.exists(fs.resolve("ctx/drop.txt")), "the Dockerfile's own .dockerignore applies");
        assertFalse(Files.exists(fs.resolve("ctx/app.Dockerfile")));
    }

    @Test
    void addDownloadsAUrlChecksItAndKeysTheCacheOnItsContent() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.atomic.AtomicReference<String> body = new java.util.concurrent.atomic.AtomicReference<>("v1");
        java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/", ex -> {
            hits.incrementAndGet();
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            if (ex.getRequestURI().getPath().equals("/missing")) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.getResponseHeaders().add("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT");
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            String sum = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest("v1".getBytes(StandardCharsets.UTF_8)));
            String df = "FROM scratch\nADD " + base + "/dl/data.txt /d/\nADD --chmod=644 " + base + "/x.bin /renamed\n"
                    + "ADD --checksum=" + sum + " " + base + "/dl/data.txt /checked\n";
            BuildResult a = build(df, r -> r.sourceDateEpoch(Instant.parse("2030-01-01T00:00:00Z")));
            Path fs = rootfs(a);
            assertEquals("v1", Files.readString(fs.resolve("d/data.txt")));
            assertEquals(0600, (Integer) Files.getAttribute(fs.resolve("d/data.txt"), "unix:mode") & 07777);
            assertEquals(Instant.parse("2015-10-21T07:28:00Z"), Files.getLastModifiedTime(fs.resolve("d/data.txt")).toInstant(),
                    "the file has the server's Last-Modified time");
            assertEquals("v1", Files.readString(fs.resolve("renamed")));
            assertEquals(0644, (Integer) Files.getAttribute(fs.resolve("renamed"), "unix:mode") & 07777);
            assertTrue(a.image().config().history().toString().contains(base + "/dl/data.txt"));

            BuildResult same = build(df, r -> r.sourceDateEpoch(Instant.parse("2030-01-01T00:00:00Z")));
            assertTrue(same.fullyCached(), "the same content is a cache hit");
            body.set("v2");
            BuildException bad = assertThrows(BuildException.class, () -> build(df, r -> { }));
            assertTrue(bad.getMessage().contains("does not match --checksum") && bad.getMessage().contains("Dockerfile:4"),
                    bad.getMessage());
            BuildResult changed = build("FROM scratch\nADD " + base + "/dl/data.txt /d/\n", r -> { });
            assertEquals("v2", Files.readString(rootfs(changed).resolve("d/data.txt")), "changed content is a miss");

            BuildException missing = assertThrows(BuildException.class, () -> build("FROM scratch\nADD " + base + "/missing /m\n", r -> { }));
            assertTrue(missing.getMessage().contains("404"), missing.getMessage());
            write("local.txt", "l");
            BuildException localSum = assertThrows(BuildException.class,
                    () -> build("FROM scratch\nADD --checksum=" + sum + " local.txt /l\n", r -> { }));
            assertTrue(localSum.getMessage().contains("--checksum"), localSum.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void addDownloadsThroughTheProxyTheEnvironmentNamesWithItsCredentials() throws Exception {
        com.sun.net.httpserver.HttpServer files = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        List<String> seenByFiles = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        files.createContext("/", ex -> {
            seenByFiles.add(ex.getRequestURI() + " proxy-authorization=" + ex.getRequestHeaders().getFirst("Proxy-Authorization"));
            byte[] b = "through the proxy".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        files.start();
        // an HTTP proxy that wants Basic credentials and alone knows files.test: absolute-form requests, forwarded
        // without their Proxy-* headers, one per connection
        String wanted = "Basic " + java.util.Base64.getEncoder().encodeToString("ci:s3cr@t".getBytes(StandardCharsets.UTF_8));
        List<String> seenByProxy = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.net.ServerSocket proxy = new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress());
        Thread proxying = new Thread(() -> {
            while (true) {
                try (java.net.Socket c = proxy.accept()) {
                    java.io.BufferedReader in = new java.io.BufferedReader(
                            new java.io.InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
                    String requestLine = in.readLine();
                    String auth = null;
                    for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) {
                        if (h.toLowerCase(java.util.Locale.ROOT).startsWith("proxy-authorization:")) {
                            auth = h.substring(h.indexOf(':') + 1).trim();
                        }
                    }
                    seenByProxy.add(requestLine + " " + auth);
                    java.io.OutputStream out = c.getOutputStream();
                    java.net.URI target = java.net.URI.create(requestLine.split(" ")[1]);
                    if (!wanted.equals(auth) || !"files.test".equals(target.getHost())) {
                        out.write("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.ISO_8859_1));
                        continue;
                    }
                    java.net.http.HttpResponse<byte[]> r = java.net.http.HttpClient.newHttpClient().send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                                    + files.getAddress().getPort() + target.getRawPath())).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                    out.write(("HTTP/1.1 " + r.statusCode() + " OK\r\nContent-Length: " + r.body().length
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(r.body());
                } catch (Exception e) {
                    if (proxy.isClosed()) {
                        return;
                    }
                }
            }
        });
        proxying.setDaemon(true);
        proxying.start();
        try {
            String url = "http://files.test:" + files.getAddress().getPort() + "/data.txt";
            Builder viaProxy = Builder.builder(images, new dev.hoist.runtime.ContainerRuntime(images.root().path()), null)
                    .proxies(dev.hoist.registry.client.ProxyEnvironment.of(Map.of("HTTP_PROXY",
                            "http://ci:s3cr%40t@127.0.0.1:" + proxy.getLocalPort())))
                    .build();
            write("Dockerfile", "FROM scratch\nADD " + url + " /data.txt\n");
            BuildResult r = viaProxy.build(BuildRequest.builder(ctx).build());
            assertEquals("through the proxy", Files.readString(rootfs(r).resolve("data.txt")));
            assertEquals(List.of("GET " + url + " HTTP/1.1 " + wanted), seenByProxy);
            assertEquals(List.of("/data.txt proxy-authorization=null"), seenByFiles, "the credentials stop at the proxy");

            Builder wrongPassword = Builder.builder(images, new dev.hoist.runtime.ContainerRuntime(images.root().path()), null)
                    .proxies(dev.hoist.registry.client.ProxyEnvironment.of(Map.of("HTTP_PROXY",
                            "http://ci:wrong@127.0.0.1:" + proxy.getLocalPort())))
                    .build();
            write("Dockerfile", "FROM scratch\nADD " + url + "?again /data.txt\n");
            BuildException refused = assertThrows(BuildException.class,
                    () -> wrongPassword.build(BuildRequest.builder(ctx).build()));
            assertTrue(refused.getMessage().contains("407") && refused.getMessage().contains("Dockerfile:2"), refused.getMessage());
        } finally {
            proxy.close();
            files.stop(0);
        }
    }

    @Test
    void copyExcludeAndParentsFollowBuildKit() throws Exception {
        write("app/a.txt", "a");
        write("app/a.md", "md");
        write("app/sub/b.txt", "b");
        write("app/sub/c.md", "c");
        write("top.md", "t");
        write("top.txt", "t");
        write("x/y/z.txt", "z");
        write("p/q/r.txt", "r");
        BuildResult r = build("""
                FROM scratch
                COPY --exclude=*.md app /all/
                COPY --exclude=**/*.md app /deep/
                COPY --exclude=top.md top.* /glob/
                COPY --parents x/y/z.txt app/sub /kept/
                COPY --parents ./p/./q/r.txt /pivot/
                """, b -> { });
        Path fs = rootfs(r);
        assertTrue(Files.exists(fs.resolve("all/a.txt")));
        assertFalse(Files.exists(fs.resolve("all/a.md")), "excluded relative to the source directory");
        assertTrue(Files.exists(fs.resolve("all/sub/c.md")), "*.md does not match in subdirectories");
        assertFalse(Files.exists(fs.resolve("deep/sub/c.md")), "**/*.md does");
        assertTrue(Files.exists(fs.resolve("deep/sub/b.txt")));
        assertTrue(Files.exists(fs.resolve("glob/top.txt")));
        assertFalse(Files.exists(fs.resolve("glob/top.md")));
        assertEquals("z", Files.readString(fs.resolve("kept/x/y/z.txt")));
        assertEquals("b", Files.readString(fs.resolve("kept/app/sub/b.txt")));
        assertEquals("r", Files.readString(fs.resolve("pivot/q/r.txt")), "the path is kept from the /./ pivot");
        assertFalse(Files.exists(fs.resolve("pivot/p")));
    }

    @Test
    void copyLinkMakesTheSameLayerOnDifferentBases() throws Exception {
        write("f.txt", "same");
        BuildResult a = build("FROM scratch\nCOPY f.txt /one\nCOPY --link f.txt /etc/app/f.txt\n", b -> { });
        BuildResult b = build("FROM scratch\nCOPY f.txt /two\nCOPY --link f.txt /etc/app/f.txt\n", x -> { });
        Descriptor la = a.image().manifest().layers().get(1);
        Descriptor lb = b.image().manifest().layers().get(1);
        assertEquals(la.digest(), lb.digest(), "a --link layer does not depend on its base");
        assertTrue(step(b, "COPY --link").cached(), "and its cache entry is shared");
        BuildResult c = build("FROM scratch\nCOPY f.txt /two\nCOPY --link f.txt /etc/app/f.txt\nCOPY f.txt /three\n", x -> { });
        assertEquals("same", Files.readString(rootfs(c).resolve("three")));
        assertEquals("same", Files.readString(rootfs(c).resolve("etc/app/f.txt")));
        BuildResult d = build("FROM scratch\nCOPY f.txt /one\nCOPY --link f.txt /etc/app/f.txt\nCOPY f.txt /three\n", x -> { });
        assertFalse(step(d, "COPY f.txt /three").cached(), "the steps after a --link copy still depend on the base");
    }

    @Test
    void copyLinkWithAChownNameIsKeyedByTheIdsTheNameHasInThatImage() throws Exception {
        write("f.txt", "same");
        write("passwd100", "app:x:100:100::/:/bin/sh\n");
        write("passwd2000", "app:x:2000:2000::/:/bin/sh\n");
        BuildResult a = build("FROM scratch\nCOPY passwd100 /etc/passwd\nCOPY --link --chown=app f.txt /f\n", x -> { });
        BuildResult b = build("FROM scratch\nCOPY passwd2000 /etc/passwd\nCOPY --link --chown=app f.txt /f\n", x -> { });
        assertFalse(step(b, "COPY --link").cached(), "app is another uid in this image: not the other build's layer");
        assertEquals(100, Files.getAttribute(rootfs(a).resolve("f"), "unix:uid"));
        assertEquals(2000, Files.getAttribute(rootfs(b).resolve("f"), "unix:uid"));
    }

    @Test
    void aHereDocumentNamedLikeACopiedContextFileLeavesTheContextFileAlone() throws Exception {
        // COPY hard-links context files it copies unchanged; the here-document then replaces the tree's file
        write("v.txt", "ORIGINAL");
        BuildResult r = build("FROM scratch\nCOPY v.txt <<v.txt /app/\nfrom the here-document\nv.txt\n", x -> { });
        assertEquals("from the here-document\n", Files.readString(rootfs(r).resolve("app/v.txt")));
        assertEquals("ORIGINAL", Files.readString(ctx.resolve("v.txt")), "the build context is never written");
    }

    @Test
    void aFailingCopyFromAStageLeavesNoTemporaryDirectory() throws Exception {
        write("a", "a");
        write("b", "b");
        BuildException e = assertThrows(BuildException.class,
                () -> build("FROM scratch AS s\nCOPY a b /\nFROM scratch\nCOPY --from=s /a /b /dest\n", x -> { }));
        assertTrue(e.getMessage().contains("the destination must be a directory"), e.getMessage());
        try (var left = Files.list(images.root().path().resolve("tmp"))) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void anInterruptStopsABuildOfIndependentStages() throws Exception {
        containers();
        java.util.concurrent.ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<BuildResult> f = thread.submit(() -> build(
                    "FROM base:1 AS one\nRUN sleep 30\nFROM base:1 AS two\nRUN sleep 30\n"
                            + "FROM scratch\nCOPY --from=one /bin/sh /one\nCOPY --from=two /bin/sh /two\n", x -> { }));
            Thread.sleep(1500);     // both stages are in their RUN steps
            thread.shutdownNow();
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> f.get(20, java.util.concurrent.TimeUnit.SECONDS));   // a guard against a hang, not a timing
            assertTrue(e.getCause() instanceof BuildException, String.valueOf(e.getCause()));
        } finally {
            thread.shutdownNow();
        }
    }

    private static boolean dockerPeer() {
        try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return c.connect(UnixDomainSocketAddress.of("/tmp/hoist-peers/docker.sock"));
        } catch (IOException e) {
            return false;
        }
    }

    private static String exec(String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", "unix:///tmp/hoist-peers/docker.sock");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    private static java.util.Set<String> tarNames(Path tar) throws IOException {
        java.util.Set<String> names = new java.util.TreeSet<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(tar))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return names;
    }

    @Test
    void outputsOciDockerAndLocal() throws Exception {
        write("f.txt", "out");
        BuildResult r = build("FROM scratch\nCOPY f.txt /app/f.txt\nCMD [\"/app\"]\n", b -> b.tag("outputs-test:1"));
        BuildOutputs outputs = new BuildOutputs(images);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Path ociDir = dir.resolve("oci");
        outputs.write(BuildOutputs.Output.parse("type=oci,tar=false,dest=" + ociDir), r.image(), r.tags(), stdout);
        assertTrue(Files.isRegularFile(ociDir.resolve("oci-layout")));
        assertTrue(Files.readString(ociDir.resolve("index.json")).contains("docker.io/library/outputs-test:1"));
        Path ociTar = dir.resolve("out/oci.tar");
        outputs.write(BuildOutputs.Output.parse("type=oci,dest=" + ociTar), r.image(), r.tags(), stdout);
        assertTrue(tarNames(ociTar).containsAll(java.util.Set.of("oci-layout", "index.json")), tarNames(ociTar).toString());
        Path dockerTar = dir.resolve("docker.tar");
        outputs.write(BuildOutputs.Output.parse("type=docker,dest=" + dockerTar + ",name=hoist-out/x:2"), r.image(),
                r.tags(), stdout);
        assertTrue(tarNames(dockerTar).contains("manifest.json"));
        Path local = dir.resolve("rootfs");
        outputs.write(BuildOutputs.Output.parse(local.toString()), r.image(), r.tags(), stdout);
        assertEquals("out", Files.readString(local.resolve("app/f.txt")));
        assertThrows(BuildException.class, () -> outputs.write(BuildOutputs.Output.parse("type=local,dest=" + local),
                r.image(), r.tags(), stdout), "a non-empty local destination is refused");
        assertEquals(0, stdout.size(), "only dest=- writes to standard output");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> BuildOutputs.Output.parse("type=tarball,dest=x"));
        assertTrue(bad.getMessage().contains("oci"), bad.getMessage());
        assertTrue(BuildOutputs.Output.parse("type=registry").push());
        assertTrue(BuildOutputs.Output.parse("type=image,push=true").push());
        assertFalse(BuildOutputs.Output.parse("type=image,push=false").push());
        assertEquals(List.of("example.test/x:1"), BuildOutputs.Output.parse("type=image,name=example.test/x:1").names());
        assertEquals(List.of("example.test/y:2"), BuildOutputs.Output.parse("type=registry,name=example.test/y:2").names());

        assumeTrue(dockerPeer(), "docker load needs the peer daemon");
        assertTrue(exec("docker", "load", "-i", dockerTar.toString()).contains("hoist-out/x:2"));
        String id = exec("docker", "image", "inspect", "-f", "{{.Id}}", "hoist-out/x:2").trim();
        assertEquals(r.image().id().toString(), id, "Docker sees the same image ID");
        exec("docker", "rmi", "hoist-out/x:2");
    }

    @Test
    void ociOutputIsATarUnlessTarFalseAsInBuildx() throws Exception {
        write("f.txt", "out");
        BuildResult r = build("FROM scratch\nCOPY f.txt /f.txt\n", b -> b.tag("outputs-tar:1"));
        BuildOutputs outputs = new BuildOutputs(images);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();

        Path noSuffix = dir.resolve("image.oci");
        outputs.write(BuildOutputs.Output.parse("type=oci,dest=" + noSuffix), r.image(), r.tags(), stdout);
        assertTrue(Files.isRegularFile(noSuffix), "tar=true is the default, whatever the file is called");
        assertTrue(tarNames(noSuffix).containsAll(java.util.Set.of("oci-layout", "index.json")));

        Path layoutDir = dir.resolve("layout.tar");
        outputs.write(BuildOutputs.Output.parse("type=oci,dest=" + layoutDir + ",tar=false"), r.image(), r.tags(),
                stdout);
        assertTrue(Files.isRegularFile(layoutDir.resolve("oci-layout")), "tar=false writes a directory");

        outputs.write(BuildOutputs.Output.parse("type=oci,dest=-,name=example.test/team/named:7"), r.image(), r.tags(),
                stdout);
        Path fromStdout = dir.resolve("stdout.tar");
        Files.write(fromStdout, stdout.toByteArray());
        assertTrue(tarNames(fromStdout).contains("index.json"), tarNames(fromStdout).toString());
        String index = tarEntry(fromStdout, "index.json");
        assertTrue(index.contains("\"io.containerd.image.name\":\"example.test/team/named:7\""), index);
        assertTrue(index.contains("\"org.opencontainers.image.ref.name\":\"7\""), index);
        assertFalse(index.contains("outputs-tar"), "name= replaces the build's tags: " + index);
        assertTrue(BuildOutputs.Output.parse("type=oci").toStandardOutput(), "buildx's type=oci without dest");
    }

    @Test
    void outputAttributesThatAreNotSupportedAreRefusedByName() {
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("type=oci,dest=x.tar,compression=zstd", "compression");
        refused.put("type=oci,dest=x.tar,oci-mediatypes=false", "oci-mediatypes");
        refused.put("type=docker,dest=x.tar,annotation.a=b", "annotation.a");
        refused.put("type=local,dest=x,platform-split=false", "platform-split");
        refused.put("type=local,dest=x,tar=true", "tar");
        refused.put("type=local,dest=x,name=example.test/x:1", "name");
        refused.put("type=image,unpack=true", "unpack");
        refused.put("type=registry,push=false", "type=image");
        refused.put("type=oci,dest=x.tar,tar=maybe", "tar=maybe");
        refused.put("type=docker,dest=x,tar=false", "tar=false");
        refused.put("type=oci,tar=false", "dest=DIR");
        refused.put("type=oci,tar=false,dest=-", "standard output");
        refused.put("type=local,dest=-", "standard output");
        refused.put("type=image,dest=x", "dest");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> BuildOutputs.Output.parse(e.getKey()), e.getKey());
            assertTrue(bad.getMessage().contains(e.getValue()), e.getKey() + ": " + bad.getMessage());
        }
    }

    private static String tarEntry(Path tar, String name) throws IOException {
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(tar))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals(name)) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError(name + " is not in " + tar);
    }

    @Test
    void onlyTheHostPlatformIsBuilt() throws Exception {
        write("f.txt", "x");
        String host = Platform.current().toString();
        BuildResult r = build("FROM scratch\nCOPY f.txt /f\n", b -> b.platform(host));
        assertEquals(Platform.current().architecture(), r.image().config().architecture());
        String other = host.endsWith("amd64") ? "linux/arm64" : "linux/amd64";
        BuildException e = assertThrows(BuildException.class, () -> build("FROM scratch\n", b -> b.platform(other)));
        assertTrue(e.getMessage().contains(other) && e.getMessage().contains(host), e.getMessage());
        BuildResult from = build("FROM --platform=$BUILDPLATFORM scratch AS a\nCOPY f.txt /f\n"
                + "FROM --platform=" + host + " scratch\nCOPY --from=a /f /g\n", b -> { });
        assertEquals("x", Files.readString(rootfs(from).resolve("g")));
        BuildException fromOther = assertThrows(BuildException.class,
                () -> build("FROM scratch\nFROM --platform=" + other + " scratch\n", b -> { }));
        assertTrue(fromOther.getMessage().contains("Dockerfile:2: FROM --platform=" + other), fromOther.getMessage());
    }

    private static String git(Path cwd, String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("git", "-c", "user.name=t", "-c",
                "user.email=t@example.invalid", "-c", "init.defaultBranch=main"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out.strip();
    }

    @Test
    void addClonesAGitRepositoryOverHttp() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        git(work, "init", "-q");
        Files.writeString(work.resolve("README"), "v1");
        Files.createDirectories(work.resolve("sub"));
        Files.writeString(work.resolve("sub/inner.txt"), "inner");
        git(work, "add", ".");
        git(work, "commit", "-q", "-m", "one");
        git(work, "tag", "v1");
        String v1 = git(work, "rev-parse", "HEAD");
        Files.writeString(work.resolve("README"), "v2");
        git(work, "commit", "-q", "-am", "two");
        Path bare = dir.resolve("served/repo.git");
        git(dir, "clone", "-q", "--bare", work.toString(), bare.toString());
        git(bare, "update-server-info");     // git's "dumb" HTTP protocol: static files
        Path served = dir.resolve("served");
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            Path f = served.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
            if (!f.startsWith(served) || !Files.isRegularFile(f)) {
                ex.sendResponseHeaders(404, -1);
            } else {
                byte[] b = Files.readAllBytes(f);
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/repo.git";
            BuildResult r = build("FROM scratch\nADD " + url + " /head/\nADD " + url + "#v1 /v1\n"
                    + "ADD " + url + "#v1:sub /sub-only/\nADD --keep-git-dir=true " + url + " /kept/\n"
                    + "ADD --checksum=" + v1 + " " + url + "#v1 /checked/\n", b -> { });
            Path fs = rootfs(r);
            assertEquals("v2", Files.readString(fs.resolve("head/README")));
            assertFalse(Files.exists(fs.resolve("head/.git")), "no .git unless --keep-git-dir");
            assertEquals("v1", Files.readString(fs.resolve("v1/README")));
            assertEquals("inner", Files.readString(fs.resolve("v1/sub/inner.txt")));
            assertEquals("inner", Files.readString(fs.resolve("sub-only/inner.txt")));
            assertTrue(Files.isDirectory(fs.resolve("kept/.git")));
            assertEquals("v1", Files.readString(fs.resolve("checked/README")));
            BuildException wrong = assertThrows(BuildException.class, () -> build("FROM scratch\nADD --checksum="
                    + "0".repeat(40) + " " + url + " /x/\n", b -> { }));
            assertTrue(wrong.getMessage().contains("does not match --checksum"), wrong.getMessage());
            BuildException missing = assertThrows(BuildException.class,
                    () -> build("FROM scratch\nADD " + url + "#nope /x/\n", b -> { }));
            assertTrue(missing.getMessage().contains("Dockerfile:2") && missing.getMessage().contains("git"), missing.getMessage());
        } finally {
            server.stop(0);
        }
    }
}
