package io.kunlun.core.ops.backup;

import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.backup.binlog.BinlogReplay;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What restore_new_cluster and restore_cluster share of reading a backup back: which backup a
 * point in time restores and which archived binlogs bring it up to that time (and the refusals
 * when none does), the store file of a shard's copy, the replay of archived binlogs onto a
 * restored primary, and the comps' schema from the backup. The backup chosen is held as read by
 * the job ({@link BackupReads}) from its choice until the job calls {@link #release}.
 */
public final class StoredBackupRestore {
    /** Replaying is bounded like a state transfer: it may apply hours of a busy shard's writes. */
    private static final Duration REPLAY_TIMEOUT = Duration.ofHours(6);

    /**
     * The backup a point in time restores, and each shard's archived binlogs to replay up to it
     * (none for a shard whose archive does not reach past the backup, when the point in time is
     * the backup's own second).
     */
    record Choice(BackupManifest backup, Map<String, BinlogReplay.Range> replays) {
    }

    private final Drivers drivers;
    private final BackupStore backups;
    private final BinlogReplay replay;
    private final BinlogArchive archive;
    private final BackupReads reads;

    StoredBackupRestore(Drivers drivers, BackupStore backups, BinlogArchiving archiving, BackupReads reads) {
        this.drivers = drivers;
        this.backups = backups;
        this.reads = reads;
        this.archive = archiving.archive();
        this.replay = new BinlogReplay(archive);
    }

    /**
     * The latest complete backup of {@code source} taken at or before the point in time, checked
     * file by file against its manifest, and the archived binlogs from it up to the point in
     * time. Refuses a point in the future, before the first backup, or after the chosen backup
     * where the archive does not cover the time between; a backup of another format; a damaged
     * one. The backup is held as read by the job (not by a dry run) once chosen, and released
     * again when this refuses it; the caller releases it when the rest of its check fails, and
     * once its run ended.
     */
    Choice choose(String source, LocalDateTime pointInTime, JobContext context) {
        String asked = BinlogArchive.SECOND.format(pointInTime);
        LocalDateTime now = LocalDateTime.now(archive.zone()).truncatedTo(ChronoUnit.SECONDS);
        if (pointInTime.isAfter(now)) {
            throw ManagerException.refused("timestamp " + asked + " is in the future: the manager's time is "
                    + BinlogArchive.SECOND.format(now) + " (" + archive.zone() + ")");
        }
        Supplier<BackupManifest> latest = () -> latestBackup(source, pointInTime, asked);
        BackupManifest backup = context.isDryRun() ? latest.get() : reads.choose(context.jobId(), latest);
        return releasingOnFailure(context, () -> {
            Map<String, BinlogReplay.Range> replays = replays(source, backup, pointInTime);
            if (backup.format() != BackupManifest.FORMAT) {
                throw ManagerException.refused("backup " + backup.backupId() + " of cluster " + source
                        + " has format " + backup.format() + "; this manager reads format " + BackupManifest.FORMAT);
            }
            context.step("verifying backup " + backup.backupId() + " of cluster " + source, 0, 2);
            requireIntact(backup);
            return new Choice(backup, replays);
        });
    }

    /** The latest complete backup of {@code source} taken at or before the point in time. */
    private BackupManifest latestBackup(String source, LocalDateTime pointInTime, String asked) {
        List<BackupManifest> complete = backups.list(Optional.of(source));
        if (complete.isEmpty()) {
            throw ManagerException.notFound("backup store " + backups.location() + " holds no backup of cluster "
                    + source);
        }
        return complete.stream().filter(manifest -> !backupTime(manifest).isAfter(pointInTime))
                .reduce((earlier, later) -> later)
                .orElseThrow(() -> ManagerException.refused("timestamp " + asked + " is before the first backup of"
                        + " cluster " + source + ", taken at " + backupTimeText(complete.get(0))));
    }

    /** What {@code check} answers; the job's backup is released when it fails. */
    <T> T releasingOnFailure(JobContext context, Supplier<T> check) {
        try {
            return check.get();
        } catch (RuntimeException | Error e) {
            release(context);
            throw e;
        }
    }

    /** The job no longer reads the backup it chose: deletions may take it again. */
    void release(JobContext context) {
        if (!context.isDryRun()) {
            reads.release(context.jobId());
        }
    }

    /**
     * Each shard's archived binlogs from its backup's GTID position up to the point in time. A
     * point in time after the backup's second needs them for every shard, and is refused with the
     * archive's reason otherwise. At the backup's own second nothing is replayed: the archive may
     * not have reached the copy's position yet (it is a few events behind the primary at times),
     * and its last event's time alone cannot tell; the restore is then the backup's consistent
     * point, within that second.
     */
    private Map<String, BinlogReplay.Range> replays(String source, BackupManifest backup, LocalDateTime pointInTime) {
        boolean pastTheBackup = pointInTime.isAfter(backupTime(backup));
        Map<String, BinlogReplay.Range> replays = new LinkedHashMap<>();
        if (!pastTheBackup) {
            return replays;
        }
        if (HaMode.fromWire("ha_mode", backup.spec().haMode()) == HaMode.MGR) {
            // Galera members number transactions each in their own binary log: the backup's
            // position, taken on one member, says nothing about another member's archive.
            throw ManagerException.refused("point-in-time restore of an mgr cluster past a backup's time is not"
                    + " supported yet (its members' binary logs do not share transaction ids); restore " + source
                    + " at the time of one of its backups, e.g. " + backupTimeText(backup));
        }
        for (BackupManifest.ShardCopy copy : backup.shards()) {
            replays.put(copy.name(), replay.check(source, copy.name(), new GtidPosition(copy.gtidPosition()),
                    pointInTime));
        }
        return replays;
    }

    /**
     * The backup's time in the configured zone, to the second as backup_cluster's info shows it,
     * from its consistent instant: the manifest's own {@code backup_time} is in the zone of the
     * day it was taken, which may have been changed since.
     */
    LocalDateTime backupTime(BackupManifest manifest) {
        return archive.localTime(Instant.parse(manifest.consistentAt())).truncatedTo(ChronoUnit.SECONDS);
    }

    /** {@link #backupTime} as replies show it. */
    String backupTimeText(BackupManifest manifest) {
        return BinlogArchive.SECOND.format(backupTime(manifest));
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
     * stands up to the point in time (nothing when the shard has no range to replay), before any
     * replica is built from it: the step that makes every shard show the same moment. The
     * primary's slave position then becomes its binary log's, so that replicas seeded from it
     * start after the replayed transactions.
     */
    void replayArchivedBinlogs(Choice choice, String shard, Instance primary, JobContext context, int done,
                               int total) {
        BinlogReplay.Range range = choice.replays().get(shard);
        if (range == null) {
            return;
        }
        context.step("replaying " + range.files().size() + " archived binlog files of " + shard + " onto "
                + primary.address() + " up to " + BinlogArchive.SECOND.format(range.until()), done, total);
        StorageEngine engine = drivers.storage(primary.hostaddr());
        StorageNode node = drivers.storageNode(primary);
        ClusterBuilder.naming(shard + " node ", () -> {
            replay.apply(range, engine.client(node), REPLAY_TIMEOUT);
            engine.adoptBinlogPosition(node);
        });
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
