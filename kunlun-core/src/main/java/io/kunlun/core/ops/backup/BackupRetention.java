package io.kunlun.core.ops.backup;

import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.config.BackupConfig;
import io.kunlun.core.engines.GtidPosition;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Deleting backups, one on request (delete_backup) or by the configured retention after each
 * backup_cluster, and with them the archived binlogs that only the deleted backups needed: each
 * shard's files whose transactions are all at or before the oldest kept backup's position of
 * that shard. With no backup left the archive stays whole (it replays the cluster from its start).
 */
public final class BackupRetention {
    private final BackupStore backups;
    private final BinlogArchive archive;
    private final BackupConfig.Retention retention;
    private final Clock clock;

    public BackupRetention(BackupStore backups, BinlogArchive archive, BackupConfig.Retention retention, Clock clock) {
        this.backups = backups;
        this.archive = archive;
        this.retention = retention;
        this.clock = clock;
    }

    /** The complete backup of that cluster and id, if the store has it. */
    Optional<BackupManifest> find(String cluster, String backupId) {
        return backups.list(Optional.of(cluster)).stream().filter(backup -> backup.backupId().equals(backupId))
                .findFirst();
    }

    /** Deletes the backups, then the archived binlogs older than the oldest backup left. Answers the binlog files deleted. */
    List<String> delete(String cluster, List<BackupManifest> doomed) {
        doomed.forEach(backups::delete);
        List<BackupManifest> kept = backups.list(Optional.of(cluster));
        List<String> pruned = new ArrayList<>();
        if (kept.isEmpty()) {
            return pruned;
        }
        for (BackupManifest.ShardCopy shard : kept.get(0).shards()) {
            pruned.addAll(archive.prune(cluster, shard.name(), new GtidPosition(shard.gtidPosition())));
        }
        return pruned;
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
