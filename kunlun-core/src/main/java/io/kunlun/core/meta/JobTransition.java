package io.kunlun.core.meta;

import io.kunlun.model.job.JobState;

/**
 * The job state machine, accept → ongoing → done | failed, where a job the manager stopped in the
 * middle of may go ongoing → ongoing once per restart to run again. Every change of a job's state
 * is one of these transitions, written to the job's row only while the row is still in the
 * transition's source state: two parties (a worker and recovery, two workers) can never both move
 * one job. RESUME is the exception (its source is its target, so the guard always holds): it is
 * safe because only one manager serves a store, and only its recovery resumes a job.
 */
public enum JobTransition {
    /** A worker takes the job from its queue. */
    START(JobState.ACCEPT, JobState.ONGOING),
    /**
     * The manager stopped while the job ran, and the job's operation goes forward rather than
     * back (what it destroyed cannot be restored): a worker takes it again after the restart.
     */
    RESUME(JobState.ONGOING, JobState.ONGOING),
    /** The job ran to its end. Its undo log is dropped in the same write: nothing is to be taken back. */
    SUCCEED(JobState.ONGOING, JobState.DONE),
    /** The job failed, or the manager stopped while it ran; its undo log has been replayed. */
    FAIL(JobState.ONGOING, JobState.FAILED),
    /** The job cannot run at all: no operation implements its type, or its stored request is unreadable. */
    REFUSE(JobState.ACCEPT, JobState.FAILED);

    private final JobState from;
    private final JobState to;

    JobTransition(JobState from, JobState to) {
        this.from = from;
        this.to = to;
    }

    public JobState from() {
        return from;
    }

    public JobState to() {
        return to;
    }
}
