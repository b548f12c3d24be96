package io.kunlun.core.ops.manager;

import io.kunlun.core.ops.Query;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * list_jobs (extension): the newest jobs, {@code {"jobs":[<get_status reply>,...]}}; only those of
 * {@code filter_job_type}, and only the automatic ones (what the manager did on its own) with
 * {@code "automatic": "1"}.
 */
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
    public boolean readsMetadataOnly() {
        return true;
    }

    @Override
    public Map<String, Object> answer(JobRequest.ListJobs request) {
        List<JobType> types = Arrays.stream(JobType.values())
                .filter(type -> request.jobType().map(type::equals).orElse(true))
                .filter(type -> !request.automaticOnly() || type.isAutomatic())
                .toList();
        if (types.isEmpty()) {
            return Map.of("jobs", List.of()); // a type that is not automatic, asked for automatic jobs only
        }
        List<JobType> filter = types.size() == JobType.values().length ? List.of() : types;
        return Map.of("jobs", engine.newest(request.limit(), filter).stream().map(ClusterManager::render).toList());
    }
}
