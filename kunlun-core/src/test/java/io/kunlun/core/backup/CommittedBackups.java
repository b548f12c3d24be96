package io.kunlun.core.backup;

import java.util.List;

/** Complete backups made in a store for tests, without copying anything. */
public final class CommittedBackups {
    private CommittedBackups() {
    }

    /** A complete backup of no files, consistent at the time its id names. */
    public static BackupManifest committed(DirectoryBackupStore store, String cluster, String backupId) {
        store.create(cluster, backupId, "job-" + backupId);
        String at = java.time.LocalDateTime.parse(backupId, java.time.format.DateTimeFormatter.ofPattern(
                "yyyyMMdd'T'HHmmss'Z'")).toInstant(java.time.ZoneOffset.UTC).toString();
        BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT, backupId, cluster, "job-" + backupId,
                new BackupManifest.Spec("rbr", 1, 2, 1, 20, 100, 1, 1), at, at, at, at, List.of(), List.of());
        store.commit(manifest);
        return manifest;
    }
}
