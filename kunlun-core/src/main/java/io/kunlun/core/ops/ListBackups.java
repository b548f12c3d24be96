package io.kunlun.core.ops;

import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * list_backups (extension): the complete backups in the store, oldest first,
 * {@code {"backups":[{"cluster":..,"backup_id":..,"time":..,"bytes":..,"shards":[..],"comps":[..]}]}}.
 * Read from the store alone, so a deleted cluster's backups are listed too.
 */
public final class ListBackups implements Query<JobRequest.ListBackups> {
    private final BackupStore backups;

    public ListBackups(BackupStore backups) {
        this.backups = backups;
    }

    @Override
    public JobType type() {
        return JobType.LIST_BACKUPS;
    }

    @Override
    public Map<String, Object> answer(JobRequest.ListBackups request) {
        List<Map<String, Object>> listed = backups.list(request.clusterName()).stream().map(ListBackups::entry)
                .toList();
        return Map.of("backups", listed);
    }

    private static Map<String, Object> entry(BackupManifest manifest) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("cluster", manifest.cluster());
        entry.put("backup_id", manifest.backupId());
        entry.put("time", manifest.backupTime());
        entry.put("bytes", String.valueOf(manifest.bytes()));
        entry.put("shards", manifest.shards().stream().map(BackupManifest.ShardCopy::name).toList());
        entry.put("comps", manifest.comps().stream().map(BackupManifest.CompSchema::name).toList());
        entry.put("job_id", manifest.jobId());
        return entry;
    }
}
