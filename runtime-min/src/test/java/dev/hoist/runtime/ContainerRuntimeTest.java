package dev.hoist.runtime;

import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real containers on a busybox rootfs; needs root (skipped otherwise). */
class ContainerRuntimeTest {

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    static Path busybox;
    static ContainerRuntime runtime;

    record Result(ExitStatus status, String out, String err) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(ContainerRuntime.supported(), "containers need root on Linux");
        busybox = shared.resolve("busybox");
        Busybox.system().extractRootfs(busybox);
        runtime = new ContainerRuntime(shared.resolve("root"));
    }

    ContainerSpec.Builder overlay(String... argv) throws Exception {
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        return ContainerSpec.builder().overlay(List.of(busybox), upper, work).argv(argv).env(List.of("PATH=/bin"));
    }

    Result run(ContainerSpec spec) throws Exception {
        return run(spec, null);
    }

    Result run(ContainerSpec spec, byte[] stdin) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (RunningContainer c = runtime.run(spec, out, err, stdin == null ? null : new ByteArrayInputStream(stdin))) {
            ExitStatus status = c.waitFor();
            assertFalse(Files.exists(runtime.containerDirectory(spec.id())), "container directory removed");
            return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    Result sh(String script) throws Exception {
        return run(overlay("sh", "-c", script).build());
    }

    @Test
    void targetIsPid1AndSeesOnlyItsOwnProcesses() throws Exception {
        Result r = sh("echo $$; ls /proc | grep -c '^[0-9]'");
        assertEquals(0, r.status().code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals("1", lines[0]);
        assertTrue(Integer.parseInt(lines[1]) <= 4, r.out());
    }

    @Test
    void aVolatileUpperIsMountedVolatileAndStillKeepsWhatTheContainerWrote() throws Exception {
        String root = "grep ' / / ' /proc/self/mountinfo | grep -c volatile";
        Result plain = run(overlay("sh", "-c", root).build());
        assertEquals("0\n", plain.out(), plain.err());
        // (overlayfs refuses to mount an upper and work directory again once they were mounted volatile)
        Result v = run(overlay("sh", "-c", "echo kept > /made; " + root).volatileUpper(true).build());
        assertEquals("1\n", v.out(), v.err());
        assertEquals("kept\n", Files.readString(tmp.resolve("upper/made")));
    }

    @Test
    void hostnameIsItsOwn() throws Exception {
        Result r = run(overlay("sh", "-c", "hostname; cat /etc/hostname; grep -c localhost /etc/hosts").hostname("box1").build());
        assertEquals("box1\nbox1\n2\n", r.out(), r.err());
    }

    @Test
    void networkNoneHasOnlyLoopbackUp() throws Exception {
        Result r = sh("ls /sys/class/net; ip link show lo | grep -c UP");
        assertEquals("lo\n1\n", r.out(), r.err());
    }

    @Test
    void privateNetworkHasLoAndTap0ConfiguredBySlirp4netnsAndDnsAt10_0_2_3() throws Exception {
        assumeTrue(ContainerRuntime.privateNetworkAvailable(), "slirp4netns is not installed");
        Result r = run(overlay("sh", "-c", "ls /sys/class/net; ip link show lo | grep -c UP; ip link show tap0 | grep -c UP;"
                + " cat /sys/class/net/tap0/mtu; ip -4 addr show tap0 | grep -o 'inet [0-9./]*'; ip route | grep default;"
                + " grep nameserver /etc/resolv.conf").network(NetworkMode.PRIVATE).build());
        assertEquals(0, r.status().code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(List.of("lo", "tap0", "1", "1", "65520", "inet 10.0.2.100/24"), List.of(lines).subList(0, 6), r.out());
        assertTrue(lines[6].startsWith("default via 10.0.2.2 dev tap0"), r.out());
        assertEquals("nameserver 10.0.2.3", lines[7], r.out());
        assertEquals(8, lines.length, r.out());
    }

    @Test
    void privateNetworkReachesItsGatewayButNotTheHostsLoopbackServices() throws Exception {
        assumeTrue(ContainerRuntime.privateNetworkAvailable(), "slirp4netns is not installed");
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            // the gateway answers; the host's 127.0.0.1 is neither the container's own loopback nor behind the gateway
            Result r = run(overlay("sh", "-c", "ping -c 1 -W 10 10.0.2.2 >/dev/null && echo gateway;"
                    + " nc -w 5 10.0.2.2 " + port + " </dev/null && echo via-gateway;"
                    + " nc -w 5 127.0.0.1 " + port + " </dev/null && echo via-loopback; echo done")
                    .network(NetworkMode.PRIVATE).build());
            assertEquals("gateway\ndone\n", r.out(), r.err());
            server.setSoTimeout(1);
            assertThrows(java.net.SocketTimeoutException.class, server::accept, "no connection from the container was queued");
        }
    }

    @Test
    void privateNetworkLeavesTheHostsSharedMountsAlone() throws Exception {
        assumeTrue(ContainerRuntime.privateNetworkAvailable(), "slirp4netns is not installed");
        // a shared mount with a mount under it, as systemd's "/" or Docker's data root are: slirp4netns's sandbox
        // unmounts its old root, which must not propagate here
        Path top = Files.createTempDirectory("hoist-shared-mount-");
        Path sub = Files.createDirectories(top.resolve("sub"));
        try {
            onHost("mount --bind " + top + " " + top + " && mount --make-shared " + top + " && mount -t tmpfs none " + sub);
            Result r = run(overlay("true").network(NetworkMode.PRIVATE).build());
            assertEquals(0, r.status().code(), r.err());
            assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + sub + " "),
                    "the mount under the shared mount is still there");
        } finally {
            onHost("umount " + sub + "; umount " + top + "; true");
            Files.deleteIfExists(sub);
            Files.deleteIfExists(top);
        }
    }

    private static void onHost(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), command + ": " + out);
    }

    @Test
    void privateNetworkWithoutSlirp4netnsSaysToInstallIt() throws Exception {
        ContainerRuntime without = new ContainerRuntime(shared.resolve("root"), Optional::empty);
        ContainerSpec spec = overlay("true").network(NetworkMode.PRIVATE).build();
        ContainerException e = assertThrows(ContainerException.class, () -> without.run(spec, null, null, null));
        assertTrue(e.getMessage().contains("apt-get install slirp4netns"), e.getMessage());
        assertFalse(Files.exists(without.containerDirectory(spec.id())), "nothing left behind");
    }

    @Test
    void aContainerWhoseNetworkFailsNeverRunsItsProgram() throws Exception {
        // /bin/false stands in for a slirp4netns that exits without configuring anything
        ContainerRuntime failing = new ContainerRuntime(shared.resolve("root"), () -> Optional.of(Path.of("/bin/false")));
        Path out = Files.createDirectories(tmp.resolve("out"));
        ContainerSpec spec = overlay("touch", "/out/ran").network(NetworkMode.PRIVATE).addMount(Mount.bind(out, "/out", false)).build();
        try (RunningContainer c = failing.run(spec, null, null, null)) {
            ContainerException e = assertThrows(ContainerException.class, c::waitFor);
            assertTrue(e.getMessage().contains("slirp4netns could not set up the container's private network"), e.getMessage());
        }
        assertFalse(Files.exists(out.resolve("ran")), "the program did not run");
        assertFalse(Files.exists(failing.containerDirectory(spec.id())), "container directory removed");
    }

    @Test
    void hostNetworkSeesTheHostsInterfacesAndHostname() throws Exception {
        String hostIfs;
        try (var s = Files.list(Path.of("/sys/class/net"))) {
            hostIfs = s.map(p -> p.getFileName().toString()).sorted().reduce("", (a, b) -> a + b + "\n");
        }
        Result r = run(overlay("sh", "-c", "ls /sys/class/net; hostname").network(NetworkMode.HOST).build());
        assertEquals(hostIfs + Files.readString(Path.of("/proc/sys/kernel/hostname")).strip() + "\n", r.out(), r.err());
    }

    @Test
    void allLimitsAreWrittenToTheRealHierarchy() throws Exception {
        Limits limits = new Limits(64L << 20, 128L << 20, 1.5, 512, 100);
        ContainerSpec spec = overlay("sh", "-c", "echo up; sleep 100").limits(limits).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (RunningContainer c = runtime.run(spec, out, null, null)) {
            while (!out.toString(StandardCharsets.UTF_8).contains("up")) {
                assertTrue(c.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
            }
            if (Cgroups.isV2()) {
                Path dir = Cgroups.ROOT.resolve("hoist").resolve(spec.id());
                assertEquals(Long.toString(64L << 20), Files.readString(dir.resolve("memory.max")).strip());
                assertEquals("150000 100000", Files.readString(dir.resolve("cpu.max")).strip());
                assertEquals("100", Files.readString(dir.resolve("pids.max")).strip());
            } else {
                Path memory = cgroupParent("memory").resolve(spec.id());
                assertEquals(Long.toString(64L << 20), Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
                if (Files.exists(memory.resolve("memory.memsw.limit_in_bytes"))) {
                    assertEquals(Long.toString(128L << 20), Files.readString(memory.resolve("memory.memsw.limit_in_bytes")).strip());
                }
                Path cpu = Cgroups.ROOT.resolve(Files.isDirectory(Cgroups.ROOT.resolve("cpu")) ? "cpu" : "cpu,cpuacct")
                        .resolve("hoist").resolve(spec.id());
                assertEquals("150000", Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip());
                assertEquals("512", Files.readString(cpu.resolve("cpu.shares")).strip());
                assertEquals("100", Files.readString(cgroupParent("pids").resolve(spec.id()).resolve("pids.max")).strip());
                // the container's processes are in them
                long pid1 = c.pid().orElseThrow();
                assertTrue(Files.readString(memory.resolve("cgroup.procs")).lines().anyMatch(l -> l.equals(Long.toString(pid1))));
            }
            c.kill(RunningContainer.SIGKILL);
            ExitStatus s = c.waitFor();
            assertEquals(137, s.code());
            assertFalse(s.oomKilled());
        }
        assertFalse(Files.exists(cgroupParent("memory").resolve(spec.id())), "cgroup removed");
    }

    @Test
    void mountsMadeInsideAreInvisibleToTheHost() throws Exception {
        // the container has no CAP_SYS_ADMIN (as in Docker), so the mounts made inside are the runtime's own
        Result r = run(overlay("sh", "-c", "touch /mnt/x && ls /mnt && grep -c hoist-test-tmpfs /proc/self/mountinfo;"
                + " mount -t tmpfs t /tmp 2>/dev/null || echo no-mount").addMount(Mount.tmpfs("/mnt", "size=1m")).build());
        assertEquals("x\n0\nno-mount\n", r.out(), r.err());
        String after = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(after.contains("hoist-test-tmpfs"));
        assertEquals(List.of(), ourMounts(), "no overlay of this test is left mounted");
        // (other processes on this machine, a Docker daemon say, mount and unmount meanwhile: no global count)
    }

    @Test
    void writesLandInTheUpperDirectoryNotTheLayer() throws Exception {
        Result r = sh("echo hi > /newfile && rm /bin/cat");
        assertEquals(0, r.status().code(), r.err());
        assertEquals("hi\n", Files.readString(tmp.resolve("upper/newfile")));
        assertFalse(Files.exists(busybox.resolve("newfile")));
        assertTrue(Files.exists(busybox.resolve("bin/cat"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        PosixFileAttributes whiteout = Files.readAttributes(tmp.resolve("upper/bin/cat"), PosixFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        assertTrue(whiteout.isOther(), "a whiteout (character device 0/0) marks the deletion");
        try (var files = Files.walk(tmp.resolve("upper"))) {
            // nothing of the runtime's own (mount points, /etc/hosts...) lands in the upper directory
            assertEquals(List.of("", "bin", "bin/cat", "newfile"), files.map(f -> tmp.resolve("upper").relativize(f).toString())
                    .sorted().toList());
        }
    }

    @Test
    void plainRootfsDirectoryWorks() throws Exception {
        Path rootfs = tmp.resolve("plain");
        Busybox.system().extractRootfs(rootfs);
        Result r = run(ContainerSpec.builder().rootfs(rootfs).argv("sh", "-c", "echo ok > /tmp/f; cat /tmp/f")
                .env(List.of("PATH=/bin")).build());
        assertEquals("ok\n", r.out(), r.err());
        assertEquals("ok\n", Files.readString(rootfs.resolve("tmp/f")));
    }

    @Test
    void readOnlyRootRefusesWrites() throws Exception {
        Result r = run(overlay("sh", "-c", "touch /x").readOnly(true).build());
        assertNotEquals(0, r.status().code());
        assertTrue(r.err().contains("Read-only file system"), r.err());
        assertFalse(Files.exists(tmp.resolve("upper/x")));
    }

    @Test
    void exitCodesComeBack() throws Exception {
        assertEquals(3, sh("exit 3").status().code());
        assertEquals(0, sh("true").status().code());
        // a command that cannot be run fails the container's setup, with docker run's code
        ContainerSetupException missing = assertThrows(ContainerSetupException.class, () -> run(overlay("no-such-program").build()));
        assertEquals(127, missing.exitCode());
        assertTrue(missing.getMessage().contains("\"no-such-program\": executable file not found"), missing.getMessage());
    }

    @Test
    void signalledProcessExitsWith128PlusSignal() throws Exception {
        // under --init the shell is not PID 1, so it can be killed from inside
        Result r = run(overlay("sh", "-c", "kill -KILL $$").init(true).build());
        assertEquals(137, r.status().code());
        assertEquals(9, r.status().signal());
    }

    @Test
    void killEndsTheWholeContainer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (RunningContainer c = runtime.run(overlay("sh", "-c", "sleep 100 & echo started; wait").build(), out, null, null)) {
            while (!out.toString(StandardCharsets.UTF_8).contains("started")) {
                assertTrue(c.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
            }
            c.kill(RunningContainer.SIGKILL);
            assertEquals(137, c.waitFor().code());
        }
    }

    @Test
    void termIsForwardedUnderInit() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (RunningContainer c = runtime.run(overlay("sh", "-c", "trap 'exit 42' TERM; echo ready; while true; do sleep 0.05; done")
                .init(true).build(), out, null, null)) {
            while (!out.toString(StandardCharsets.UTF_8).contains("ready")) {
                assertTrue(c.waitFor(Duration.ofMillis(20)).isEmpty(), "still running");
            }
            ExitStatus status = c.stop(Duration.ofSeconds(10));
            assertEquals(42, status.code());
        }
    }

    @Test
    void timeoutKillsTheContainer() throws Exception {
        ExitStatus s = run(overlay("sleep", "100").timeout(Duration.ofMillis(200)).build()).status();
        assertTrue(s.timedOut());
        assertEquals(137, s.code());
    }

    @Test
    void envUserGroupsAndWorkingDirectory() throws Exception {
        Files.createDirectories(tmp.resolve("upper/etc"));
        Files.writeString(tmp.resolve("upper/etc/group"), Busybox.GROUP + "staff:x:50:nobody,other\n");
        Result r = run(overlay("sh", "-c", "id -u; id -g; id -G; pwd; echo $FOO $HOME")
                .env(List.of("PATH=/bin", "FOO=bar")).user("nobody").cwd("/work/dir").build());
        assertEquals("65534\n65534\n65534 50\n/work/dir\nbar /\n", r.out(), r.err());

        Result g = run(overlay("sh", "-c", "id -u; id -g").user("1234:staff").build());
        assertEquals("1234\n50\n", g.out(), g.err());

        // As Docker: the primary group is in the supplementary list (the kernel sorts it), also for an explicit uid:gid.
        Result groups = run(overlay("grep", "^Groups", "/proc/self/status").user("nobody").build());
        assertEquals("Groups:\t50 65534 \n", groups.out(), groups.err());
        Result explicit = run(overlay("grep", "^Groups", "/proc/self/status").user("1234:staff").build());
        assertEquals("Groups:\t50 \n", explicit.out(), explicit.err());

        Result root = run(overlay("sh", "-c", "echo $HOME").build());
        assertEquals("/root\n", root.out(), root.err());
    }

    @Test
    void anExplicitGroupAddsNoSupplementaryGroupsAsInRunc() throws Exception {
        Files.createDirectories(tmp.resolve("upper/etc"));
        Files.writeString(tmp.resolve("upper/etc/group"), Busybox.GROUP + "staff:x:50:nobody\nwheel:x:60:nobody\n");
        Result implicit = run(overlay("grep", "^Groups", "/proc/self/status").user("nobody").build());
        assertEquals("Groups:\t50 60 65534 \n", implicit.out(), implicit.err());
        Result named = run(overlay("grep", "^Groups", "/proc/self/status").user("nobody:wheel").build());
        assertEquals("Groups:\t60 \n", named.out(), named.err());
        Result numeric = run(overlay("grep", "^Groups", "/proc/self/status").user("nobody:60").build());
        assertEquals("Groups:\t60 \n", numeric.out(), numeric.err());
    }

    @Test
    void theInitHasTheTargetsPrivilegesAndNoHostPaths() throws Exception {
        Result root = run(overlay("sh", "-c", "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/1/status; tr '\\0' '|' < /proc/1/cmdline; echo; cat /proc/1/comm")
                .init(true).build());
        assertEquals("CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\nhoist-init|\nhoist-init\n", root.out(), root.err());
        Result nobody = run(overlay("sh", "-c", "grep -E '^(Uid|CapEff)' /proc/1/status").init(true).user("nobody").build());
        assertEquals("Uid:\t65534\t65534\t65534\t65534\nCapEff:\t0000000000000000\n", nobody.out(), nobody.err());
    }

    @Test
    void tmpfsOptionsAreFlagsAndDataAsDockerPassesThem() throws Exception {
        Result r = run(overlay("sh", "-c", "grep -E ' /(run|plain|exec) ' /proc/mounts")
                .addMount(Mount.parseTmpfs("/run:rw,noexec,nosuid,size=65536k"))   // docker run --help's example
                .addMount(Mount.parseTmpfs("/plain"))
                .addMount(Mount.parseTmpfs("/exec:exec,mode=1777,size=1m")).build());
        assertEquals("tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0\n"
                + "tmpfs /plain tmpfs rw,nosuid,nodev,noexec,relatime 0 0\n"
                + "tmpfs /exec tmpfs rw,nosuid,nodev,relatime,size=1024k 0 0\n", r.out(), r.err());
        Result ro = run(overlay("sh", "-c", "touch /ro/x 2>&1 || echo refused").addMount(Mount.parseTmpfs("/ro:ro")).build());
        assertTrue(ro.out().endsWith("refused\n"), ro.out());
        ContainerException bad = assertThrows(ContainerException.class,
                () -> run(overlay("true").addMount(Mount.parseTmpfs("/bad:size=lots")).build()));
        assertTrue(bad.getMessage().contains("mount tmpfs on /bad with options"), bad.getMessage());
    }

    @Test
    void signalsGoToPid1AsTheyAreAndStopUsesTheStopSignal() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String script = "for s in USR1 TSTP WINCH; do trap \"echo got-$s\" $s; done; trap 'echo got-QUIT; exit 42' QUIT;"
                + " echo ready; while true; do sleep 0.02; done";
        try (RunningContainer c = runtime.run(overlay("sh", "-c", script).stopSignal(Signals.parse("SIGQUIT")).build(),
                out, null, null)) {
            awaitOutput(c, out, "ready");
            c.kill(Signals.parse("USR1"));
            awaitOutput(c, out, "got-USR1");
            LibC.signal(c.helperPid(), Signals.parse("TSTP"));   // to the helper, which forwards job control's too
            awaitOutput(c, out, "got-TSTP");
            c.kill(Signals.parse("STOP"));   // stops PID 1, not the helper
            long pid1 = c.pid().getAsLong();
            assertEquals('T', awaitState(pid1, 'T'));
            // the helper is not stopped: it sleeps, once it has handled the SIGCHLD PID 1's stop sent it
            assertEquals('S', awaitState(c.helperPid(), 'S'));
            c.kill(Signals.parse("CONT"));
            c.kill(Signals.parse("WINCH"));
            awaitOutput(c, out, "got-WINCH");
            assertEquals(42, c.stop(Duration.ofSeconds(10)).code());
        }
    }

    private static void awaitOutput(RunningContainer c, ByteArrayOutputStream out, String text) throws Exception {
        while (!out.toString(StandardCharsets.UTF_8).contains(text)) {
            assertTrue(c.waitFor(Duration.ofMillis(20)).isEmpty(), "still running: " + out);
        }
    }

    private static char awaitState(long pid, char wanted) throws Exception {
        for (int i = 0; i < 500 && state(pid) != wanted; i++) {
            Thread.sleep(10);
        }
        return state(pid);
    }

    private static char state(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    @Test
    void theContainersOwnCgroupsAreAtSysFsCgroupReadOnly() throws Exception {
        // v2: the unified directory itself; v1: a directory per limited controller
        Result r = run(overlay("sh", "-c", "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes;"
                + " echo 1 > /sys/fs/cgroup/x 2>/dev/null || echo read-only").limits(Limits.NONE.withMemory(64L << 20)).build());
        assertEquals("67108864\nread-only\n", r.out(), r.err());
    }

    @Test
    void capabilitiesAreDockersDefaultAndNoNewPrivs() throws Exception {
        Result r = sh("grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status");
        assertEquals("CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\n", r.out(), r.err());
        Result nobody = run(overlay("grep", "^CapEff", "/proc/self/status").user("nobody").build());
        assertEquals("CapEff:\t0000000000000000\n", nobody.out());
    }

    @Test
    void devProcAndSysAreSetUp() throws Exception {
        Result r = sh("ls /dev | tr '\\n' ' '; echo; echo x > /dev/null && head -c 4 /dev/zero | wc -c;"
                + " touch /sys/x 2>/dev/null || echo sys-ro; cat /proc/kcore | wc -c; echo > /proc/sysrq-trigger 2>/dev/null || echo sysrq-ro");
        assertEquals(0, r.status().code(), r.err());
        for (String dev : List.of("null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm", "fd",
                "stdin", "stdout", "stderr")) {
            assertTrue(r.out().contains(" " + dev + " ") || r.out().startsWith(dev + " "), dev + " in " + r.out());
        }
        assertTrue(r.out().contains("\n4\nsys-ro\n0\nsysrq-ro\n"), r.out());
    }

    @Test
    void noFileDescriptorOfTheJvmLeaks() throws Exception {
        Result r = sh("ls /proc/self/fd | tr '\\n' ' '");
        // 0 1 2 and the one ls opens to read the directory
        assertEquals("0 1 2 3 ", r.out(), r.err());
    }

    @Test
    void bindMountsReadOnlyAndReadWrite() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("in"), "hello\n");
        Path rw = Files.createDirectories(tmp.resolve("rw"));
        Result r = run(overlay("sh", "-c", "cat /data/in; echo x > /data/out || echo refused; echo y > /out/f")
                .addMount(Mount.parseVolume(data + ":/data:ro")).addMount(Mount.bind(rw, "/out", false))
                .addMount(Mount.parseTmpfs("/scratch:size=1m")).build());
        assertEquals("hello\nrefused\n", r.out());
        assertFalse(Files.exists(data.resolve("out")));
        assertEquals("y\n", Files.readString(rw.resolve("f")));
    }

    @Test
    void stdinIsStreamedIn() throws Exception {
        Result r = run(overlay("cat").build(), "from stdin\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("from stdin\n", r.out());
    }

    @Test
    void unknownUserIsAClearError() throws Exception {
        ContainerException e = assertThrows(ContainerException.class, () -> run(overlay("true").user("nosuch").build()));
        assertTrue(e.getMessage().contains("unable to find user nosuch"), e.getMessage());
    }

    @Test
    void memoryLimitEndsWithAnOomKill() throws Exception {
        ContainerSpec spec = overlay("tail", "/dev/zero").limits(Limits.NONE.withMemory(16L << 20)).build();
        ExitStatus s = run(spec).status();
        assertEquals(137, s.code());
        assertTrue(s.oomKilled());
        assertFalse(Files.exists(cgroupParent("memory").resolve(spec.id())), "cgroup removed");
    }

    @Test
    void pidsLimitStopsAForkBomb() throws Exception {
        ContainerSpec spec = overlay("sh", "-c", "for i in $(seq 50); do sleep 1 & done; wait")
                .limits(Limits.NONE.withPidsLimit(8)).build();
        Result r = run(spec);
        assertTrue(r.err().contains("can't fork"), r.err());
        assertNotEquals(0, r.status().code());
        assertFalse(r.status().oomKilled());
        assertFalse(Files.exists(cgroupParent("pids").resolve(spec.id())), "cgroup removed");
    }

    @Test
    void cpuLimitIsAccepted() throws Exception {
        assertEquals(0, run(overlay("true").limits(Limits.NONE.withCpus(0.5)).build()).status().code());
    }

    @Test
    void idInUseIsRefused() throws Exception {
        ContainerSpec spec = overlay("sleep", "100").build();
        try (RunningContainer c = runtime.run(spec, null, null, null)) {
            ContainerException e = assertThrows(ContainerException.class, () -> runtime.run(spec, null, null, null));
            assertTrue(e.getMessage().contains("exists already"), e.getMessage());
            Optional<ExitStatus> none = c.waitFor(Duration.ZERO);
            assertTrue(none.isEmpty());
        }
    }

    @Test
    void nothingLeaksAfter200RunsIncludingKilledTimedOutAndFailedOnes() throws Exception {
        long fdsBefore = openFds();
        assertEquals(List.of(), ourMounts());
        Path runs = Files.createDirectories(tmp.resolve("runs"));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                results.add(pool.submit(() -> leakRun(n, runs)));
            }
            java.util.Map<Integer, Integer> byKind = new java.util.TreeMap<>();
            for (java.util.concurrent.Future<Integer> f : results) {
                byKind.merge(f.get(), 1, Integer::sum);
            }
            // every kind of ending happened: exited (0), killed (137), timed out (-1), failed to set up (-2)
            assertEquals(java.util.Set.of(-2, -1, 0, 137), byKind.keySet(), byKind.toString());
        } finally {
            pool.shutdown();
        }
        assertEquals(List.of(), ourMounts(), "no mount left");
        try (var s = Files.list(shared.resolve("root/containers"))) {
            assertEquals(List.of(), s.toList(), "no container directory left");
        }
        try (var s = Files.list(shared.resolve("root/runtime"))) {
            assertTrue(s.allMatch(p -> p.getFileName().toString().startsWith("hoist-init-")
                    || p.getFileName().toString().equals("init-layer")), "no temporary file left in runtime/");
        }
        for (String controller : List.of("pids", "memory")) {
            // other hoist roots on this machine (other tests) have theirs beside: look for these containers' own
            assertEquals(List.of(), leakRunIds.stream().map(id -> cgroupParent(controller).resolve(id)).filter(Files::exists)
                    .toList(), "no " + controller + " cgroup left");
        }
        // a slirp4netns is killed as its container ends but not waited for (see hoist-init's stop_network)
        List<Long> left = processesUnder(shared.resolve("root"));
        for (int i = 0; i < 500 && !left.isEmpty(); i++) {
            Thread.sleep(10);
            left = processesUnder(shared.resolve("root"));
        }
        assertEquals(List.of(), left, "no helper or container process left");
        assertTrue(openFds() <= fdsBefore + 2, "no file descriptor leaked: " + fdsBefore + " before, " + openFds() + " after");
    }

    private final java.util.Set<String> leakRunIds = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * One run of the leak test, by {@code n}: a plain run, one killed at once (often before its PID 1 exists), one
     * killed once it runs, one that times out, one whose user does not exist; some with a pids or memory cgroup.
     * Returns the exit code, -1 for a timeout, -2 for a setup error.
     */
    private int leakRun(int n, Path runs) throws Exception {
        Path dirs = Files.createDirectories(runs.resolve(Integer.toString(n)));
        String id = ContainerSpec.randomId();
        leakRunIds.add(id);
        ContainerSpec.Builder b = ContainerSpec.builder().id(id).overlay(List.of(busybox), Files.createDirectories(dirs.resolve("upper")),
                Files.createDirectories(dirs.resolve("work"))).env(List.of("PATH=/bin"));
        int kind = n % 5;
        b.argv(kind == 0 || kind == 4 ? List.of("sh", "-c", "echo " + n) : List.of("sh", "-c", "echo up; sleep 100"));
        if (n % 2 == 0) {
            b.limits(Limits.NONE.withPidsLimit(20));
        } else if (n % 3 == 0) {
            b.limits(Limits.NONE.withMemory(32L << 20));
        }
        if (kind == 3) {
            b.timeout(Duration.ofMillis(30));
        }
        if (n % 4 == 1 && ContainerRuntime.privateNetworkAvailable()) {
            b.network(NetworkMode.PRIVATE);   // its slirp4netns, too, must end with the container
        }
        if (kind == 4) {
            b.user("no-such-user");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (RunningContainer c = runtime.run(b.build(), out, new ByteArrayOutputStream(), null)) {
            if (kind == 1) {
                c.kill(RunningContainer.SIGKILL);
            } else if (kind == 2) {
                while (!out.toString(StandardCharsets.UTF_8).contains("up") && c.waitFor(Duration.ofMillis(5)).isEmpty()) {
                    Thread.onSpinWait();
                }
                c.kill(RunningContainer.SIGKILL);
            }
            ExitStatus s = c.waitFor();
            return s.timedOut() ? -1 : s.code();
        } catch (ContainerException e) {
            assertTrue(e.getMessage().contains("unable to find user"), e.getMessage());
            return -2;
        }
    }

    /**
     * The live processes whose command line or environment names a path under {@code dir} (the helper's config is
     * there; slirp4netns has its container's log path in its environment).
     */
    private static List<Long> processesUnder(Path dir) throws Exception {
        List<Long> found = new java.util.ArrayList<>();
        try (var s = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.getFileName().toString().matches("\\d+")) {
                    continue;
                }
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).contains(dir.toString())
                            || new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8).contains(dir.toString())) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (java.io.IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }

    private static Path cgroupParent(String controller) {
        return Cgroups.isV2() ? Cgroups.ROOT.resolve("hoist") : Cgroups.ROOT.resolve(controller).resolve("hoist");
    }

    /** The host's mounts that involve this test's directories (the runtime's root, rootfs, upper directories). */
    private List<String> ourMounts() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(shared.toString()) || l.contains(tmp.toString())).toList();
    }

    private static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
