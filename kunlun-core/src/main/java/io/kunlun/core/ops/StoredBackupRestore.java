package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.model.Instance;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * What restore_new_cluster and restore_cluster share of reading a backup back: which backup a
 * point in time restores (and the refusals when none does), the store file of a shard's copy,
 * the replay of archived binlogs onto a restored primary, and the comps' schema from the backup.
 */
final class StoredBackupRestore {
    /** Where in a shard's history its backup stands: where replaying archived binlogs starts. */
    record ReplayStart(String binlogFile, long binlogOffset, GtidPosition gtid) {
        static ReplayStart of(BackupManifest.ShardCopy copy) {
            return new ReplayStart(copy.binlogFile(), copy.binlogOffset(), new GtidPosition(copy.gtidPosition()));
        }
    }

    private final BackupStore backups;

    StoredBackupRestore(BackupStore backups) {
        this.backups = backups;
    }

    /**
     * The latest complete backup of {@code source} taken at or before the point in time, checked
     * file by file against its manifest. Refuses a point in the future, before the first backup,
     * or after the chosen backup while no binlog archive covers the time between; a backup of
     * another format; a damaged one. No side effect.
     */
    BackupManifest choose(String source, LocalDateTime pointInTime, JobContext context) {
        String asked = BackupCluster.BACKUP_TIME.format(pointInTime.atZone(ZoneId.systemDefault()));
        LocalDateTime now = LocalDateTime.now(ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS);
        if (pointInTime.isAfter(now)) {
            throw ManagerException.refused("timestamp " + asked + " is in the future: the manager's time is "
                    + BackupCluster.BACKUP_TIME.format(now.atZone(ZoneId.systemDefault())) + " ("
                    + ZoneId.systemDefault() + ")");
        }
        List<BackupManifest> complete = backups.list(Optional.of(source));
        if (complete.isEmpty()) {
            throw ManagerException.notFound("backup store " + backups.location() + " holds no backup of cluster "
                    + source);
        }
        BackupManifest backup = complete.stream().filter(manifest -> !backupTime(manifest).isAfter(pointInTime))
                .reduce((earlier, later) -> later)
                .orElseThrow(() -> ManagerException.refused("timestamp " + asked + " is before the first backup of"
                        + " cluster " + source + ", taken at " + complete.get(0).backupTime()));
        if (pointInTime.isAfter(backupTime(backup))) {
            throw ManagerException.refused("no binlog archive covers " + backup.backupTime() + " to " + asked
                    + " for cluster " + source);
        }
        if (backup.format() != BackupManifest.FORMAT) {
            throw ManagerException.refused("backup " + backup.backupId() + " of cluster " + source + " has format "
                    + backup.format() + "; this manager reads format " + BackupManifest.FORMAT);
        }
        context.step("verifying backup " + backup.backupId() + " of cluster " + source, 0, 2);
        requireIntact(backup);
        return backup;
    }

    static LocalDateTime backupTime(BackupManifest manifest) {
        return LocalDateTime.parse(manifest.backupTime(), BackupCluster.BACKUP_TIME);
    }

    /** Every file of the backup is in the store as the manifest describes it (size and SHA-256). */
    private void requireIntact(BackupManifest backup) {
        backups.firstMismatch(backup).ifPresent(mismatch -> {
            throw ManagerException.refused("backup " + backup.backupId() + " of cluster " + backup.cluster()
                    + " is damaged: " + mismatch.recorded().path() + " holds " + mismatch.stored().bytes()
                    + " bytes with sha256 " + mismatch.stored().sha256() + ", the manifest says "
                    + mismatch.recorded().bytes() + " bytes with sha256 " + mismatch.recorded().sha256());
        });
    }

    /** The stored stream of the shard's copy, on the store's machine. */
    BackupStore.StoreFile shardFile(BackupManifest backup, BackupManifest.ShardCopy copy) {
        return backups.file(backup.cluster(), backup.backupId(), copy.file().path());
    }

    /** The backup's copy of the shard of that name. */
    static BackupManifest.ShardCopy copyOf(BackupManifest backup, String shard) {
        return backup.shards().stream().filter(copy -> copy.name().equals(shard)).findFirst().orElseThrow();
    }

    /**
     * Replays the shard's archived binary logs onto its restored primary, from where its backup
     * stands up to the point in time, before any replica is built from it: the step that makes
     * every shard show the same moment. There is no binlog archive yet, so {@link #choose}
     * accepts only a point in time no later than the backup's, which holds nothing to replay.
     */
    static void replayArchivedBinlogs(String shard, Instance primary, BackupManifest backup,
                                      LocalDateTime pointInTime) {
        ReplayStart from = ReplayStart.of(copyOf(backup, shard));
        if (pointInTime.isAfter(backupTime(backup))) {
            throw new ManagerException(ManagerException.Code.INTERNAL, shard + " node " + primary.address()
                    + ": no binlog archive to replay from " + from.binlogFile() + ":" + from.binlogOffset() + " (GTID "
                    + from.gtid() + ") up to " + pointInTime);
        }
    }

    /** The backup's schema of the comp of that name and its roles: the texts its dump files hold. */
    CompSchemaText compSchema(BackupManifest backup, String comp) {
        BackupManifest.CompSchema schema = backup.comps().stream().filter(dumped -> dumped.name().equals(comp))
                .findFirst().orElseThrow();
        return new CompSchemaText(schema.database(), backups.read(backup.cluster(), backup.backupId(),
                schema.roles().path()), backups.read(backup.cluster(), backup.backupId(), schema.schema().path()));
    }

    /** A comp's client database, its roles and its schema as SQL. */
    record CompSchemaText(String database, String roles, String schema) {
    }
}
