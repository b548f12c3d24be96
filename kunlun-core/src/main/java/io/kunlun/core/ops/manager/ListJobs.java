package io.kunlun.core.ops.manager;

import io.kunlun.core.ops.Query;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Map;

/** list_jobs (extension): the newest jobs, {@code {"jobs":[<get_status reply>,...]}}. */
public final class ListJobs implements Query<JobRequest.ListJobs> {
    private final JobEngine engine;

    public ListJobs(JobEngine engine) {
        this.engine = engine;
    }

    @Override
    public JobType type() {
        return JobType.LIST_JOBS;
    }

    @Override
    public Map<String, Object> answer(JobRequest.ListJobs request) {
        return Map.of("jobs", engine.newest(request.limit()).stream().map(ClusterManager::render).toList());
    }
}
