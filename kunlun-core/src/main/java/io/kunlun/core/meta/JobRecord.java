package io.kunlun.core.meta;

import io.kunlun.model.job.JobStatus;

import java.util.Optional;

/**
 * A job as stored: its status, the canonical request body, the lock it queues on, for an ongoing
 * job that is being rolled back, why, and for an ongoing job whose run completed (its last
 * metadata write made, see {@link JobTable#recordCompletion}), the info it ends done with.
 */
public record JobRecord(long seq, JobStatus status, String requestJson, String lockKey,
                        Optional<String> rollbackCause, Optional<String> completedInfo) {
    public String jobId() {
        return status.jobId();
    }
}
