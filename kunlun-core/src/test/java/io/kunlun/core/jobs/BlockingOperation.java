package io.kunlun.core.jobs;

import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * delete_cluster for tests (or another type): records undoing "forget" of its cluster, reports a
 * step, then waits until the test releases the job, failing when interrupted. It records the
 * order jobs started in and how many of one cluster ever ran at once.
 */
final class BlockingOperation extends ClusterOperation {
    private final BlockingQueue<String> started = new LinkedBlockingQueue<>();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> runningPerCluster = new ConcurrentHashMap<>();
    private final AtomicInteger mostRunningOnOneCluster = new AtomicInteger();
    private final AtomicInteger runs = new AtomicInteger();

    private final boolean resumes;

    BlockingOperation() {
        this(JobType.DELETE_CLUSTER, false);
    }

    BlockingOperation(JobType type, boolean resumes) {
        super(type);
        this.resumes = resumes;
    }

    @Override
    public boolean resumesAfterRestart() {
        return resumes;
    }

    @Override
    public String run(JobRequest request, Void plan, JobContext context) {
        String cluster = clusterOf(request);
        AtomicInteger running = runningPerCluster.computeIfAbsent(cluster, name -> new AtomicInteger());
        mostRunningOnOneCluster.accumulateAndGet(running.incrementAndGet(), Math::max);
        runs.incrementAndGet();
        try {
            context.willDo("forget", cluster);
            context.step("deleting " + cluster, 1, 2);
            started.add(context.jobId());
            if (!gate(context.jobId()).await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("job " + context.jobId() + " was never released");
            }
            return "deleted " + cluster;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            running.decrementAndGet();
        }
    }

    /** The next job to start running, in start order; fails after 10 s. */
    String nextStarted() throws InterruptedException {
        String jobId = started.poll(10, TimeUnit.SECONDS);
        if (jobId == null) {
            throw new AssertionError("no job started within 10 s");
        }
        return jobId;
    }

    /** A job that started within {@code millis}, or null: for proving that none did. */
    String startedWithin(long millis) throws InterruptedException {
        return started.poll(millis, TimeUnit.MILLISECONDS);
    }

    void release(String jobId) {
        gate(jobId).countDown();
    }

    int mostRunningOnOneCluster() {
        return mostRunningOnOneCluster.get();
    }

    int runs() {
        return runs.get();
    }

    private CountDownLatch gate(String jobId) {
        return gates.computeIfAbsent(jobId, id -> new CountDownLatch(1));
    }
}
