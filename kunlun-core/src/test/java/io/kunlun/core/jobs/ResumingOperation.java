package io.kunlun.core.jobs;

import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * delete_shard for tests: an operation that resumes after a restart. Its check throws the
 * failure it was given, if any; its run records the job and whether the context said it resumed
 * (at check and at run), in the order jobs ran, reports a step and succeeds.
 */
final class ResumingOperation extends ClusterOperation {
    /** One run of a job: whether its context said it resumed, at check and at run. */
    record Run(String jobId, boolean resumedAtCheck, boolean resumedAtRun) {
    }

    private final Optional<RuntimeException> failure;
    private final List<Run> runs = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Boolean> resumedAtCheck = new ThreadLocal<>();

    ResumingOperation(Optional<RuntimeException> failure) {
        super(JobType.DELETE_SHARD);
        this.failure = failure;
    }

    @Override
    public boolean resumesAfterRestart() {
        return true;
    }

    @Override
    public Void check(JobRequest request, JobContext context) {
        resumedAtCheck.set(context.resumed());
        if (failure.isPresent()) {
            throw failure.get();
        }
        return null;
    }

    @Override
    public String run(JobRequest request, Void plan, JobContext context) {
        runs.add(new Run(context.jobId(), resumedAtCheck.get(), context.resumed()));
        context.step("deleting " + clusterOf(request), 1, 2);
        return "deleted " + clusterOf(request);
    }

    List<Run> runs() {
        return List.copyOf(runs);
    }
}
