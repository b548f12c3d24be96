package io.kunlun.core.jobs;

import io.kunlun.core.ops.Operation;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

/**
 * The frame of the test operations: one job type, queued on the lock of the cluster its request
 * names, nothing to check. Subclasses say what {@code run} does.
 */
abstract class ClusterOperation implements Operation<JobRequest, Void> {
    private final JobType type;

    ClusterOperation(JobType type) {
        this.type = type;
    }

    @Override
    public JobType type() {
        return type;
    }

    @Override
    public String lockKey(JobRequest request) {
        return "cluster:" + request.clusterName().orElseThrow();
    }

    @Override
    public Void check(JobRequest request, JobContext context) {
        return null;
    }

    static String clusterOf(JobRequest request) {
        return request.clusterName().orElseThrow();
    }
}
