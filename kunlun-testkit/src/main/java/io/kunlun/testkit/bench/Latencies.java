package io.kunlun.testkit.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Timing of calls for the benches: each call's nanoseconds, and percentiles of them. */
final class Latencies {
    private Latencies() {
    }

    /** Runs {@code total} calls of {@code call} on {@code clients} threads; answers each call's nanoseconds, sorted. */
    static long[] timed(int clients, int total, Runnable call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger left = new AtomicInteger(total);
        try {
            List<Future<long[]>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    long[] nanos = new long[total];
                    int count = 0;
                    while (left.getAndDecrement() > 0) {
                        long sent = System.nanoTime();
                        call.run();
                        nanos[count++] = System.nanoTime() - sent;
                    }
                    return Arrays.copyOf(nanos, count);
                }));
            }
            List<long[]> all = new ArrayList<>();
            for (Future<long[]> each : running) {
                all.add(each.get(10, TimeUnit.MINUTES));
            }
            return all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        } finally {
            pool.shutdownNow();
        }
    }

    /** The percentile (0-100; 100 is the maximum) of sorted nanoseconds, in milliseconds. */
    static double millis(long[] sorted, double percentile) {
        int at = (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100 * sorted.length) - 1);
        return sorted[Math.max(0, at)] / 1e6;
    }
}
