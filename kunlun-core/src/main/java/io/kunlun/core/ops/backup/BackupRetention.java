package io.kunlun.core.ops.backup;

import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.config.BackupConfig;
import io.kunlun.core.engines.GtidPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Deleting backups, one on request (delete_backup) or by the configured retention after each
 * backup_cluster and in the leader's {@link RetentionPasses}, and with them the archived binlogs that only the deleted backups needed: each
 * shard's files whose transactions are all at or before the oldest kept backup's position of
 * that shard. With no backup left the archive stays whole (it replays the cluster from its start).
 * A backup a restore reads is not deleted ({@link BackupReads}).
 */
public final class BackupRetention {
    private static final Logger LOG = LoggerFactory.getLogger(BackupRetention.class);
    private final BackupStore backups;
    private final BinlogArchive archive;
    private final BackupConfig.Retention retention;
    private final Clock clock;
    private final BackupReads reads;

    /** What a deletion did: the archived binlog files it deleted, and the job reading each backup it left. */
    record Deletion(List<String> prunedBinlogs, Map<BackupManifest, String> beingRead) {
    }

    public BackupRetention(BackupStore backups, BinlogArchive archive, BackupConfig.Retention retention, Clock clock,
                           BackupReads reads) {
        this.backups = backups;
        this.reads = reads;
        this.archive = archive;
        this.retention = retention;
        this.clock = clock;
    }

    /** The complete backup of that cluster and id, if the store has it. */
    Optional<BackupManifest> find(String cluster, String backupId) {
        return backups.list(Optional.of(cluster)).stream().filter(backup -> backup.backupId().equals(backupId))
                .findFirst();
    }

    /**
     * Deletes the backups no restore reads, then the archived binlogs older than the oldest
     * backup left (a backup left because a restore reads it keeps what it needs).
     */
    Deletion delete(String cluster, List<BackupManifest> doomed) {
        Map<BackupManifest, String> beingRead = new LinkedHashMap<>();
        for (BackupManifest backup : doomed) {
            reads.deleteUnlessRead(backup, () -> backups.delete(backup)).ifPresent(job -> beingRead.put(backup, job));
        }
        List<BackupManifest> kept = backups.list(Optional.of(cluster));
        List<String> pruned = new ArrayList<>();
        if (!kept.isEmpty()) {
            for (BackupManifest.ShardCopy shard : kept.get(0).shards()) {
                pruned.addAll(archive.prune(cluster, shard.name(), new GtidPosition(shard.gtidPosition())));
            }
        }
        return new Deletion(pruned, beingRead);
    }

    /** Whether the configuration sets a rule: without one the retention never deletes. */
    boolean deletes() {
        return retention.keepBackups() != null || retention.keepDays() != null;
    }

    /** The clusters the store holds complete backups of, deleted clusters too, in name order. */
    List<String> clustersWithBackups() {
        return backups.list(Optional.empty()).stream().map(BackupManifest::cluster).distinct().sorted().toList();
    }

    /**
     * Deletes the cluster's expired backups, those a restore reads left for a later pass (the
     * log names them). Answers how many it deleted.
     */
    int apply(String cluster) {
        List<BackupManifest> expired = expired(cluster);
        if (expired.isEmpty()) {
            return 0;
        }
        Deletion deletion = delete(cluster, expired);
        deletion.beingRead().forEach((backup, job) -> LOG.info(
                "cluster {}: retention keeps backup {} while restore job {} reads it", cluster, backup.backupId(), job));
        return expired.size() - deletion.beingRead().size();
    }

    /** The cluster's backups the retention deletes now: oldest first, never the newest. */
    List<BackupManifest> expired(String cluster) {
        List<BackupManifest> all = backups.list(Optional.of(cluster));
        List<BackupManifest> expired = new ArrayList<>();
        Instant now = clock.instant();
        for (int i = 0; i < all.size() - 1; i++) {
            int newer = all.size() - 1 - i;
            boolean beyondCount = retention.keepBackups() != null && newer >= retention.keepBackups();
            boolean tooOld = retention.keepDays() != null && Instant.parse(all.get(i).consistentAt())
                    .isBefore(now.minus(Duration.ofDays(retention.keepDays())));
            if (beyondCount || tooOld) {
                expired.add(all.get(i));
            }
        }
        return expired;
    }
}
