package io.kunlun.core.jobs;

import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

/**
 * add_comps for tests: records undoing "forget" of its cluster, completes its run with
 * {@code lastWrites} as its last metadata writes, then does {@code afterwards} (what a run may do
 * once complete) and returns.
 */
final class CompletingOperation extends ClusterOperation {
    static final String INFO = "added comps to ";

    private final Runnable lastWrites;
    private final Runnable afterwards;

    CompletingOperation(Runnable lastWrites, Runnable afterwards) {
        super(JobType.ADD_COMPS);
        this.lastWrites = lastWrites;
        this.afterwards = afterwards;
    }

    @Override
    public String run(JobRequest request, Void plan, JobContext context) {
        String cluster = clusterOf(request);
        context.step("adding comps to " + cluster, 1, 2);
        context.willDo("forget", cluster);
        String info = context.complete(INFO + cluster, lastWrites);
        context.step("starting what the manager keeps running", 2, 2);
        afterwards.run();
        return info;
    }

    /** What a run cut off after it completed does: waits until the stopping engine interrupts it. */
    static void awaitInterrupt() {
        try {
            Thread.sleep(60_000);
            throw new AssertionError("the engine never interrupted the run");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
