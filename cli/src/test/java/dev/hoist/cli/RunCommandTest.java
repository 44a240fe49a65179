package dev.hoist.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void limitsAndTerminalFlagsAreCheckedAsDockerDoes() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        MainTest.Result unlimited = hoist("run", "--rm", "--pids-limit", "-1", "busybox:local", "true");
        assertEquals(0, unlimited.status(), "-1 is unlimited: " + unlimited.err());
        int cpus = Runtime.getRuntime().availableProcessors();
        MainTest.Result tooMany = hoist("run", "--rm", "--cpus", Integer.toString(cpus + 1), "busybox:local", "true");
        assertEquals(Main.USAGE, tooMany.status());
        assertTrue(tooMany.err().contains("range of CPUs is from 0.01 to " + cpus + ".00"), tooMany.err());

        // -it with a pipe for standard input: refused at once rather than waiting on a terminal nobody types into
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.hoist.cli.Main", "--root", dir.resolve("root").toString(), "run", "--rm", "-it", "busybox:local", "cat")
                .redirectErrorStream(true).start();
        p.getOutputStream().write("typed\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "it should not wait");
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(Main.USAGE, p.exitValue(), out);
        assertTrue(out.contains("the input device is not a TTY"), out);
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
        assertEquals(List.of(), entries("container-layers"), "the containers' writable layers are removed");
        assertEquals(List.of(), entries("containers"));
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
    private Path root() {
        return dir.resolve("root");
    }

    /** The entries of a directory under the hoist root (none when it does not exist). */
    private List<String> entries(String under) throws Exception {
        Path d = root().resolve(under);
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void awaitInPs(String name) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!hoist("ps").out().contains(name)) {
            assertTrue(System.nanoTime() < deadline, "container " + name + " did not show in ps");
            Thread.sleep(20);
        }
    }

    @Test
    void foregroundContainersHaveANameAndAreReachableFromAnotherShell() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        CompletableFuture<MainTest.Result> fg = CompletableFuture.supplyAsync(() -> hoist("run", "--name", "fg",
                "busybox:local", "sh", "-c", "echo up; while true; do sleep 0.1; done"));
        awaitInPs("fg");
        MainTest.Result exec = hoist("exec", "fg", "cat", "/proc/1/cmdline");
        assertEquals(0, exec.status(), exec.err());
        assertTrue(exec.out().startsWith("sh\0-c\0echo up"), exec.out());
        MainTest.Result conflict = hoist("run", "--name", "fg", "busybox:local", "true");
        assertEquals(125, conflict.status());
        assertTrue(conflict.err().contains("Conflict. The container name \"fg\" is already in use"), conflict.err());
        MainTest.Result stop = hoist("stop", "-t", "0", "fg");
        assertEquals("fg\n", stop.out(), stop.err());
        MainTest.Result run = fg.get(20, TimeUnit.SECONDS);
        assertEquals(137, run.status(), run.err());
        assertEquals("up\n", run.out());
        assertTrue(hoist("ps", "-a").out().contains("Exited (137)"), "kept without --rm, as Docker keeps it");
        assertEquals(0, hoist("rm", "fg").status());

        CompletableFuture<MainTest.Result> rm = CompletableFuture.supplyAsync(() -> hoist("run", "--rm",
                "busybox:local", "sh", "-c", "while true; do sleep 0.1; done"));
        awaitInPs("busybox:local");
        String[] row = hoist("ps").out().split("\n")[1].split("\\s+");
        String generated = row[row.length - 1];
        assertTrue(generated.matches("[a-z]+_[a-z]+"), "a generated name: " + generated);
        assertEquals(0, hoist("kill", generated).status());
        assertEquals(137, rm.get(20, TimeUnit.SECONDS).status());
        assertEquals("", hoist("ps", "-a", "-q").out(), "--rm: removed");
        assertEquals(List.of(), entries("container-layers"));
        assertEquals(List.of(), entries("containers"));
    }

    @Test
    void setupFailuresExitWithDockersCodesAndLeaveNothing() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        MainTest.Result user = hoist("run", "-d", "-u", "nosuch", "busybox:local", "true");
        assertEquals(125, user.status(), user.err());
        assertEquals("", user.out(), "no id for a container that did not start");
        assertTrue(user.err().contains("unable to find user nosuch"), user.err());
        MainTest.Result cmd = hoist("run", "-d", "busybox:local", "nosuchcmd");
        assertEquals(127, cmd.status(), cmd.err());
        assertTrue(cmd.err().contains("\"nosuchcmd\": executable file not found in $PATH"), cmd.err());
        MainTest.Result attached = hoist("run", "-u", "nosuch", "busybox:local", "true");
        assertEquals(125, attached.status(), attached.err());
        MainTest.Result attachedCmd = hoist("run", "busybox:local", "nosuchcmd");
        assertEquals(127, attachedCmd.status(), attachedCmd.err());
        assertEquals("", attachedCmd.out());
        assertEquals("", hoist("ps", "-a", "-q").out());
        assertEquals(List.of(), entries("container-layers"));
        assertEquals(List.of(), entries("containers"));
    }

    @Test
    void invalidVolumesAreRefusedBeforeAnythingIsMade() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        for (String[] args : new String[][] {{"-v", "relative:/x"}, {"-d", "-v", "/tmp:/x:bogus"}, {"--tmpfs", "relative"},
                {"-d", "--tmpfs", "relative"}}) {
            List<String> argv = new java.util.ArrayList<>(List.of("run", "--rm"));
            argv.addAll(List.of(args));
            argv.addAll(List.of("busybox:local", "true"));
            MainTest.Result r = hoist(argv.toArray(new String[0]));
            assertEquals(Main.USAGE, r.status(), String.join(" ", args) + ": " + r.err());
        }
        assertEquals(List.of(), entries("tmp"));
        assertEquals(List.of(), entries("container-layers"));
        assertEquals(List.of(), entries("containers"));
    }

    @Test
    void detachedAutoRemoveContainersAreRemovedWhenTheyExit() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        MainTest.Result run = hoist("run", "-d", "--rm", "busybox:local", "true");
        assertEquals(0, run.status(), run.err());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!entries("containers").isEmpty() || !entries("container-layers").isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "still there: " + entries("containers") + entries("container-layers"));
            Thread.sleep(20);
        }
        assertEquals("", hoist("ps", "-a", "-q").out());
    }

    @Test
    void inspectShowsContainersAsDockerDoes() throws Exception {
        assertEquals(0, hoist("import", "-c", "LABEL team=infra", Busybox.rootfsTar().toString(), "busybox:local").status());
        Path vol = Files.createDirectories(dir.resolve("vol"));
        MainTest.Result run = hoist("run", "-d", "--name", "insp", "-m", "64m", "--cpus", "0.5", "--pids-limit", "20",
                "-e", "A=1", "-v", vol + ":/data:ro", "--tmpfs", "/t:size=1m", "--read-only", "--network", "none",
                "busybox:local", "sleep", "100");
        assertEquals(0, run.status(), run.err());
        String id = run.out().trim();
        MainTest.Result inspect = hoist("inspect", "insp");
        assertEquals(0, inspect.status(), inspect.err());
        JsonNode c = new ObjectMapper().readTree(inspect.out()).get(0);
        assertEquals(id, c.get("Id").asText());
        assertEquals("/insp", c.get("Name").asText());
        assertEquals("sleep", c.get("Path").asText());
        assertEquals("[\"100\"]", c.get("Args").toString());
        assertEquals("running", c.at("/State/Status").asText());
        assertTrue(c.at("/State/Running").asBoolean());
        assertTrue(c.at("/State/Pid").asLong() > 0);
        assertEquals("0001-01-01T00:00:00Z", c.at("/State/FinishedAt").asText());
        assertTrue(c.get("Image").asText().startsWith("sha256:"));
        assertEquals("busybox:local", c.at("/Config/Image").asText());
        assertEquals("[\"sleep\",\"100\"]", c.at("/Config/Cmd").toString());
        assertTrue(c.at("/Config/Entrypoint").isNull());
        assertEquals("infra", c.at("/Config/Labels/team").asText());
        assertTrue(c.at("/Config/Env").toString().contains("\"A=1\""), c.at("/Config/Env").toString());
        assertEquals(64L << 20, c.at("/HostConfig/Memory").asLong());
        assertEquals(500_000_000L, c.at("/HostConfig/NanoCpus").asLong());
        assertEquals(20, c.at("/HostConfig/PidsLimit").asLong());
        assertTrue(c.at("/HostConfig/ReadonlyRootfs").asBoolean());
        assertEquals("[\"" + vol + ":/data:ro\"]", c.at("/HostConfig/Binds").toString());
        assertEquals("{\"/t\":\"size=1m\"}", c.at("/HostConfig/Tmpfs").toString());
        assertEquals("none", c.at("/HostConfig/NetworkMode").asText());
        assertFalse(c.at("/HostConfig/AutoRemove").asBoolean());
        assertEquals("bind", c.at("/Mounts/0/Type").asText());
        assertFalse(c.at("/Mounts/0/RW").asBoolean());

        assertEquals("running /insp false\n", hoist("inspect", "-f", "{{.State.Status}} {{.Name}} {{.State.OOMKilled}}", "insp").out());
        MainTest.Result asImage = hoist("inspect", "--type", "image", "insp");
        assertEquals(1, asImage.status());
        assertTrue(asImage.err().contains("No such image: insp"), asImage.err());
        MainTest.Result nothing = hoist("inspect", "nothing");
        assertEquals(1, nothing.status());
        assertTrue(nothing.err().contains("No such object: nothing"), nothing.err());
        MainTest.Result notContainer = hoist("inspect", "--type", "container", "busybox:local");
        assertTrue(notContainer.err().contains("No such container: busybox:local"), notContainer.err());

        // a name that is an image's and a container's: the container, as docker inspect has it
        assertEquals(0, hoist("tag", "busybox:local", "both").status());
        assertEquals(0, hoist("run", "-d", "--name", "both", "busybox:local", "true").status());
        assertTrue(hoist("inspect", "both").out().contains("\"State\""));
        assertTrue(hoist("inspect", "--type", "image", "both").out().contains("\"RepoTags\""));
        assertEquals(0, hoist("rm", "-f", "insp", "both").status());
    }

    @Test
    void anOomKillShowsInInspect() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        assertEquals(0, hoist("run", "-d", "--name", "hog", "-m", "16m", "busybox:local", "tail", "/dev/zero").status());
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!hoist("inspect", "-f", "{{.State.Status}}", "hog").out().equals("exited\n")) {
            assertTrue(System.nanoTime() < deadline, "still running");
            Thread.sleep(50);
        }
        assertEquals("true 137\n", hoist("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "hog").out());
        assertEquals(0, hoist("rm", "hog").status());
    }

    @Test
    void containersOfAKilledHoistAreSeenAndCleanedUp() throws Exception {
        assertEquals(0, hoist("import", Busybox.rootfsTar().toString(), "busybox:local").status());
        Process rm = hoistProcess("run", "--rm", "--name", "orphan", "busybox:local", "sleep", "100");
        Process kept = hoistProcess("run", "--name", "kept", "busybox:local", "sleep", "100");
        awaitInPs("orphan");
        awaitInPs("kept");
        rm.destroyForcibly().waitFor();   // SIGKILL: the JVM cannot remove its container
        kept.destroyForcibly().waitFor();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (hoist("ps").out().contains("kept") || hoist("ps").out().contains("orphan")) {   // they die with their JVM
            assertTrue(System.nanoTime() < deadline, hoist("ps").out());
            Thread.sleep(20);
        }
        MainTest.Result all = hoist("ps", "-a");
        assertFalse(all.out().contains("orphan"), "a --rm container is removed by the next hoist: " + all.out());
        assertTrue(all.out().contains("kept") && all.out().contains("Exited (137)"), all.out());
        assertEquals(0, hoist("rm", "kept").status());
        assertEquals(List.of(), entries("container-layers"));
        assertEquals(List.of(), entries("containers"));
    }

    /** hoist in a JVM of its own, as from a shell. */
    private Process hoistProcess(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--root", root().toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
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
