package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads that run the receiving end of state transfers (a seed's backup stream) while the
 * caller's thread runs the sending end: at most {@link #MAX_CONCURRENT} at once, named
 * {@code kunlun-transfer-<n>}, none kept when idle, and stopped with the manager. Not the common
 * ForkJoin pool, which is small, shared with everything else in the JVM, and never shut down.
 */
public final class Transfers implements AutoCloseable {
    /** More receivers than this at once are refused rather than queued: a queued receiver misses its sender. */
    static final int MAX_CONCURRENT = 16;

    private final ThreadPoolExecutor executor;

    public Transfers() {
        AtomicInteger count = new AtomicInteger();
        executor = new ThreadPoolExecutor(0, MAX_CONCURRENT, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "kunlun-transfer-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** Starts the work on a transfer thread at once, or refuses it when every thread is busy or they are closed. */
    <T> CompletableFuture<T> start(String label, Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (RejectedExecutionException e) {
            throw ManagerException.refused(label + ": " + (executor.isShutdown() ? "the manager is shutting down"
                    : MAX_CONCURRENT + " state transfers run already; try again when one has ended"));
        }
    }

    /** Interrupts the running transfers (their commands end with them) and refuses new ones. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
