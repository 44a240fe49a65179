package dev.hoist.builder;

import dev.hoist.cache.HoistRoot;
import dev.hoist.cache.image.Image;
import dev.hoist.cache.image.ImageImporter;
import dev.hoist.cache.image.LocalImages;
import dev.hoist.cache.image.Snapshots;
import dev.hoist.oci.ContainerConfig;
import dev.hoist.oci.Platform;
import dev.hoist.runtime.ContainerRuntime;
import dev.hoist.testdata.Busybox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class StageSchedulerTest {
    @TempDir
    Path dir;

    @Test
    void independentStagesRunTogetherAndDependentsAfterThem() throws Exception {
        CountDownLatch both = new CountDownLatch(2);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        StageScheduler.run(Set.of(0, 1, 2, 3), Map.of(2, Set.of(0, 1), 3, Set.of(2)), 2, i -> {
            if (i < 2) {
                both.countDown();
                // each of the two independent stages waits for the other: only possible when they run together
                try {
                    if (!both.await(1, TimeUnit.MINUTES)) {
                        throw new BuildException("stage " + i + " ran alone");
                    }
                } catch (InterruptedException e) {
                    throw new BuildException("interrupted", e);
                }
            }
            order.add(i);
        });
        assertEquals(Set.of(0, 1), Set.copyOf(order.subList(0, 2)));
        assertEquals(List.of(2, 3), order.subList(2, 4));
    }

    @Test
    void aChainRunsInOrderOnTheCallingThread() throws Exception {
        List<String> threads = new ArrayList<>();
        StageScheduler.run(Set.of(0, 1, 2), Map.of(1, Set.of(0), 2, Set.of(1, 7)), 2,
                i -> threads.add(i + ":" + Thread.currentThread().getName()));
        String me = Thread.currentThread().getName();
        assertEquals(List.of("0:" + me, "1:" + me, "2:" + me), threads);
    }

    @Test
    void theFirstFailureStopsTheOthersAndIsRethrown() {
        CountDownLatch never = new CountDownLatch(1);
        BuildException e = assertThrows(BuildException.class, () -> StageScheduler.run(Set.of(0, 1, 2),
                Map.of(2, Set.of(0, 1)), 2, i -> {
                    if (i == 0) {
                        throw new BuildException("stage 0 failed");
                    }
                    if (i == 1) {
                        try {
                            never.await();  // until interrupted
                        } catch (InterruptedException x) {
                            throw new BuildException("stage 1 interrupted", x);
                        }
                    }
                    throw new AssertionError("stage 2 must not start");
                }));
        assertEquals("stage 0 failed", e.getMessage());
    }

    /** The build cleans up after run returns: no stage may still be running then, however long it takes to end. */
    @Test
    void aCancelledStageHasEndedWhenRunReturns() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean ended = new AtomicBoolean();
        Thread caller = Thread.currentThread();
        BuildException e = assertThrows(BuildException.class, () -> StageScheduler.run(Set.of(0, 1, 2),
                Map.of(2, Set.of(0, 1)), 2, i -> {
                    if (i == 0) {
                        try {
                            started.await();
                        } catch (InterruptedException x) {
                            throw new BuildException("stage 0 interrupted", x);
                        }
                        throw new BuildException("stage 0 failed");
                    }
                    if (i == 1) {
                        started.countDown();
                        try {
                            new CountDownLatch(1).await();  // until cancelled
                        } catch (InterruptedException x) {
                            // like a stage writing a layer, which an interrupt does not stop: it goes on
                        }
                        while (caller.getState() == Thread.State.RUNNABLE) {
                            Thread.onSpinWait();    // until the caller waits for the pool
                        }
                        ended.set(true);
                    }
                }));
        assertEquals("stage 0 failed", e.getMessage());
        assertTrue(ended.get(), "run returned while a cancelled stage was still running");
    }

    @Test
    void independentStagesOfABuildRunAtTheSameTime() throws Exception {
        LocalImages images = LocalImages.open(HoistRoot.at(dir.resolve("root")));
        assumeTrue(ContainerRuntime.supported(), "running containers needs Linux, root, namespaces and overlayfs");
        try (InputStream in = Files.newInputStream(Busybox.rootfsTar())) {
            Image base = new ImageImporter(images, Executors.newSingleThreadExecutor(), 1).importTar(in,
                    new ImageImporter.Options(ContainerConfig.builder().cmd("sh").build(), Platform.current(),
                            Instant.EPOCH, "busybox"));
            images.tag(base, "base:1");
        }
        Builder builder = Builder.builder(images, new ContainerRuntime(images.root().path()), null).build();
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        // each stage leaves a mark in a shared cache mount and waits (boundedly) for the other's
        String wait = "i=0; while [ ! -e /rv/%s ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -e /rv/%s";
        Files.writeString(ctx.resolve("Dockerfile"), String.join("\n",
                "FROM base:1 AS a",
                "RUN --mount=type=cache,id=rendezvous,target=/rv touch /rv/a && " + wait.formatted("b", "b") + " && echo a > /a",
                "FROM base:1 AS b",
                "RUN --mount=type=cache,id=rendezvous,target=/rv touch /rv/b && " + wait.formatted("a", "a") + " && echo b > /b",
                "FROM scratch",
                "COPY --from=a /a /a",
                "COPY --from=b /b /b",
                ""));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        BuildResult r = builder.build(BuildRequest.builder(ctx).progress(new PrintStream(progress, true, StandardCharsets.UTF_8))
                .build());
        Path fs = new Snapshots(images).rootfs(r.image());
        assertEquals("a\n", Files.readString(fs.resolve("a")));
        assertEquals("b\n", Files.readString(fs.resolve("b")));
        assertTrue(r.steps().size() >= 7, r.steps().toString());
    }
}
