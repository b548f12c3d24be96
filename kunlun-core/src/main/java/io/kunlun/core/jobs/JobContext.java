package io.kunlun.core.jobs;

import io.kunlun.core.meta.JobTable;

/** What a running operation may tell the engine: its progress and its side effects. */
public final class JobContext {
    private final String jobId;
    private final String lockKey;
    private final JobTable jobs;
    private final UndoActions undoActions;
    private final boolean resumed;
    /** The fencing number of the leader's term the job runs in: every step checks it is still current. */
    private final long fencing;
    /** Set once the run recorded that it completed: no side effect may follow. */
    private volatile boolean completed;

    JobContext(String jobId, String lockKey, JobTable jobs, UndoActions undoActions, boolean resumed, long fencing) {
        this.jobId = jobId;
        this.lockKey = lockKey;
        this.jobs = jobs;
        this.undoActions = undoActions;
        this.resumed = resumed;
        this.fencing = fencing;
    }

    /** The context of a dry run's check: no job, so its steps are shown nowhere and nothing may be done. */
    static JobContext dryRun(String lockKey) {
        return new JobContext(null, lockKey, null, null, false, 0);
    }

    /** Whether this is a dry run's check: nothing may be done, nor held for the job. */
    public boolean isDryRun() {
        return jobs == null;
    }

    public String jobId() {
        return jobId;
    }

    /** The key the job was accepted under, e.g. {@code cluster:<name>} for a generated name. */
    public String lockKey() {
        return lockKey;
    }

    /**
     * Whether this run resumes one that a manager restart cut off after its check: some of the
     * job's side effects may be made already, its target partly or wholly gone.
     */
    public boolean resumed() {
        return resumed;
    }

    /**
     * Records the current step, shown by get_status as info/step and progress "done/total"; a
     * resumed run's steps say so. Refused once the leader's term the job runs in is over.
     */
    public void step(String description, int done, int total) {
        if (isDryRun()) {
            return;
        }
        jobs.checkFence(jobId, fencing);
        jobs.progress(jobId, resumed ? resumedStep(description) : description, done, total);
    }

    /** How a resumed run shows one of its steps. */
    static String resumedStep(String description) {
        return description + " (" + JobEngine.RESUMED + ")";
    }

    /**
     * Records how to undo a side effect, before the side effect is made: a crash between the two
     * leaves an undo record for something that never happened, and undo actions are written to
     * accept that. Refused once the leader's term the job runs in is over.
     */
    public void willDo(String action, Object payload) {
        if (isDryRun()) {
            throw new IllegalStateException("a dry run's check recorded the side effect " + action);
        }
        if (completed) {
            throw new IllegalStateException("job " + jobId + " recorded the side effect " + action
                    + " after its run completed: it would never be undone");
        }
        jobs.checkFence(jobId, fencing);
        jobs.appendUndo(jobId, action, undoActions.encode(action, payload));
    }

    /**
     * Makes the run's last metadata writes ({@code lastWrites}, e.g. marking the new instances
     * active) and records, in the same transaction, that the run completed with {@code info}:
     * from then on the job ends done with {@code info} whatever becomes of this manager, and its
     * undo log is never replayed. A manager killed before it marked the job done finds the run
     * complete at its next start. Without this, a run is complete only once the engine marked
     * its job done, after {@link io.kunlun.core.ops.Operation#run} returned: a manager killed
     * after the last writes rolled back what they finished.
     *
     * <p>What the run does after this must need no undo (no {@link #willDo} is accepted) and be
     * made good without the job when it is cut off: work the manager redoes on its own, e.g.
     * starting the binlog archivers that its health rounds keep running. The run then returns
     * {@code info}, answered here.
     */
    public String complete(String info, Runnable lastWrites) {
        if (isDryRun()) {
            throw new IllegalStateException("a dry run's check completed a run");
        }
        jobs.recordCompletion(jobId, fencing, info, lastWrites);
        completed = true;
        return info;
    }
}
