package io.kunlun.core.ops.backup;

import io.kunlun.core.backup.BackupManifest;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The backups that running restores read, so that no deletion takes one from under a restore.
 * A restore does not hold the lock of the cluster it restores from (restore_new_cluster holds
 * its new cluster's, restore_cluster its target's): holding the source's would stop its backups,
 * retention and every other change to it for as long as the restore runs, and a source that is
 * gone has no jobs to stop. Instead delete_backup refuses a backup a restore reads, and the
 * retention keeps it until a pass after that restore ended.
 *
 * <p>Only the leader runs jobs, so the readers held in its manager are all there are. A
 * restore's choice of its backup and its claim are one step under this object's monitor, and so
 * is each deletion: a restore never chooses a backup a deletion has begun on, and a deletion
 * never begins on a backup a restore chose.
 */
public final class BackupReads {
    private record Read(String cluster, String backupId) {
    }

    /** The backup each restore job reads. */
    private final Map<String, Read> byJob = new HashMap<>();

    /** Chooses a backup for the job and holds it as read by the job until {@link #release}. */
    synchronized BackupManifest choose(String jobId, Supplier<BackupManifest> choice) {
        BackupManifest backup = choice.get();
        byJob.put(jobId, new Read(backup.cluster(), backup.backupId()));
        return backup;
    }

    /** The job no longer reads its backup (it ended, or failed before reading). */
    synchronized void release(String jobId) {
        byJob.remove(jobId);
    }

    /** The job reading the backup, if any. */
    synchronized Optional<String> reader(BackupManifest backup) {
        Read read = new Read(backup.cluster(), backup.backupId());
        return byJob.entrySet().stream().filter(entry -> entry.getValue().equals(read)).map(Map.Entry::getKey)
                .findFirst();
    }

    /**
     * Runs the deletion of the backup unless a restore reads it. Answers the job reading it, or
     * nothing once the backup is deleted.
     */
    synchronized Optional<String> deleteUnlessRead(BackupManifest backup, Runnable deletion) {
        Optional<String> reader = reader(backup);
        if (reader.isEmpty()) {
            deletion.run();
        }
        return reader;
    }

    /** Why a backup is not deleted now. */
    static String beingRead(BackupManifest backup, String jobId) {
        return "backup " + backup.backupId() + " of cluster " + backup.cluster() + " is being read by restore job "
                + jobId + "; delete it once that job ended";
    }
}
