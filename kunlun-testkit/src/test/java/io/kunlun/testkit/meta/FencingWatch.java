package io.kunlun.testkit.meta;

import io.kunlun.testkit.mariadb.MariaDbTestServer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads every job's fencing number (that of the leader that took its latest step) from a MariaDB
 * metadata store every 50 ms while a test runs, and remembers any that went back: a step taken
 * by a leader whose term was over.
 */
final class FencingWatch implements AutoCloseable {
    private final Thread sampler;
    private final Map<String, Long> latest = new HashMap<>();
    private final List<String> wentBack = new ArrayList<>();
    private volatile boolean running = true;

    private FencingWatch(MariaDbTestServer server, String database) {
        this.sampler = new Thread(() -> sample(server, database), "fencing-watch");
        sampler.setDaemon(true);
        sampler.start();
    }

    static FencingWatch on(MariaDbTestServer server, String database) {
        return new FencingWatch(server, database);
    }

    private void sample(MariaDbTestServer server, String database) {
        while (running) {
            try (Connection admin = server.connectAsAdmin(); Statement statement = admin.createStatement()) {
                while (running) {
                    try (ResultSet rows = statement.executeQuery("SELECT job_id, fencing FROM `" + database
                            + "`.job WHERE fencing IS NOT NULL")) {
                        while (rows.next()) {
                            record(rows.getString(1), rows.getLong(2));
                        }
                    }
                    Thread.sleep(50);
                }
            } catch (SQLException e) {
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void record(String jobId, long fencing) {
        Long before = latest.put(jobId, fencing);
        if (before != null && fencing < before) {
            wentBack.add("job " + jobId + ": fencing number " + before + " then " + fencing);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The fencing numbers that went back, each named by its job; empty when none did. */
    synchronized List<String> wentBack() {
        return List.copyOf(wentBack);
    }

    /** The last fencing number read for the job; 0 when none was. */
    synchronized long latest(String jobId) {
        return latest.getOrDefault(jobId, 0L);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.interrupt();
        sampler.join(5_000);
    }
}
