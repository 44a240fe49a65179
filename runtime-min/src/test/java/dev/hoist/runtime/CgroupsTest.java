package dev.hoist.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cgroup files a container's limits become, in v1 and v2 layouts, against directories that stand in for the
 * hierarchies (this machine has only one of them; ContainerRuntimeTest checks the real one).
 */
class CgroupsTest {

    @TempDir
    Path root;

    private static final Limits ALL = new Limits(64L << 20, 192L << 20, 1.5, 512, 100);

    private String read(Path file) throws Exception {
        return Files.readString(file).strip();
    }

    private Path fakeV2() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        return root;
    }

    private Path fakeV1(boolean swapAccounting, String cpuController) throws Exception {
        for (String c : List.of("memory", cpuController, "pids")) {
            Files.createDirectories(root.resolve(c));
        }
        if (swapAccounting) {
            Files.writeString(root.resolve("memory/memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        }
        return root;
    }

    @Test
    void v2WritesEveryLimitInOneDirectoryWithDockersConversions() throws Exception {
        Cgroups cg = Cgroups.create(fakeV2(), "c1", ALL);
        Path dir = root.resolve("hoist/c1");
        assertEquals(List.of(dir), cg.dirs());
        assertEquals("+memory +cpu +pids", read(root.resolve("hoist/cgroup.subtree_control")));
        assertEquals(Long.toString(64L << 20), read(dir.resolve("memory.max")));
        assertEquals(Long.toString(128L << 20), read(dir.resolve("memory.swap.max")), "swap alone: memory-swap minus memory");
        assertEquals("150000 100000", read(dir.resolve("cpu.max")));
        assertEquals("20", read(dir.resolve("cpu.weight")), "shares 512 as Docker converts them");
        assertEquals("100", read(dir.resolve("pids.max")));
    }

    @Test
    void v2SwapUnsetIsAsMuchAsMemoryAndMinusOneIsMax() throws Exception {
        fakeV2();
        Cgroups.create(root, "unset", Limits.NONE.withMemory(32L << 20));
        assertEquals(Long.toString(32L << 20), read(root.resolve("hoist/unset/memory.swap.max")));
        Cgroups.create(root, "unlimited", new Limits(32L << 20, -1, 0, 0, 0));
        assertEquals("max", read(root.resolve("hoist/unlimited/memory.swap.max")));
        Cgroups.create(root, "none", new Limits(32L << 20, 32L << 20, 0, 0, 0));
        assertEquals("0", read(root.resolve("hoist/none/memory.swap.max")));
    }

    @Test
    void v2CpuSharesMapOntoWeightsAsDocker() throws Exception {
        fakeV2();
        for (int[] sharesWeight : new int[][] {{2, 1}, {1024, 39}, {262144, 10000}}) {
            String id = "s" + sharesWeight[0];
            Cgroups.create(root, id, new Limits(0, 0, 0, sharesWeight[0], 0));
            assertEquals(Integer.toString(sharesWeight[1]), read(root.resolve("hoist").resolve(id).resolve("cpu.weight")));
        }
    }

    @Test
    void v1WritesOneDirectoryPerController() throws Exception {
        Cgroups cg = Cgroups.create(fakeV1(true, "cpu,cpuacct"), "c1", ALL);
        assertEquals(List.of(root.resolve("memory/hoist/c1"), root.resolve("cpu,cpuacct/hoist/c1"), root.resolve("pids/hoist/c1")),
                cg.dirs());
        assertEquals(Long.toString(64L << 20), read(root.resolve("memory/hoist/c1/memory.limit_in_bytes")));
        assertEquals(Long.toString(192L << 20), read(root.resolve("memory/hoist/c1/memory.memsw.limit_in_bytes")));
        assertEquals("100000", read(root.resolve("cpu,cpuacct/hoist/c1/cpu.cfs_period_us")));
        assertEquals("150000", read(root.resolve("cpu,cpuacct/hoist/c1/cpu.cfs_quota_us")));
        assertEquals("512", read(root.resolve("cpu,cpuacct/hoist/c1/cpu.shares")));
        assertEquals("100", read(root.resolve("pids/hoist/c1/pids.max")));
    }

    @Test
    void v1SwapUnsetIsTwiceMemoryAndNothingIsWrittenWithoutSwapAccounting() throws Exception {
        fakeV1(true, "cpu");
        Cgroups.create(root, "unset", Limits.NONE.withMemory(32L << 20));
        assertEquals(Long.toString(64L << 20), read(root.resolve("memory/hoist/unset/memory.memsw.limit_in_bytes")));
        Cgroups.create(root, "unlimited", new Limits(32L << 20, -1, 0, 0, 0));
        assertEquals("-1", read(root.resolve("memory/hoist/unlimited/memory.memsw.limit_in_bytes")));

        Files.delete(root.resolve("memory/memory.memsw.limit_in_bytes"));
        Cgroups.create(root, "noswap", new Limits(32L << 20, 64L << 20, 0, 0, 0));
        assertFalse(Files.exists(root.resolve("memory/hoist/noswap/memory.memsw.limit_in_bytes")));
    }

    @Test
    void onlyTheControllersOfTheLimitsSetAreUsed() throws Exception {
        fakeV1(false, "cpu");
        Cgroups cg = Cgroups.create(root, "p", Limits.NONE.withPidsLimit(5));
        assertEquals(List.of(root.resolve("pids/hoist/p")), cg.dirs());
        assertTrue(Cgroups.create(root, "none", Limits.NONE).dirs().isEmpty());
    }

    @Test
    void aMissingControllerIsAClearErrorAndLeavesNothing() throws Exception {
        Files.createDirectories(root.resolve("memory"));
        ContainerException e = assertThrows(ContainerException.class,
                () -> Cgroups.create(root, "c", new Limits(32L << 20, 0, 0, 0, 10)));
        assertTrue(e.getMessage().contains("pids is not mounted"), e.getMessage());
    }

    @Test
    void oomKillsAreReadFromV1OomControlAndV2Events() throws Exception {
        Cgroups v2 = Cgroups.create(fakeV2(), "o", Limits.NONE.withMemory(32L << 20));
        Files.writeString(root.resolve("hoist/o/memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n");
        assertFalse(v2.oomKilled());
        Files.writeString(root.resolve("hoist/o/memory.events"), "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n");
        assertTrue(v2.oomKilled());
    }

    @Test
    void oomKillsAreReadFromV1OomControl() throws Exception {
        Cgroups v1 = Cgroups.create(fakeV1(false, "cpu"), "o", Limits.NONE.withMemory(32L << 20));
        Files.writeString(root.resolve("memory/hoist/o/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        assertTrue(v1.oomKilled());
    }

    @Test
    void removeAllFindsTheDirectoriesOfAnIdInV1() throws Exception {
        // (a real cgroup directory is removed with its control files; these stand-ins are made empty)
        fakeV1(false, "cpu,cpuacct");
        for (String c : List.of("memory", "cpu,cpuacct", "pids")) {
            Files.createDirectories(root.resolve(c).resolve("hoist/gone"));
        }
        Cgroups.removeAll(root, "gone");
        for (String c : List.of("memory", "cpu,cpuacct", "pids")) {
            assertFalse(Files.exists(root.resolve(c).resolve("hoist/gone")), c);
        }
    }

    @Test
    void removeAllFindsTheDirectoryOfAnIdInV2() throws Exception {
        fakeV2();
        Files.createDirectories(root.resolve("hoist/gone"));
        Cgroups.removeAll(root, "gone");
        assertFalse(Files.exists(root.resolve("hoist/gone")));
        assertTrue(Files.isDirectory(root.resolve("hoist")));
    }

    @Test
    void memorySwapNeedsMemory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Limits(0, 64L << 20, 0, 0, 0));
        assertTrue(e.getMessage().contains("needs a memory limit"), e.getMessage());
    }
}
