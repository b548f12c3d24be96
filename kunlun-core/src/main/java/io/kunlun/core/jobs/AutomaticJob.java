package io.kunlun.core.jobs;

import io.kunlun.core.meta.JobTable;

/**
 * A job that records what the manager does on its own (an {@linkplain
 * io.kunlun.model.job.JobType#isAutomatic() automatic} type): created ongoing when the action
 * starts, its steps reported as it goes, ended once with its outcome. A manager that stops in
 * the middle leaves it ongoing; the next start fails it ({@link #CUT_OFF}), and the health
 * monitor looks at the instance again.
 */
public final class AutomaticJob {
    /** The failure of an automatic job a manager restart cut off, before the step it was at. */
    public static final String CUT_OFF = "the manager restarted during the action";

    /** How the engine ends a job, telling whoever listens to ended jobs. */
    interface Ending {
        void end(String jobId, boolean succeeded, String info);
    }

    private final String jobId;
    private final JobTable jobs;
    private final Ending ending;
    private int stepsDone;
    private int stepsExpected;
    private String lastStep = "starting";

    AutomaticJob(String jobId, JobTable jobs, Ending ending, int stepsExpected) {
        this.jobId = jobId;
        this.jobs = jobs;
        this.ending = ending;
        this.stepsExpected = stepsExpected;
    }

    public String jobId() {
        return jobId;
    }

    /**
     * The next step, shown by get_status with its progress: steps done of those expected (an
     * action that takes more steps than expected, e.g. a failover with more replicas to re-point,
     * shows the total growing).
     */
    public void step(String description) {
        stepsExpected = Math.max(stepsExpected, stepsDone + 1);
        jobs.progress(jobId, description, stepsDone, stepsExpected);
        stepsDone++;
        lastStep = description;
    }

    /** Ends the job done, its progress showing every step done. */
    public void succeed(String info) {
        jobs.progress(jobId, lastStep, stepsDone, stepsDone);
        ending.end(jobId, true, info);
    }

    /** Ends the job failed, its progress showing the step it failed at. */
    public void fail(String info) {
        ending.end(jobId, false, info);
    }
}
