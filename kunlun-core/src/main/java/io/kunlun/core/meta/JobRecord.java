package io.kunlun.core.meta;

import io.kunlun.model.job.JobStatus;

/** A job as stored: its status, the canonical request body, and the lock it queues on. */
public record JobRecord(long seq, JobStatus status, String requestJson, String lockKey) {
    public String jobId() {
        return status.jobId();
    }
}
