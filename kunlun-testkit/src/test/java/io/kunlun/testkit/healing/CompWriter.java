package io.kunlun.testkit.healing;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inserts rows numbered from {@code firstId} into the foreign table {@code t} through a comp, one statement
 * each, and keeps the numbers whose insert was acknowledged, with when; a failed insert (the
 * shard refusing writes, or gone) is not, and the next one opens a new connection. Runs for
 * ten minutes at most.
 */
final class CompWriter implements AutoCloseable {
    private static final long MAX_MILLIS = 600_000;

    private final Supplier<JsonNode> comp;
    /** Acknowledged ids and the System.nanoTime() of their acknowledgement. */
    private final ConcurrentSkipListMap<Integer, Long> acknowledged = new ConcurrentSkipListMap<>();
    private final List<String> failures = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final int firstId;
    private final Thread thread;

    CompWriter(Supplier<JsonNode> comp) {
        this(comp, 1);
    }

    /** @param firstId above the ids of an earlier writer on the same table */
    CompWriter(Supplier<JsonNode> comp, int firstId) {
        this.comp = comp;
        this.firstId = firstId;
        this.thread = new Thread(this::write, "comp-writer");
        thread.start();
    }

    private void write() {
        long deadline = System.currentTimeMillis() + MAX_MILLIS;
        Connection connection = null;
        int id = firstId;
        while (running.get() && System.currentTimeMillis() < deadline) {
            try {
                if (connection == null) {
                    connection = ClusterFixture.postgres(comp.get());
                }
                try (Statement statement = connection.createStatement()) {
                    statement.execute("INSERT INTO t VALUES (" + id + ", 'written')");
                }
                acknowledged.put(id, System.nanoTime());
            } catch (SQLException | RuntimeException e) {
                synchronized (failures) {
                    failures.add(e.getMessage());
                }
                close(connection);
                connection = null;
                pause();
            }
            id++;
        }
        close(connection);
    }

    private static void close(Connection connection) {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // the connection is gone either way
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    NavigableSet<Integer> acknowledged() {
        return acknowledged.keySet();
    }

    /**
     * When writes were accepted again after an outage that began at {@code nanoTime}: the
     * acknowledgement that ended the longest wait for one since then (an insert in flight when
     * the primary went may still have been acknowledged by it; failed inserts are retried at once).
     */
    long acceptedAgainAfter(long nanoTime) {
        long previous = nanoTime;
        long longest = -1;
        long endedLongest = -1;
        for (long at : acknowledged.values()) {
            if (at > nanoTime) {
                if (at - previous > longest) {
                    longest = at - previous;
                    endedLongest = at;
                }
                previous = at;
            }
        }
        if (endedLongest < 0) {
            throw new AssertionError("no write acknowledged since; failures " + failures);
        }
        return endedLongest;
    }

    int failures() {
        synchronized (failures) {
            return failures.size();
        }
    }

    void awaitAcknowledged(int count) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (acknowledged.size() < count) {
            synchronized (failures) {
                assertThat(System.nanoTime()).as(count + " writes acknowledged; failures " + failures)
                        .isLessThan(deadline);
            }
            Thread.sleep(20);
        }
    }

    void stop() throws InterruptedException {
        running.set(false);
        thread.join(30_000);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
