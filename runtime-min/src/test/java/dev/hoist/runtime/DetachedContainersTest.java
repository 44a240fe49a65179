package dev.hoist.runtime;

import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Detached containers whose state outlives the runtime object that started them; needs root. */
class DetachedContainersTest {

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;
    static Path busybox;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "containers need root on Linux");
        busybox = shared.resolve("busybox");
        Busybox.system().extractRootfs(busybox);
    }

    /** A user's container of that name (empty: generated) and image. */
    static ContainerInfo info(String name, String image) {
        return new ContainerInfo(name, image, null, null, null, null, false, null);
    }

    private ContainerSpec spec(String script) throws Exception {
        Path dirs = Files.createTempDirectory(tmp, "c");   // each container its own upper and work directories
        return ContainerSpec.builder().overlay(List.of(busybox), Files.createDirectories(dirs.resolve("upper")),
                Files.createDirectories(dirs.resolve("work"))).argv("sh", "-c", script).env(List.of("PATH=/bin")).build();
    }

    @Test
    void psInspectKillAndRemoveAcrossInvocations() throws Exception {
        Path root = tmp.resolve("root");
        ContainerRuntime first = new ContainerRuntime(root);
        RunningContainer c = first.runDetached(spec("echo hello; sleep 100"), info("web", "busybox:local"));
        while (!Files.exists(first.logFile(c.id())) || !Files.readString(first.logFile(c.id())).contains("hello")) {
            assertTrue(c.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
        }

        ContainerRuntime second = new ContainerRuntime(root);   // as a later hoist command would
        ContainerState running = second.inspect("web").orElseThrow();
        assertEquals(c.id(), running.id());
        assertEquals(ContainerState.Status.RUNNING, running.status());
        assertEquals("busybox:local", running.image());
        assertEquals(List.of("sh", "-c", "echo hello; sleep 100"), running.command());
        assertEquals(running, second.inspect(c.id().substring(0, 12)).orElseThrow());
        assertEquals(1, second.list().size());
        ContainerException inUse = assertThrows(ContainerException.class, () -> second.runDetached(spec("true"), info("web", "x")));
        assertTrue(inUse.getMessage().contains("in use"), inUse.getMessage());
        ContainerException running2 = assertThrows(ContainerException.class, () -> second.remove("web", false));
        assertTrue(running2.getMessage().contains("-f"), running2.getMessage());

        second.signal("web", RunningContainer.SIGKILL);
        assertEquals(137, c.waitFor().code());
        ContainerState exited = second.inspect("web").orElseThrow();
        assertEquals(ContainerState.Status.EXITED, exited.status());
        assertEquals(137, exited.exitCode());

        second.remove("web", false);
        assertTrue(second.list().isEmpty());
        assertFalse(Files.exists(second.containerDirectory(c.id())));
    }

    @Test
    void detachedPrivateNetworkServesExecAndEndsWithStop() throws Exception {
        assumeTrue(ContainerRuntime.privateNetworkAvailable(), "slirp4netns is not installed");
        Path root = tmp.resolve("root");
        ContainerRuntime runtime = new ContainerRuntime(root);
        ContainerSpec spec = ContainerSpec.builder().overlay(List.of(busybox), Files.createDirectories(tmp.resolve("upper")),
                Files.createDirectories(tmp.resolve("work"))).argv("sh", "-c", "ls /sys/class/net > /nets.tmp && mv /nets.tmp /nets; sleep 100")
                .env(List.of("PATH=/bin")).network(NetworkMode.PRIVATE).build();
        RunningContainer c = runtime.runDetached(spec, info("net", "img"));
        while (!Files.exists(tmp.resolve("upper/nets"))) {   // written whole, then renamed: no half-written read
            assertTrue(c.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
        }
        assertEquals("lo\ntap0\n", Files.readString(tmp.resolve("upper/nets")), "tap0 was up before the program ran");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ExecProcess p = runtime.exec("net", List.of("sh", "-c", "ip -4 addr show tap0 | grep -o 'inet [0-9./]*'"), List.of(), "", "",
                out, null, null);
        assertEquals(0, p.waitFor());
        assertEquals("inet 10.0.2.100/24\n", out.toString());
        assertEquals(1, slirp4netnsOf(runtime.containerDirectory(c.id())).size(), "one slirp4netns while it runs");

        ContainerState stopped = runtime.stop("net", Duration.ZERO).orElseThrow();   // sh as PID 1 ignores SIGTERM: straight to SIGKILL
        assertEquals(ContainerState.Status.EXITED, stopped.status());
        // killed as the container ended, not waited for (its tap device takes ~20 ms to go): gone within moments
        List<String> left = slirp4netnsOf(runtime.containerDirectory(c.id()));
        for (int i = 0; i < 500 && !left.isEmpty(); i++) {
            Thread.sleep(10);
            left = slirp4netnsOf(runtime.containerDirectory(c.id()));
        }
        assertEquals(List.of(), left, "slirp4netns ended with the container");
        runtime.remove("net", false);
    }

    /** The slirp4netns processes started for the container in {@code dir} (their environment names its log). */
    private static List<String> slirp4netnsOf(Path dir) throws Exception {
        List<String> found = new java.util.ArrayList<>();
        try (var s = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    if (p.getFileName().toString().matches("\\d+")
                            && Files.readString(p.resolve("comm")).strip().equals("slirp4netns")
                            && new String(Files.readAllBytes(p.resolve("environ"))).contains(dir.toString())) {
                        found.add(p.getFileName().toString() + " " + Files.readString(p.resolve("stat")));
                    }
                } catch (java.io.IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }

    @Test
    void exitedContainerKeepsItsCodeAndLogs() throws Exception {
        ContainerRuntime runtime = new ContainerRuntime(tmp.resolve("root"));
        RunningContainer c = runtime.runDetached(spec("echo out; echo err >&2; exit 4"), info(null, "img"));
        assertEquals(4, c.waitFor().code());
        ContainerState s = new ContainerRuntime(tmp.resolve("root")).inspect(c.id()).orElseThrow();
        assertEquals(ContainerState.Status.EXITED, s.status());
        assertEquals(4, s.exitCode());
        String log = Files.readString(runtime.logFile(c.id()));
        assertTrue(log.contains("out\n") && log.contains("err\n"), log);
        runtime.remove(c.id(), false);
    }

    @Test
    void forcedRemoveKillsARunningContainer() throws Exception {
        ContainerRuntime runtime = new ContainerRuntime(tmp.resolve("root"));
        RunningContainer c = runtime.runDetached(spec("sleep 100"), info("sleeper", "img"));
        runtime.remove("sleeper", true);
        assertEquals(137, c.waitFor().code());
        assertTrue(runtime.list().isEmpty());
        assertThrows(ContainerException.class, () -> runtime.remove("sleeper", true));
    }

    @Test
    void execRunsInTheContainersNamespaces() throws Exception {
        ContainerRuntime runtime = new ContainerRuntime(tmp.resolve("root"));
        ContainerSpec spec = ContainerSpec.builder().overlay(List.of(busybox), Files.createDirectories(tmp.resolve("upper")),
                Files.createDirectories(tmp.resolve("work"))).argv("sh", "-c", "echo inside > /marker.tmp && mv /marker.tmp /marker; sleep 100")
                .env(List.of("PATH=/bin", "FOO=bar")).hostname("execbox").build();
        RunningContainer c = runtime.runDetached(spec, info("ex", "img"));
        while (!Files.exists(tmp.resolve("upper/marker"))) {
            assertTrue(c.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        ExecProcess p = runtime.exec("ex", List.of("sh", "-c", "cat /marker; hostname; echo $FOO $BAZ; id -u; ls /proc | grep -c '^[0-9]'"),
                List.of("BAZ=qux"), "nobody", "/tmp", out, err, null);
        assertEquals(0, p.waitFor(), err.toString());
        String[] lines = out.toString().split("\n");
        assertEquals(List.of("inside", "execbox", "bar qux", "65534"), List.of(lines).subList(0, 4));
        assertTrue(Integer.parseInt(lines[4]) <= 5, "sees the container's processes only: " + out);

        ExecProcess bad = runtime.exec("ex", List.of("true"), List.of(), "nosuch", "", null, null, null);
        ContainerException e = assertThrows(ContainerException.class, bad::waitFor);
        assertTrue(e.getMessage().contains("unable to find user"), e.getMessage());

        runtime.remove("ex", true);
        assertEquals(137, c.waitFor().code());
        assertThrows(ContainerException.class, () -> runtime.exec("ex", List.of("true"), List.of(), "", "", null, null, null));
    }

    @Test
    void stopSendsTermThenKill() throws Exception {
        ContainerRuntime runtime = new ContainerRuntime(tmp.resolve("root"));
        RunningContainer trapping = runtime.runDetached(spec("trap 'exit 7' TERM; echo ready; while true; do sleep 0.05; done"), info("t", "img"));
        while (!Files.exists(runtime.logFile(trapping.id())) || !Files.readString(runtime.logFile(trapping.id())).contains("ready")) {
            assertTrue(trapping.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
        }
        assertEquals(7, runtime.stop("t", Duration.ofSeconds(10)).orElseThrow().exitCode());
        RunningContainer deaf = runtime.runDetached(spec("echo ready; exec sleep 100"), info("d", "img"));   // PID 1 without a TERM handler
        while (!Files.exists(runtime.logFile(deaf.id())) || !Files.readString(runtime.logFile(deaf.id())).contains("ready")) {
            assertTrue(deaf.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
        }
        assertEquals(137, runtime.stop("d", Duration.ofMillis(100)).orElseThrow().exitCode());
        assertEquals(137, deaf.waitFor().code());
        assertEquals(7, trapping.waitFor().code());
        runtime.remove("t", false);
        runtime.remove("d", false);
    }

    @Test
    void manyLongLayerPathsAreMountedFromTheirCommonParent() throws Exception {
        Path layers = Files.createDirectories(tmp.resolve("x".repeat(120)).resolve("snapshots"));
        List<Path> lowers = new java.util.ArrayList<>();
        Path base = layers.resolve("base").resolve("fs");
        Busybox.system().extractRootfs(base);
        lowers.add(base);
        for (int i = 0; i < 40; i++) {
            Path layer = Files.createDirectories(layers.resolve(String.format("%064d", i)).resolve("fs"));
            Files.writeString(layer.resolve("layer" + i), Integer.toString(i));
            lowers.add(layer);
        }
        Files.writeString(lowers.get(40).resolve("layer0"), "top");
        ContainerRuntime runtime = new ContainerRuntime(layers.resolveSibling("root"));
        ContainerSpec s = ContainerSpec.builder().overlay(lowers, Files.createDirectories(tmp.resolve("upper")),
                Files.createDirectories(tmp.resolve("work"))).argv("sh", "-c", "cat /layer0 /layer39").env(List.of("PATH=/bin")).build();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        try (RunningContainer c = runtime.run(s, out, err, null)) {
            assertEquals(0, c.waitFor().code(), err.toString());
        }
        assertEquals("top39", out.toString());
    }

    @Test
    void pruneRemovesWhatADeadJvmLeft() throws Exception {
        ContainerRuntime runtime = new ContainerRuntime(tmp.resolve("root"));
        Path left = Files.createDirectories(runtime.containerDirectory("deadbeef"));
        Files.writeString(left.resolve("helper.pid"), "999999999");
        Files.writeString(left.resolve("init.conf"), "");
        RunningContainer live = runtime.run(spec("sleep 100"), null, null, null);
        RunningContainer detached = runtime.runDetached(spec("true"), info("kept", "img"));
        detached.waitFor();
        assertEquals(1, runtime.pruneOrphans());
        assertFalse(Files.exists(left));
        assertTrue(Files.exists(runtime.containerDirectory(live.id())), "a live attached container is kept");
        assertTrue(runtime.inspect("kept").isPresent(), "detached containers are kept");
        live.close();
        runtime.remove("kept", false);
    }

    @Test
    void anOomKilledDetachedContainerSaysSoInInspect() throws Exception {
        Path root = tmp.resolve("root");
        ContainerRuntime rt = new ContainerRuntime(root);
        Path dirs = Files.createTempDirectory(tmp, "c");
        ContainerSpec spec = ContainerSpec.builder().overlay(List.of(busybox), Files.createDirectories(dirs.resolve("upper")),
                Files.createDirectories(dirs.resolve("work"))).argv("tail", "/dev/zero").env(List.of("PATH=/bin"))
                .limits(Limits.NONE.withMemory(16L << 20)).build();
        RunningContainer c = rt.runDetached(spec, info("hog", "busybox"));
        assertEquals(137, c.waitFor().code());
        ContainerState s = new ContainerRuntime(root).inspect("hog").orElseThrow();   // as a later hoist inspect
        assertEquals(ContainerState.Status.EXITED, s.status());
        assertEquals(137, s.exitCode());
        assertTrue(s.oomKilled());
        rt.remove("hog", false);
    }
    @Test
    void setupFailuresOfADetachedContainerAreReportedWithDockersCodesAndLeaveNothing() throws Exception {
        ContainerRuntime runtime = new ContainerRuntime(tmp.resolve("root"));
        Path layer = Files.createDirectories(tmp.resolve("layer"));
        Path upper = Files.createDirectories(layer.resolve("upper"));
        Path work = Files.createDirectories(layer.resolve("work"));
        Files.writeString(upper.resolve("script"), "#!/bin/sh\necho not executable\n");
        Object[][] cases = {
            {ContainerSpec.builder().user("nosuch").argv("true"), 125, "unable to find user nosuch"},
            {ContainerSpec.builder().argv("nosuchcmd"), 127, "executable file not found"},
            {ContainerSpec.builder().argv("/script"), 126, "ermission denied"},
            {ContainerSpec.builder().init(true).argv("nosuchcmd"), 127, "executable file not found"},
        };
        for (Object[] c : cases) {
            ContainerSpec spec = ((ContainerSpec.Builder) c[0]).overlay(List.of(busybox), upper, work)
                    .env(List.of("PATH=/bin")).build();
            ContainerInfo info = new ContainerInfo("failing", "img", null, null, null, null, false, layer);
            ContainerSetupException e = assertThrows(ContainerSetupException.class, () -> runtime.runDetached(spec, info));
            assertEquals(c[1], e.exitCode(), e.getMessage());
            assertTrue(e.getMessage().contains((String) c[2]), e.getMessage());
            assertFalse(Files.exists(runtime.containerDirectory(spec.id())));
            assertFalse(Files.exists(layer), "the writable layer goes with the container");
            assertTrue(runtime.list().isEmpty());
            Files.createDirectories(work);
            Files.createDirectories(upper);
            Files.writeString(upper.resolve("script"), "#!/bin/sh\necho not executable\n");
        }
        RunningContainer ok = runtime.runDetached(spec("true"), info("failing", "img"));   // the name was freed
        assertEquals(0, ok.waitFor().code());
        runtime.remove("failing", false);
    }

    @Test
    void aDetachedAutoRemoveContainerIsRemovedWhenItExits() throws Exception {
        ContainerRuntime runtime = new ContainerRuntime(tmp.resolve("root"));
        Path layer = Files.createDirectories(tmp.resolve("layer"));
        ContainerSpec spec = ContainerSpec.builder().overlay(List.of(busybox), Files.createDirectories(layer.resolve("upper")),
                Files.createDirectories(layer.resolve("work"))).argv("sh", "-c", "sleep 0.2").env(List.of("PATH=/bin")).build();
        RunningContainer c = runtime.runDetached(spec, new ContainerInfo("gone", "img", null, null, null, null, true, layer));
        assertEquals(ContainerState.Status.RUNNING, runtime.inspect("gone").orElseThrow().status());
        c.waitFor();   // the helper has exited: it removed the container before
        assertFalse(Files.exists(runtime.containerDirectory(c.id())));
        assertFalse(Files.exists(layer));
        assertTrue(runtime.list().isEmpty());
        assertTrue(runtime.inspect("gone").isEmpty());
        RunningContainer again = runtime.runDetached(spec("true"), info("gone", "img"));
        again.waitFor();
        runtime.remove("gone", false);
    }

    @Test
    void anAttachedUserContainerIsListedReachableAndNamed() throws Exception {
        Path root = tmp.resolve("root");
        ContainerRuntime runtime = new ContainerRuntime(root);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        RunningContainer c = runtime.run(spec("echo up; while true; do sleep 0.1; done"), info("", "img"), out, null, null);
        while (!out.toString().contains("up")) {
            assertTrue(c.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
        }
        ContainerRuntime other = new ContainerRuntime(root);   // as another shell's hoist
        ContainerState s = other.list().get(0);
        assertEquals(c.id(), s.id());
        assertEquals(ContainerState.Status.RUNNING, s.status());
        assertTrue(s.name().matches("[a-z]+_[a-z]+"), s.name());
        assertEquals(c.pid().getAsLong(), s.pid());
        assertFalse(s.settings().detached());
        ContainerSetupException conflict = assertThrows(ContainerSetupException.class,
                () -> other.runDetached(spec("true"), info(s.name(), "img")));
        assertEquals(125, conflict.exitCode());
        assertTrue(conflict.getMessage().contains("is already in use by container \"" + c.id()), conflict.getMessage());
        java.io.ByteArrayOutputStream execOut = new java.io.ByteArrayOutputStream();
        assertEquals(0, other.exec(s.name(), List.of("cat", "/proc/1/cmdline"), List.of(), "", "", execOut, null, null).waitFor());
        assertEquals("sh\0-c\0echo up; while true; do sleep 0.1; done\0", execOut.toString());
        other.stop(s.name(), Duration.ZERO);
        assertEquals(137, c.waitFor().code());
        ContainerState exited = other.inspect(s.name()).orElseThrow();   // kept: not --rm
        assertEquals(ContainerState.Status.EXITED, exited.status());
        assertEquals(137, exited.exitCode());
        other.remove(s.name(), false);
        assertTrue(other.list().isEmpty());
    }

    @Test
    void pruneRemovesAnAutoRemoveContainerWhoseHelperAndOwnerDied() throws Exception {
        ContainerRuntime runtime = new ContainerRuntime(tmp.resolve("root"));
        Path layer = Files.createDirectories(tmp.resolve("layer"));
        Path upper = Files.createDirectories(layer.resolve("upper"));
        ContainerSpec spec = ContainerSpec.builder().overlay(List.of(busybox), upper,
                Files.createDirectories(layer.resolve("work"))).argv("sleep", "100").env(List.of("PATH=/bin")).build();
        RunningContainer c = runtime.runDetached(spec, new ContainerInfo("orphan", "img", null, null, null, null, true, layer));
        Path dir = runtime.containerDirectory(c.id());
        assertEquals(0, runtime.pruneOrphans(), "its helper lives");
        LibC.signal(c.helperPid(), RunningContainer.SIGKILL);   // as when the machine's OOM killer or a user kills it
        c.waitFor();
        assertTrue(Files.exists(dir), "no one removed it");
        Files.writeString(dir.resolve(StateFiles.OWNER), Long.toString(ProcessHandle.current().pid()));
        assertEquals(0, runtime.pruneOrphans(), "its owner lives, and will remove it");
        Files.writeString(dir.resolve(StateFiles.OWNER), "999999999");
        assertEquals(1, runtime.pruneOrphans());
        assertFalse(Files.exists(dir));
        assertFalse(Files.exists(layer));
        assertTrue(runtime.inspect("orphan").isEmpty());
    }
}
