package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a job's independent steps (one per instance) at once and waits for all of them, so that a
 * rollback never races a step still running. The first failure is thrown, with the others
 * suppressed under it.
 */
final class Parallel {
    private Parallel() {
    }

    static void run(List<Runnable> steps) {
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
                    Thread.currentThread().interrupt();
                    throw new ManagerException(ManagerException.Code.INTERRUPTED, "interrupted while waiting for steps");
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            pool.shutdown();
        }
    }
}
