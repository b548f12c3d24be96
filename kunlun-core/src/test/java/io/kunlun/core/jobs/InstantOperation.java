package io.kunlun.core.jobs;

import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** add_comps for tests: succeeds at once and counts its runs per job. */
final class InstantOperation extends ClusterOperation {
    private final Map<String, AtomicInteger> runsPerJob = new ConcurrentHashMap<>();

    InstantOperation() {
        super(JobType.ADD_COMPS);
    }

    @Override
    public String run(JobRequest request, Void plan, JobContext context) {
        runsPerJob.computeIfAbsent(context.jobId(), id -> new AtomicInteger()).incrementAndGet();
        return "added comps to " + clusterOf(request);
    }

    int runsOf(String jobId) {
        AtomicInteger runs = runsPerJob.get(jobId);
        return runs == null ? 0 : runs.get();
    }
}
