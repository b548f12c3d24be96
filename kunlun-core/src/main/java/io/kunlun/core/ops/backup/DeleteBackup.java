package io.kunlun.core.ops.backup;

import io.kunlun.core.ops.Operation;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Optional;

/**
 * delete_backup (extension): deletes one complete backup of a cluster from the store (the cluster
 * itself may be gone), and the archived binlogs older than the oldest backup left. Refused for a
 * backup the store does not hold complete, and for one a restore reads ({@link BackupReads}).
 * What it deleted cannot come back, so a job cut off by a restart finishes when the manager starts
 * again.
 */
public final class DeleteBackup implements Operation<JobRequest.DeleteBackup, Optional<BackupManifest>> {
    private final BackupStore backups;
    private final BackupRetention retention;
    private final BackupReads reads;

    public DeleteBackup(BackupStore backups, BackupRetention retention, BackupReads reads) {
        this.backups = backups;
        this.retention = retention;
        this.reads = reads;
    }

    @Override
    public JobType type() {
        return JobType.DELETE_BACKUP;
    }

    /** The cluster's key: a deletion never runs beside a backup of the same cluster. */
    @Override
    public String lockKey(JobRequest.DeleteBackup request) {
        return lockKey(request.name());
    }

    /** The key a deletion of the cluster's backups queues on, the key of its backups too. */
    static String lockKey(String cluster) {
        return "cluster:" + cluster;
    }

    @Override
    public boolean resumesAfterRestart() {
        return true;
    }

    @Override
    public Optional<BackupManifest> check(JobRequest.DeleteBackup request, JobContext context) {
        Optional<BackupManifest> backup = retention.find(request.name(), request.backupId());
        if (backup.isEmpty() && !context.resumed()) {
            throw ManagerException.notFound("backup store " + backups.location() + " holds no backup "
                    + request.backupId() + " of cluster " + request.name());
        }
        backup.ifPresent(found -> reads.reader(found).ifPresent(job -> {
            throw ManagerException.conflict(BackupReads.beingRead(found, job));
        }));
        return backup;
    }

    @Override
    public String run(JobRequest.DeleteBackup request, Optional<BackupManifest> found, JobContext context) {
        if (found.isEmpty()) {
            return request.backupId(); // a resumed job that had deleted it already
        }
        BackupManifest backup = found.get();
        context.step("deleting backup " + backup.backupId() + " of cluster " + backup.cluster(), 0, 1);
        BackupRetention.Deletion deletion = retention.delete(backup.cluster(), List.of(backup));
        // A restore that chose the backup since the check: it is kept, and the job says why.
        deletion.beingRead().forEach((read, job) -> {
            throw ManagerException.conflict(BackupReads.beingRead(read, job));
        });
        context.step("deleted, with " + deletion.prunedBinlogs().size() + " archived binlog files", 1, 1);
        return backup.backupId();
    }
}
