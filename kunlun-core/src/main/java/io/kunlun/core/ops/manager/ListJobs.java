package io.kunlun.core.ops.manager;

import io.kunlun.core.ops.Query;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.ManagerException;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.JobType;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * list_jobs (extension): the newest jobs, {@code {"jobs":[<get_status reply>,...]}}; only those of
 * {@code filter_job_type}, and only the automatic ones (what the manager did on its own) with
 * {@code "automatic": "1"}. At most {@code limit} (1000) jobs a reply: a client pages through the
 * rest with {@code before}, the {@code next_before} of the reply before, which is absent from the
 * last page. Pages follow the order jobs were accepted in, so a job accepted meanwhile shows on
 * the first page only, never shifting the others.
 */
public final class ListJobs implements Query<JobRequest.ListJobs> {
    /** In a reply with older jobs than it shows: the {@code before} of the next page. */
    static final String NEXT_PAGE = "next_before";
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
        // One job more than the page shows tells whether an older page exists.
        List<JobStatus> page = engine.newest(request.limit() + 1, filter, request.before())
                .orElseThrow(() -> ManagerException.refused("before: no job with id " + request.before().orElseThrow()
                        + " (it was never accepted, or has been pruned since: list again from the newest)"));
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("jobs", page.stream().limit(request.limit()).map(ClusterManager::render).toList());
        if (page.size() > request.limit()) {
            reply.put(NEXT_PAGE, page.get(request.limit() - 1).jobId());
        }
        return reply;
    }
}
