package dev.hoist.builder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Builds the stages a target needs in dependency order, independent stages at the same time (issue #7 item 4):
 * a stage starts when every stage it uses (its base, {@code COPY --from}, {@code RUN --mount from}) is built.
 * When no two stages are independent everything runs on the calling thread, in index order. The first failure
 * interrupts the stages still running and is rethrown once they have stopped.
 */
final class StageScheduler {
    /** Builds one stage; called at most once per index. */
    @FunctionalInterface
    interface StageBuild {
        void build(int index) throws BuildException, IOException;
    }

    private StageScheduler() {
    }

    /**
     * Builds {@code needed}, each after the stages {@code deps} lists for it (indexes not in {@code needed} are
     * ignored), with at most {@code threads} at a time.
     */
    static void run(Set<Integer> needed, Map<Integer, Set<Integer>> deps, int threads, StageBuild build)
            throws BuildException, IOException {
        Map<Integer, Set<Integer>> waits = new HashMap<>();
        for (int i : needed) {
            Set<Integer> d = new TreeSet<>(deps.getOrDefault(i, Set.of()));
            d.retainAll(needed);
            d.remove(i);
            waits.put(i, d);
        }
        if (threads < 2 || !anyIndependent(needed, waits)) {
            for (int i : new TreeSet<>(needed)) {
                build.build(i);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "hoist-stage");
            t.setDaemon(true);
            return t;
        });
        ExecutorCompletionService<Integer> done = new ExecutorCompletionService<>(pool);
        Map<Integer, Future<Integer>> running = new HashMap<>();
        Set<Integer> finished = new TreeSet<>();
        TreeSet<Integer> todo = new TreeSet<>(needed);
        Throwable failure = null;
        // An interrupt is remembered here, not left set on the thread: a set flag would make every take() below
        // throw at once, and the loop could never collect the cancelled stages. It is set again at the end.
        boolean interrupted = false;
        try {
            while (!todo.isEmpty() || !running.isEmpty()) {
                if (failure == null) {
                    for (Integer i : new ArrayList<>(todo)) {
                        if (finished.containsAll(waits.get(i))) {
                            todo.remove(i);
                            running.put(i, done.submit(() -> {
                                build.build(i);
                                return i;
                            }));
                        }
                    }
                } else {
                    todo.clear();
                }
                if (running.isEmpty()) {
                    break;
                }
                Future<Integer> f;
                try {
                    f = done.take();
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure = failure != null ? failure : new BuildException("the build was interrupted", e);
                    running.values().forEach(r -> r.cancel(true));
                    continue;
                }
                Integer index = null;
                try {
                    index = f.get();
                    finished.add(index);
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                        running.values().forEach(r -> r.cancel(true));   // stop the others' containers
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.CancellationException e) {
                    // cancelled after a failure
                }
                running.values().remove(f);
            }
        } finally {
            pool.shutdownNow();
            // Once the loop has ended no stage is running, so the caller's cleanup cannot race one: it takes every
            // submitted stage from the completion service, which queues a stage only when its code has returned,
            // cancelled or not (cancel(true) interrupts the task; its queueing wrapper still runs it to the end).
            // This wait only lets the idle pool threads exit.
            try {
                pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure instanceof BuildException b) {
            throw b;
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (!todo.isEmpty()) {
            throw new IllegalStateException("stages " + todo + " wait for each other");
        }
    }

    private static boolean anyIndependent(Set<Integer> needed, Map<Integer, Set<Integer>> waits) {
        // in index order every stage depends only on earlier ones: a chain is when each waits on its predecessor
        List<Integer> order = new ArrayList<>(new TreeSet<>(needed));
        for (int k = 1; k < order.size(); k++) {
            if (!waits.get(order.get(k)).contains(order.get(k - 1))) {
                return true;
            }
        }
        return false;
    }
}
