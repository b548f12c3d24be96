package io.kunlun.core.ops.backup;

import io.kunlun.core.jobs.JobEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The backup retention applied by the leader on a timer, not only after a backup: a cluster
 * that takes no new backups, and a deleted cluster, still has its expired backups deleted (the
 * rule is the same; the newest backup of every cluster stays, so a deleted cluster's last
 * backup is deleted only by delete_backup). Each pass goes through the clusters the store holds
 * backups of, one at a time, each under the lock key delete_backup of that cluster queues on
 * and only while no job holds it: a pass never interleaves with a backup or a deletion of the
 * cluster, and a cluster busy now is tried again at the next pass. Nothing is scheduled when
 * the configuration sets no retention rule. One instance per term: {@link #close} when the
 * term ends.
 */
public final class RetentionPasses implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionPasses.class);
    /** How often the leader applies the retention: the rules count in days, an hour is soon enough. */
    public static final Duration EVERY = Duration.ofHours(1);

    private final BackupRetention retention;
    private final JobEngine engine;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "backup-retention");
        thread.setDaemon(true);
        return thread;
    });

    public RetentionPasses(BackupRetention retention, JobEngine engine) {
        this.retention = retention;
        this.engine = engine;
    }

    /** Passes now and every {@code interval}, when there is a rule to apply. */
    public void start(Duration interval) {
        if (retention.deletes()) {
            timer.scheduleWithFixedDelay(this::pass, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One pass over every cluster with backups. A failure (the store's machine, a deletion) is
     * logged and leaves the rest to the next pass; a cluster's failure does not stop the others.
     */
    void pass() {
        try {
            for (String cluster : retention.clustersWithBackups()) {
                try {
                    engine.runIfIdle(DeleteBackup.lockKey(cluster), () -> retention.apply(cluster));
                } catch (RuntimeException e) {
                    LOG.warn("cluster {}: backup retention failed: {}", cluster, e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("backup retention pass failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
