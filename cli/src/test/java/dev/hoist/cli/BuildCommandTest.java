package dev.hoist.cli;

import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import dev.hoist.testdata.Contexts;
import dev.hoist.testdata.HelloWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** hoist build as a user runs it: the testdata contexts, built, cached, tagged and run. */
class BuildCommandTest {
    @TempDir
    Path dir;

    private MainTest.Result hoist(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = dir.resolve("root").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return MainTest.run(Map.of(), all);
    }

    @Test
    void helloWorldFromScratchBuildsReproduciblyAndRuns() throws Exception {
        Path ctx = dir.resolve("hello");
        HelloWorld.writeContext(ctx);
        MainTest.Result b = hoist("build", "-t", "hello", "--iidfile", dir.resolve("iid").toString(), ctx.toString());
        assertEquals(0, b.status(), b.err());
        assertTrue(b.out().contains("Successfully tagged hello:latest"), b.out());
        String id = Files.readString(dir.resolve("iid"));
        MainTest.Result again = hoist("build", "-q", "--no-cache", ctx.toString());
        assertEquals(id + "\n", again.out(), "same Dockerfile and context, same image ID: " + again.err());
        assumeTrue(ContainerRuntime.supported(), "running the result needs root");
        MainTest.Result run = hoist("run", "--rm", "hello");
        assertEquals(HelloWorld.GREETING, run.out(), run.err());
    }

    @Test
    void sourceDateEpochTheBuildArgBeforeTheEnvironment() throws Exception {
        Path ctx = dir.resolve("hello");
        HelloWorld.writeContext(ctx);
        String root = dir.resolve("root").toString();
        Map<String, String> env = Map.of("SOURCE_DATE_EPOCH", "5");
        assertEquals(0, MainTest.run(env, "--root", root, "build", "-q", "-t", "h:env", ctx.toString()).status());
        assertEquals(0, MainTest.run(env, "--root", root, "build", "-q", "-t", "h:arg",
                "--build-arg", "SOURCE_DATE_EPOCH=86400", ctx.toString()).status());
        assertEquals("1970-01-01T00:00:05Z\n", hoist("inspect", "-f", "{{.Created}}", "h:env").out());
        assertEquals("1970-01-02T00:00:00Z\n", hoist("inspect", "-f", "{{.Created}}", "h:arg").out());
        MainTest.Result bad = hoist("build", "--build-arg", "SOURCE_DATE_EPOCH=yesterday", ctx.toString());
        assertEquals(Main.USAGE, bad.status());
        assertTrue(bad.err().contains("--build-arg SOURCE_DATE_EPOCH must be seconds since 1970"), bad.err());
    }

    @Test
    void anUntaggedBuildIsKeptDanglingAndUsedByItsIdUntilRemoved() throws Exception {
        Path ctx = dir.resolve("hello");
        HelloWorld.writeContext(ctx);
        MainTest.Result b = hoist("build", "-q", "--iidfile", dir.resolve("iid").toString(), ctx.toString());
        assertEquals(0, b.status(), b.err());
        String id = b.out().trim();
        assertEquals(id, Files.readString(dir.resolve("iid")));
        String shortId = id.substring(7, 19);

        MainTest.Result images = hoist("images");
        assertTrue(images.out().contains("<none>       <none>   " + shortId), images.out());
        for (String ref : new String[] {id, id.substring(7), shortId, id.substring(7, 11), "sha256:" + shortId}) {
            MainTest.Result inspect = hoist("inspect", "-f", "{{.Id}} {{json .RepoTags}}", ref);
            assertEquals(0, inspect.status(), ref + ": " + inspect.err());
            assertEquals(id + " []\n", inspect.out(), ref);
        }
        assertEquals(0, hoist("history", shortId).status());

        // garbage collection keeps it: it is an image
        assertEquals(0, hoist("prune", "--grace", "0s").status());
        assertEquals(0, hoist("inspect", shortId).status(), "prune keeps a dangling image");

        // naming it takes it out of the dangling ones; building another image under the name leaves it dangling
        assertEquals(0, hoist("tag", shortId, "hello:1").status());
        assertTrue(!hoist("images").out().contains("<none>"), "named now");
        MainTest.Result other = hoist("build", "-q", "-t", "hello:1", "--label", "v=2", ctx.toString());
        assertEquals(0, other.status(), other.err());
        MainTest.Result after = hoist("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");
        assertEquals("<none>:<none> " + shortId, after.out().lines().filter(l -> l.startsWith("<none>")).findFirst().orElse(""),
                after.out());
        assertEquals(0, hoist("prune", "--grace", "0s").status());
        assertEquals(id + "\n", hoist("inspect", "-f", "{{.Id}}", shortId).out(), "prune keeps the image re-tagging left");

        if (ContainerRuntime.supported()) {
            MainTest.Result run = hoist("run", "--rm", id.substring(7, 15));
            assertEquals(HelloWorld.GREETING, run.out(), run.err());
        }

        MainTest.Result rmi = hoist("rmi", shortId);
        assertEquals(0, rmi.status(), rmi.err());
        assertTrue(rmi.out().contains("Deleted: " + id), rmi.out());
        MainTest.Result gone = hoist("inspect", id);
        assertEquals(1, gone.status());
        assertTrue(gone.err().contains("No such object"), gone.err());   // as docker inspect: no container, no image
        assertTrue(!hoist("images").out().contains("<none>"));
        assertEquals(0, hoist("inspect", "hello:1").status(), "the named image is untouched");
    }

    @Test
    void busyboxAppBuildsThenRebuildsFromCache() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "RUN steps need root");
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        Path ctx = dir.resolve("app");
        Contexts.copyTo("busybox-app", ctx);
        MainTest.Result first = hoist("build", "-t", "app:1", ctx.toString());
        assertEquals(0, first.status(), first.err());
        assertTrue(first.err().contains("RUN"), first.err());
        MainTest.Result second = hoist("build", "-t", "app:2", ctx.toString());
        assertEquals(0, second.status(), second.err());
        assertTrue(second.err().contains("CACHED"), second.err());
        assertEquals(hoist("inspect", "-f", "{{.Id}}", "app:1").out(), hoist("inspect", "-f", "{{.Id}}", "app:2").out());
    }

    @Test
    void networkDefaultIsThePrivateNetworkAndNoneIsOnlyLoopback() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "RUN steps need root");
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        Path ctx = Files.createDirectories(dir.resolve("net"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:local\nRUN echo nets: $(ls /sys/class/net)\n");
        String expected = ContainerRuntime.privateNetworkAvailable() ? "nets: lo tap0" : "nets: lo";
        MainTest.Result dflt = hoist("build", "--progress", "plain", ctx.toString());
        assertEquals(0, dflt.status(), dflt.err());
        assertTrue(dflt.err().contains(expected), dflt.err());
        MainTest.Result named = hoist("build", "--progress", "plain", "--no-cache", "--network", "default", ctx.toString());
        assertTrue(named.err().contains(expected), named.err());
        MainTest.Result none = hoist("build", "--progress", "plain", "--no-cache", "--network", "none", ctx.toString());
        assertTrue(none.err().contains("nets: lo\n"), none.err());
        MainTest.Result bad = hoist("build", "--network", "bridge", ctx.toString());
        assertEquals(Main.USAGE, bad.status());
        assertTrue(bad.err().contains("invalid --network bridge: use default, none or host"), bad.err());
    }

    @Test
    void withoutRootARunStepSaysWhatItNeeds() throws Exception {
        // a user namespace of its own, unmapped: the build sees itself as uid 65534, as a non-root user would
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "unshare (util-linux) is not installed");
        Path ctx = Files.createDirectories(dir.resolve("needs-root"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nRUN echo hello\n");
        Process p = new ProcessBuilder("/usr/bin/unshare", "--user",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.hoist.cli.Main", "--root", dir.resolve("root").toString(), "build", "--progress", "plain",
                ctx.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assumeTrue(!out.contains("unshare: "), "no user namespaces here: " + out);
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("hoist build: Dockerfile:2: RUN echo hello: RUN steps need Linux and root"), out);
        assertTrue(out.contains("run hoist build as root"), out);
    }

    @Test
    void aSignalledBuildStopsItsStepAndCleansUp() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "RUN steps need root");
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        Path ctx = Files.createDirectories(dir.resolve("slow"));
        // a sleep long enough and, by its length, this test's own
        String marker = "sleep " + (100_000 + ProcessHandle.current().pid() % 100_000);
        Files.writeString(ctx.resolve("Dockerfile"),
                "FROM busybox:local\nRUN echo started && exec " + marker + "\n");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.hoist.cli.Main", "--root", dir.resolve("root").toString(), "build", "--progress", "plain",
                ctx.toString()).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                if (line.endsWith(" started")) {
                    break;
                }
            }
            assertTrue(seen.toString().contains("started"), seen.toString());
            // SIGTERM, as from a CI runner or docker stop (Process.destroy would close our end of its output)
            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
            }
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the build should stop");
            assertEquals(143, p.exitValue(), seen.toString());
            assertTrue(seen.toString().contains("interrupted"), seen.toString());
            try (var left = Files.newDirectoryStream(dir.resolve("root/tmp"), "build-run*")) {
                assertTrue(!left.iterator().hasNext(), "the step's temporary directory is removed");
            }
            assertTrue(ProcessHandle.allProcesses().noneMatch(h -> h.info().commandLine().orElse("").contains(marker)),
                    "the step's container is gone");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aBadDockerfileAndAFailingRunSayWhere() throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nRUNN x\n");
        MainTest.Result bad = hoist("build", ctx.toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("Dockerfile:2:1: unknown instruction: RUNN"), bad.err());

        assumeTrue(ContainerRuntime.supported(), "RUN steps need root");
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:local\nRUN echo fine\nRUN echo broken >&2; exit 3\n");
        MainTest.Result failing = hoist("build", ctx.toString());
        assertEquals(1, failing.status());
        assertTrue(failing.err().contains("Dockerfile:3") && failing.err().contains("broken"), failing.err());
    }

    private MainTest.Result hoistWithInput(byte[] stdin, Map<String, String> env, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = dir.resolve("root").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status = Main.run(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.ByteArrayInputStream(stdin), env, all);
        return new MainTest.Result(status, out.toString(java.nio.charset.StandardCharsets.UTF_8),
                err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void contextAndDockerfileFromStandardInput() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("Dockerfile"), "FROM scratch\nCOPY a.txt /a\n");
        Files.writeString(src.resolve("alt.Dockerfile"), "FROM scratch\nCOPY a.txt /alt\n");
        Files.writeString(src.resolve("a.txt"), "A");
        Path tar = dir.resolve("ctx.tar.gz");
        Process p = new ProcessBuilder("tar", "czf", tar.toString(), "-C", src.toString(), ".").start();
        assertEquals(0, p.waitFor());
        byte[] ctxTar = Files.readAllBytes(tar);

        MainTest.Result fromTar = hoistWithInput(ctxTar, Map.of(), "build", "-t", "stdin:tar", "-");
        assertEquals(0, fromTar.status(), fromTar.err());
        MainTest.Result alt = hoistWithInput(ctxTar, Map.of(), "build", "-t", "stdin:alt", "-f", "alt.Dockerfile", "-");
        assertEquals(0, alt.status(), alt.err());
        Path out = dir.resolve("alt-rootfs");
        MainTest.Result local = hoistWithInput(ctxTar, Map.of(), "build", "-q", "-f", "alt.Dockerfile", "-o",
                "type=local,dest=" + out, "-");
        assertEquals(0, local.status(), local.err());
        assertEquals("A", Files.readString(out.resolve("alt")));

        byte[] dockerfile = "FROM scratch\nLABEL via=stdin\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        MainTest.Result dfOnly = hoistWithInput(dockerfile, Map.of(), "build", "-t", "stdin:df", "-");
        assertEquals(0, dfOnly.status(), dfOnly.err());
        assertEquals("stdin\n", hoist("inspect", "-f", "{{.Config.Labels.via}}", "stdin:df").out());

        byte[] withCopy = "FROM scratch\nCOPY a.txt /from-dir\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        MainTest.Result dashF = hoistWithInput(withCopy, Map.of(), "build", "-t", "stdin:f", "-f-", src.toString());
        assertEquals(0, dashF.status(), dashF.err());
        MainTest.Result both = hoistWithInput(withCopy, Map.of(), "build", "-f", "-", "-");
        assertEquals(2, both.status(), both.err());
        assertTrue(both.err().contains("stdin"), both.err());
    }

    @Test
    void secretsFromFilesAndTheEnvironment() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "RUN steps need root");
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        Path ctx = Files.createDirectories(dir.resolve("sec"));
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox:local
                RUN --mount=type=secret,id=f,required cp /run/secrets/f /seen-f
                RUN --mount=type=secret,id=TOKEN,env=TOKEN,required echo "$TOKEN" > /seen-env
                """);
        Path secret = dir.resolve("f.secret");
        Files.writeString(secret, "file-secret");
        Path fs = dir.resolve("sec-rootfs");
        MainTest.Result b = hoistWithInput(new byte[0], Map.of("TOKEN", "env-secret"), "build", "--secret",
                "id=f,src=" + secret, "--secret", "id=TOKEN", "--output", "type=local,dest=" + fs, ctx.toString());
        assertEquals(0, b.status(), b.err());
        assertEquals("file-secret", Files.readString(fs.resolve("seen-f")));
        assertEquals("env-secret\n", Files.readString(fs.resolve("seen-env")));
        MainTest.Result missing = hoist("build", "--no-cache", ctx.toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("--secret id=f"), missing.err());
        MainTest.Result noVar = hoist("build", "--secret", "id=x,env=NOPE_NOT_SET", ctx.toString());
        assertEquals(2, noVar.status());
        assertTrue(noVar.err().contains("NOPE_NOT_SET"), noVar.err());
    }

    @Test
    void outputTarToStandardOutputMovesTheSummaryToStandardError() throws Exception {
        Path ctx = dir.resolve("hello");
        HelloWorld.writeContext(ctx);
        String[] argv = {"--root", dir.resolve("root").toString(), "build", "-t", "stdout:1", "-o", "type=oci",
                ctx.toString()};
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status = Main.run(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.ByteArrayInputStream(new byte[0]), Map.of(), false, false, argv);
        String errText = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, status, errText);
        assertTrue(errText.contains("Successfully tagged stdout:1"), errText);
        Path tar = Files.write(dir.resolve("stdout.tar"), out.toByteArray());
        Process list = new ProcessBuilder("tar", "tf", tar.toString()).redirectErrorStream(true).start();
        String names = new String(list.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, list.waitFor(), names);
        assertTrue(names.lines().anyMatch("index.json"::equals), names);

        java.io.ByteArrayOutputStream tty = new java.io.ByteArrayOutputStream();
        int refused = Main.run(new java.io.PrintStream(tty, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.ByteArrayInputStream(new byte[0]), Map.of(), true, false, argv);
        assertEquals(2, refused, "a tar is not written to a terminal");
        assertEquals(0, tty.size());

        MainTest.Result two = hoist("build", "-o", "type=oci", "-o", "type=docker,dest=-", ctx.toString());
        assertEquals(2, two.status());
        assertTrue(two.err().contains("more than one"), two.err());
        MainTest.Result unknown = hoist("build", "-o", "type=oci,dest=x.tar,compression=zstd", ctx.toString());
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("compression="), unknown.err());
    }

    @Test
    void pushMetadataFileOutputsAndPlatform() throws Exception {
        dev.hoist.registry.server.RegistryServer server = dev.hoist.registry.server.RegistryServer.start(
                dev.hoist.registry.server.RegistryConfig.defaults(dir.resolve("server")).withListen("127.0.0.1:0"));
        try {
            String name = "127.0.0.1:" + server.port() + "/team/built:1";
            Path ctx = dir.resolve("hello");
            HelloWorld.writeContext(ctx);
            Path meta = dir.resolve("meta.json");
            Path oci = dir.resolve("oci.tar");
            MainTest.Result b = hoist("build", "-t", name, "--push", "--metadata-file", meta.toString(), "--label", "k=v",
                    "--output", "type=oci,dest=" + oci, "--platform", dev.hoist.oci.Platform.current().toString(),
                    "--progress", "plain", ctx.toString());
            assertEquals(0, b.status(), b.err());
            String json = Files.readString(meta);
            String manifestDigest = hoist("inspect", "-f", "{{.Id}}", name).out().trim();
            assertTrue(json.contains("\"containerimage.digest\": \"sha256:"), json);
            assertTrue(json.contains("\"image.name\": \"" + name + "\""), json);
            assertTrue(json.contains("\"containerimage.config.digest\": \"" + manifestDigest + "\""), json);
            assertTrue(Files.size(oci) > 0);
            assertEquals("v\n", hoist("inspect", "-f", "{{.Config.Labels.k}}", name).out());

            Map<String, String> env = Map.of("SOURCE_DATE_EPOCH", "0", "DOCKER_CONFIG", dir.resolve("docker").toString());
            String[] pull = {"--root", dir.resolve("other").toString(), "pull", name};
            MainTest.Result pulled = MainTest.run(env, pull);
            assertEquals(0, pulled.status(), pulled.err());

            // buildx's way of naming what it pushes: --output type=registry,name=...
            String named = "127.0.0.1:" + server.port() + "/team/named:2";
            MainTest.Result viaOutput = hoist("build", "-q", "--output", "type=registry,name=" + named, ctx.toString());
            assertEquals(0, viaOutput.status(), viaOutput.err());
            MainTest.Result pulledNamed = MainTest.run(env, "--root", dir.resolve("third").toString(), "pull", named);
            assertEquals(0, pulledNamed.status(), pulledNamed.err());

            MainTest.Result noTag = hoist("build", "--push", ctx.toString());
            assertEquals(2, noTag.status());
            assertTrue(noTag.err().contains("-t"), noTag.err());
            String other = dev.hoist.oci.Platform.current().architecture().equals("amd64") ? "linux/arm64" : "linux/amd64";
            MainTest.Result plat = hoist("build", "--platform", other, ctx.toString());
            assertEquals(1, plat.status());
            assertTrue(plat.err().contains(other), plat.err());
            MainTest.Result progress = hoist("build", "--progress", "fancy", ctx.toString());
            assertEquals(2, progress.status());
            MainTest.Result badOutput = hoist("build", "-o", "type=tarball,dest=x", ctx.toString());
            assertEquals(2, badOutput.status());
            assertTrue(badOutput.err().contains("type=tarball"), badOutput.err());
            MainTest.Result noAgent = hoist("build", "--ssh", "default", ctx.toString());
            assertEquals(2, noAgent.status());
            assertTrue(noAgent.err().contains("SSH_AUTH_SOCK"), noAgent.err());
            MainTest.Result keyFile = hoist("build", "--ssh", "default=" + meta, ctx.toString());
            assertEquals(2, keyFile.status());
            assertTrue(keyFile.err().contains("not an agent socket"), keyFile.err());
        } finally {
            server.close();
        }
    }

    @Test
    void pullFetchesABaseImageAgainEvenWhenItIsLocal() throws Exception {
        dev.hoist.registry.server.RegistryServer server = dev.hoist.registry.server.RegistryServer.start(
                dev.hoist.registry.server.RegistryConfig.defaults(dir.resolve("server")).withListen("127.0.0.1:0"));
        try {
            String base = "127.0.0.1:" + server.port() + "/team/base:1";
            Path baseCtx = Files.createDirectories(dir.resolve("base"));
            Files.writeString(baseCtx.resolve("Dockerfile"), "FROM scratch\nCOPY v /v\n");
            Files.writeString(baseCtx.resolve("v"), "one");
            String publisher = dir.resolve("publisher").toString();
            assertEquals(0, MainTest.run(Map.of(), "--root", publisher, "build", "-q", "-t", base, "--push",
                    baseCtx.toString()).status());
            Path app = Files.createDirectories(dir.resolve("app"));
            Files.writeString(app.resolve("Dockerfile"), "FROM " + base + "\nLABEL app=1\n");
            MainTest.Result first = hoist("build", "-o", "type=local,dest=" + dir.resolve("first"), app.toString());
            assertEquals(0, first.status(), first.err());
            assertEquals("one", Files.readString(dir.resolve("first/v")), "a missing base is pulled");

            Files.writeString(baseCtx.resolve("v"), "two");
            assertEquals(0, MainTest.run(Map.of(), "--root", publisher, "build", "-q", "-t", base, "--push",
                    baseCtx.toString()).status());
            MainTest.Result local = hoist("build", "-o", "type=local,dest=" + dir.resolve("local"), app.toString());
            assertEquals(0, local.status(), local.err());
            assertEquals("one", Files.readString(dir.resolve("local/v")), "without --pull the local base is used");
            MainTest.Result pulled = hoist("build", "--pull", "-o", "type=local,dest=" + dir.resolve("pulled"), app.toString());
            assertEquals(0, pulled.status(), pulled.err());
            assertEquals("two", Files.readString(dir.resolve("pulled/v")), "--pull fetches the base again");
        } finally {
            server.close();
        }
    }
}
