package io.kunlun.core.ops;

import io.kunlun.core.jobs.JobContext;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Map;

/**
 * One job type. {@link #check} validates against the current state and plans, without side
 * effects; {@link #run} makes the plan real, recording each side effect in the undo log (through
 * the context) before making it, so that a failure or a restart can take it back.
 *
 * @param <R> the request type
 * @param <P> the plan {@code check} hands to {@code run}
 */
public interface Operation<R extends JobRequest, P> {
    JobType type();

    /**
     * The key of the FIFO lock this job queues on: jobs with the same key run one at a time in
     * the order they were accepted. Called once, when the job is accepted.
     */
    String lockKey(R request);

    P check(R request, JobContext context);

    /**
     * What a dry run shows of the plan: the instances it would place or remove, each with its
     * machine, ports and directories, and what else it would touch. Never a secret: a plan may
     * hold new passwords. Nothing beyond "the check passed" by default.
     */
    default Map<String, Object> describe(P plan) {
        return Map.of();
    }

    /**
     * Returns the job's info on success (the table "info on done" of the API). A run whose last
     * side effect is a metadata write makes it through {@link JobContext#complete}, so that a
     * manager killed after it ends the job done rather than rolling it back.
     */
    String run(R request, P plan, JobContext context);

    /**
     * What becomes of a job of this type that was running when the manager stopped: false (the
     * default) rolls it back from its undo log and fails it; true runs it again, check then run,
     * when the manager starts again. An operation that destroys what it cannot restore (a
     * deletion) answers true; it must then finish from whatever point a previous run reached,
     * see {@link JobContext#resumed()}.
     */
    default boolean resumesAfterRestart() {
        return false;
    }
}
