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
        jobs.checkFence(jobId, fencing);
        jobs.appendUndo(jobId, action, undoActions.encode(action, payload));
    }
}
