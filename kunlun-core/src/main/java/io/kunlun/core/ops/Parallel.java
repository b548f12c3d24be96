package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs a job's independent steps (one per instance) at once and waits for all of them, so that a
 * rollback never races a step still running. The first failure is thrown, with the others
 * suppressed under it. Interrupted (the manager stopping), it interrupts the steps and still
 * waits for them, up to {@link #STOP_WAIT}, before it gives up.
 */
public final class Parallel {
    /** How long an interrupted run waits for its interrupted steps to end. */
    static final Duration STOP_WAIT = Duration.ofSeconds(30);

    private Parallel() {
    }

    public static void run(List<Runnable> steps) {
        if (steps.isEmpty()) {
            return;
        }
        if (steps.size() == 1) {
            steps.get(0).run();
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(steps.size(), 16));
        try {
            List<Future<?>> running = new ArrayList<>();
            steps.forEach(step -> running.add(pool.submit(step)));
            RuntimeException first = null;
            for (Future<?> future : running) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    RuntimeException failure = e.getCause() instanceof RuntimeException runtime
                            ? runtime : new ManagerException(ManagerException.Code.INTERNAL, e.getCause().toString(),
                            e.getCause());
                    if (first == null) {
                        first = failure;
                    } else {
                        first.addSuppressed(failure);
                    }
                } catch (InterruptedException e) {
                    pool.shutdownNow();
                    boolean stopped = awaitSteps(pool);
                    Thread.currentThread().interrupt();
                    throw new ManagerException(ManagerException.Code.INTERRUPTED, stopped
                            ? "interrupted while waiting for steps"
                            : "interrupted while waiting for steps, which still ran " + STOP_WAIT.toSeconds()
                              + " s later");
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Waits for the pool's steps to end, through further interrupts; false when they still run. */
    private static boolean awaitSteps(ExecutorService pool) {
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException again) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
