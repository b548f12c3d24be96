package io.kunlun.core.ops.backup;

import io.kunlun.core.ops.Query;

import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * list_backups (extension): the complete backups in the store, oldest first,
 * {@code {"backups":[{"cluster":..,"backup_id":..,"time":..,"bytes":..,"shards":[..],"comps":[..]}],
 * "archive":[{"cluster":..,"from":..,"until":..,"lag_bytes":..,"shards":[{"shard":..,"from":..,"until":..,
 * "lag_bytes":..}]}]}}: the binlog archive of each cluster, the span every shard covers (from the
 * latest first event to the earliest last one) in the manager's zone, and the largest lag. Read
 * from the store alone, so a deleted cluster's backups and archive are listed too (without lag).
 */
public final class ListBackups implements Query<JobRequest.ListBackups> {
    private final BackupStore backups;
    private final BinlogArchiving archiving;

    public ListBackups(BackupStore backups, BinlogArchiving archiving) {
        this.backups = backups;
        this.archiving = archiving;
    }

    @Override
    public JobType type() {
        return JobType.LIST_BACKUPS;
    }

    @Override
    public Map<String, Object> answer(JobRequest.ListBackups request) {
        BinlogArchive archive = archiving.archive();
        List<Map<String, Object>> listed = backups.list(request.clusterName()).stream()
                .map(manifest -> entry(manifest, archive)).toList();
        Map<String, Map<String, Long>> lags = archiving.lagBytes();
        List<Map<String, Object>> archives = new ArrayList<>();
        for (String cluster : archive.clusters()) {
            if (request.clusterName().isEmpty() || request.clusterName().get().equals(cluster)) {
                archives.add(archiveEntry(archive, cluster, lags.getOrDefault(cluster, Map.of())));
            }
        }
        return Map.of("backups", listed, "archive", archives);
    }

    private static Map<String, Object> archiveEntry(BinlogArchive archive, String cluster, Map<String, Long> lags) {
        List<Map<String, Object>> shards = new ArrayList<>();
        Optional<LocalDateTime> from = Optional.empty();
        Optional<LocalDateTime> until = Optional.empty();
        boolean everyShard = true;
        for (String shard : archive.shards(cluster)) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("shard", shard);
            Optional<BinlogArchive.Interval> interval = archive.interval(cluster, shard);
            if (interval.isPresent()) {
                entry.put("from", BinlogArchive.SECOND.format(interval.get().from()));
                entry.put("until", BinlogArchive.SECOND.format(interval.get().until()));
                from = from.filter(time -> time.isAfter(interval.get().from())).or(() -> Optional.of(interval.get().from()));
                until = until.filter(time -> time.isBefore(interval.get().until())).or(() -> Optional.of(interval.get().until()));
            } else {
                everyShard = false;
            }
            Optional.ofNullable(lags.get(shard)).ifPresent(lag -> entry.put("lag_bytes", String.valueOf(lag)));
            shards.add(entry);
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("cluster", cluster);
        if (everyShard && from.isPresent()) {
            entry.put("from", BinlogArchive.SECOND.format(from.get()));
            entry.put("until", BinlogArchive.SECOND.format(until.orElseThrow()));
        }
        lags.values().stream().max(Long::compare).ifPresent(lag -> entry.put("lag_bytes", String.valueOf(lag)));
        entry.put("shards", shards);
        return entry;
    }

    /** A backup, its time in the configured zone (the manifest's own is in the zone of the day it was taken). */
    private static Map<String, Object> entry(BackupManifest manifest, BinlogArchive archive) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("cluster", manifest.cluster());
        entry.put("backup_id", manifest.backupId());
        entry.put("time", archive.timeOf(Instant.parse(manifest.consistentAt())));
        entry.put("bytes", String.valueOf(manifest.bytes()));
        entry.put("shards", manifest.shards().stream().map(BackupManifest.ShardCopy::name).toList());
        entry.put("comps", manifest.comps().stream().map(BackupManifest.CompSchema::name).toList());
        entry.put("job_id", manifest.jobId());
        return entry;
    }
}
