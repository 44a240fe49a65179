package dev.hoist.cli;

import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** hoist run with real containers (needs root, namespaces and overlayfs, as on CI). */
class RunCommandTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsRoot() {
        assumeTrue(ContainerRuntime.supported(), "running containers needs Linux and root");
    }

    private MainTest.Result hoist(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = dir.resolve("root").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return MainTest.run(Map.of("SOURCE_DATE_EPOCH", "0", "FROM_HOST", "yes"), all);
    }

    @Test
    void runsTheImageCommandWithDockerSemantics() throws Exception {
        assertEquals(0, hoist("import", "-c", "CMD [\"echo\", \"default command\"]", "-c", "ENV GREETING=hi",
                Busybox.rootfsTar().toString(), "busybox:local").status());

        MainTest.Result dflt = hoist("run", "--rm", "busybox:local");
        assertEquals(0, dflt.status(), dflt.err());
        assertEquals("default command\n", dflt.out());

        MainTest.Result r = hoist("run", "--rm", "-e", "EXTRA=1", "-e", "FROM_HOST", "-w", "/made/here", "-u", "nobody",
                "--hostname", "box", "busybox:local", "sh", "-c",
                "echo $$ $(hostname) $GREETING $EXTRA $FROM_HOST $(pwd) $(id -u); ls /sys/class/net; exit 7");
        assertEquals(7, r.status(), r.err());
        // as docker run's bridge: a private network by default (when slirp4netns is installed)
        assertEquals("1 box hi 1 yes /made/here 65534\n" + (ContainerRuntime.privateNetworkAvailable() ? "lo\ntap0\n" : "lo\n"), r.out());

        MainTest.Result write = hoist("run", "--rm", "busybox:local", "sh", "-c", "echo x > /bin/new && cat /bin/new");
        assertEquals("x\n", write.out(), write.err());
        MainTest.Result fresh = hoist("run", "--rm", "busybox:local", "ls", "/bin/new");
        assertEquals(1, fresh.status(), "a container's writes do not reach the image: " + fresh.out());

        MainTest.Result ro = hoist("run", "--rm", "--read-only", "busybox:local", "touch", "/x");
        assertEquals(1, ro.status());

        Path vol = Files.createDirectories(dir.resolve("vol"));
        Files.writeString(vol.resolve("in.txt"), "from the host\n");
        MainTest.Result v = hoist("run", "--rm", "-v", vol + ":/data:ro", "busybox:local", "cat", "/data/in.txt");
        assertEquals("from the host\n", v.out(), v.err());

        MainTest.Result missing = hoist("run", "--rm", "busybox:local", "no-such-program");
        assertEquals(127, missing.status());
        try (var s = Files.list(dir.resolve("root").resolve("tmp"))) {
            assertEquals(0, s.count(), "the container's writable layer is removed");
        }
    }

    @Test
    void networkFlagTakesDockersNamesForThePrivateNetwork() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        MainTest.Result none = hoist("run", "--rm", "--network", "none", "busybox:local", "ls", "/sys/class/net");
        assertEquals("lo\n", none.out(), none.err());
        MainTest.Result bad = hoist("run", "--rm", "--network", "macvlan", "busybox:local", "true");
        assertEquals(Main.USAGE, bad.status());
        assertTrue(bad.err().contains("invalid --network macvlan: use private (or bridge, default), none or host"), bad.err());
        assumeTrue(ContainerRuntime.privateNetworkAvailable(), "slirp4netns is not installed");
        for (String name : new String[] {"private", "bridge", "default"}) {
            MainTest.Result r = hoist("run", "--rm", "--network", name, "busybox:local", "sh", "-c",
                    "ls /sys/class/net; grep nameserver /etc/resolv.conf");
            assertEquals("lo\ntap0\nnameserver 10.0.2.3\n", r.out(), name + ": " + r.err());
        }
    }

    @Test
    void detachedContainersAcrossInvocations() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        MainTest.Result run = hoist("run", "-d", "--name", "svc", "busybox:local", "sh", "-c",
                "echo started; while true; do sleep 0.1; done");
        assertEquals(0, run.status(), run.err());
        String id = run.out().trim();
        assertEquals(64, id.length(), id);
        MainTest.Result ps = hoist("ps");
        assertTrue(ps.out().contains(id.substring(0, 12)) && ps.out().contains("svc") && ps.out().contains("Up "), ps.out());
        MainTest.Result exec = hoist("exec", "svc", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '");
        assertEquals(0, exec.status(), exec.err());
        assertTrue(exec.out().startsWith("sh -c echo started"), exec.out());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!hoist("logs", "svc").out().contains("started") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals("started\n", hoist("logs", "svc").out());
        assertEquals(0, hoist("kill", "svc").status());
        MainTest.Result logs = hoist("logs", "-f", "svc");
        assertEquals("started\n", logs.out(), "logs -f returns once the container has exited");
        assertTrue(hoist("ps", "-a").out().contains("Exited (137)"), hoist("ps", "-a").out());
        assertEquals(0, hoist("rm", "svc").status());
        assertEquals(1, hoist("ps", "-a", "-q").out().isEmpty() ? 1 : 0);
        assertTrue(Files.notExists(dir.resolve("root").resolve("container-layers").resolve(id)));
        MainTest.Result gone = hoist("rm", "svc");
        assertEquals(1, gone.status());
        assertTrue(gone.err().contains("No such container: svc"), gone.err());
    }

    @Test
    void noCommandAndNoImageAreClearErrors() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "bare:1").status());
        MainTest.Result none = hoist("run", "--rm", "bare:1");
        assertEquals(2, none.status());
        assertTrue(none.err().contains("no command specified"), none.err());
        MainTest.Result noImage = hoist("run", "--rm", "nope:1");
        assertEquals(1, noImage.status());
        assertTrue(noImage.err().contains("No such image: nope:1"), noImage.err());
    }

    @Test
    void signalsReachTheContainerAsTheyAreAndHoistExitsWithItsStatus() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        String script = "for s in INT HUP USR1 USR2 ALRM WINCH; do trap \"echo got-$s\" $s; done;"
                + " trap 'echo got-TERM; exit 7' TERM; echo ready; while true; do sleep 0.02; done";
        // a process of its own, as hoist run is: only there does it take the process's signals
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.hoist.cli.Main", "--root", dir.resolve("root").toString(), "run", "--rm", "--network", "none",
                "busybox:local", "sh", "-c", script).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());
            for (String signal : new String[] {"INT", "HUP", "USR1", "USR2", "ALRM", "WINCH", "TERM"}) {
                assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor());
                assertEquals("got-" + signal, out.readLine());
            }
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "hoist exits with the container");
            assertEquals(7, p.exitValue(), "the container's status, not 128+SIGTERM");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void volumesTakeDockersModesAndMissingHostDirectoriesAreCreated() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        Path missing = dir.resolve("made/by/run");
        MainTest.Result v = hoist("run", "--rm", "--network", "none", "-v", missing + ":/data:ro,z", "-v",
                dir.resolve("rw") + ":/rw:Z,cached", "busybox:local", "sh", "-c",
                "touch /rw/x && echo rw; touch /data/x 2>/dev/null || echo ro");
        assertEquals("rw\nro\n", v.out(), v.err());
        assertTrue(Files.isDirectory(missing), "as docker run -v, the host directory is created");
        MainTest.Result bad = hoist("run", "--rm", "-v", dir + ":/data:ro,rw", "busybox:local", "true");
        assertTrue(bad.err().contains("ro and rw conflict"), bad.err());
    }

    @Test
    void theHostNetworkGivesTheHostsHostnameUnlessOneIsGiven() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        MainTest.Result r = hoist("run", "--rm", "--network", "host", "busybox:local", "sh", "-c", "hostname; echo $HOSTNAME");
        assertEquals(host + "\n" + host + "\n", r.out(), r.err());
        MainTest.Result named = hoist("run", "--rm", "--network", "host", "-h", "box", "busybox:local", "hostname");
        assertEquals("box\n", named.out(), named.err());
    }

    @Test
    void theImagesStopSignalStopsADetachedContainer() throws Exception {
        assertEquals(0, hoist("import", "-c", "STOPSIGNAL SIGUSR1", Busybox.rootfsTar().toString(), "busybox:local").status());
        MainTest.Result run = hoist("run", "-d", "--network", "none", "busybox:local", "sh", "-c",
                "trap 'exit 42' USR1; while true; do sleep 0.02; done");
        assertEquals(0, run.status(), run.err());
        String id = run.out().trim();
        assertEquals(0, hoist("stop", "-t", "20", id).status());
        assertTrue(hoist("ps", "-a").out().contains("Exited (42)"), hoist("ps", "-a").out());
        assertEquals(0, hoist("rm", id).status());
        MainTest.Result bad = hoist("run", "--rm", "--stop-signal", "NOPE", "busybox:local", "true");
        assertEquals(Main.USAGE, bad.status());
        assertTrue(bad.err().contains("invalid signal: NOPE"), bad.err());
    }

    @Test
    void killTakesEverySignalNameAndStopStopsTheContainerNotTheHelper() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        MainTest.Result run = hoist("run", "-d", "--network", "none", "busybox:local", "sh", "-c",
                "trap 'echo winch' WINCH; trap 'echo alarm' ALRM; echo started; while true; do sleep 0.02; done");
        String id = run.out().trim();
        awaitLog(id, "started");   // the traps are set
        for (String[] signal : new String[][] {{"WINCH", "winch"}, {"SIGALRM", "alarm"}, {"RTMIN+1", "alarm"}}) {
            MainTest.Result k = hoist("kill", "-s", signal[0], id);
            assertEquals(0, k.status(), signal[0] + ": " + k.err());
            awaitLog(id, signal[1]);
        }
        assertEquals(0, hoist("kill", "-s", "STOP", id).status());
        assertEquals(0, hoist("kill", id).status());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!hoist("ps", "-a").out().contains("Exited (137)") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(hoist("ps", "-a").out().contains("Exited (137)"), "a stopped helper could not report it: " + hoist("ps", "-a").out());
        assertTrue(hoist("logs", id).out().contains("winch\nalarm\n"), hoist("logs", id).out());
        assertEquals(0, hoist("rm", id).status());
    }

    private void awaitLog(String id, String text) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!hoist("logs", id).out().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
