package io.kunlun.core.meta;

import io.kunlun.model.job.JobStatus;

import java.util.Optional;

/**
 * A job as stored: its status, the canonical request body, the lock it queues on, and, for an
 * ongoing job that is being rolled back, why.
 */
public record JobRecord(long seq, JobStatus status, String requestJson, String lockKey,
                        Optional<String> rollbackCause) {
    public String jobId() {
        return status.jobId();
    }
}
