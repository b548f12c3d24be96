package io.kunlun.core.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.ManagerException;
import io.kunlun.core.meta.JobRecord;
import io.kunlun.core.meta.JobTable;
import io.kunlun.core.meta.JobTransition;
import io.kunlun.core.meta.UndoRecord;
import io.kunlun.core.ops.Operation;
import io.kunlun.model.InvalidRequestException;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.Submission;
import io.kunlun.model.job.WireFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The durable job queue. Jobs are rows that move through {@link JobTransition}s: accepted jobs
 * survive a restart and run then; a job that was running when the manager died is rolled back
 * from its undo log and marked failed, or, when its operation
 * {@linkplain Operation#resumesAfterRestart() resumes}, runs again. Jobs with the same lock key
 * run one at a time in the order they were accepted; jobs with other keys run concurrently, up to
 * the number of workers.
 */
public final class JobEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobEngine.class);
    /** The lock key of job types that no operation implements: they only fail, one after the other. */
    private static final String UNIMPLEMENTED = "unimplemented";
    /** The step of a job between its start and the first step its operation reports. */
    private static final String CHECKING = "checking";
    /** What a resumed job's first step starts with and its operation's steps end with, in brackets. */
    static final String RESUMED = "resumed after a manager restart";
    private static final String RESUMED_AT = RESUMED + " at step '";

    private final JobTable jobs;
    private final Map<JobType, Operation<?, ?>> operations = new HashMap<>();
    private final UndoActions undoActions;
    private final ExecutorService workers;
    private final List<Consumer<JobStatus>> listeners = new CopyOnWriteArrayList<>();
    /** Lock keys that have a worker draining them, each with its jobs still to run, oldest first. */
    private final Map<String, Deque<Queued>> queues = new HashMap<>();
    private boolean started;
    private boolean closed;

    public JobEngine(JobTable jobs, List<Operation<?, ?>> operations, UndoActions undoActions, int workerThreads) {
        this.jobs = jobs;
        operations.forEach(operation -> this.operations.put(operation.type(), operation));
        this.undoActions = undoActions;
        AtomicInteger counter = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(workerThreads, runnable -> {
            Thread thread = new Thread(runnable, "job-worker-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Called with every job that ended, e.g. to count jobs for /metrics. */
    public void onJobEnded(Consumer<JobStatus> listener) {
        listeners.add(listener);
    }

    /**
     * A job waiting for a worker, and the transition that starts it: START for an accepted job,
     * RESUME for one a stopped manager left ongoing.
     */
    private record Queued(String jobId, JobTransition transition) {
    }

    /**
     * Takes over the jobs a previous run left ongoing: those whose operation resumes are queued
     * to run again, the others are rolled back and failed. Then queues the jobs it left accepted.
     * Each lock key's jobs keep the order they were accepted in (a resumed job was accepted
     * before any job still waiting on its key). Runs before the first submission: a job this
     * engine is running must never be taken for one that a dead manager left behind.
     */
    public void recover() {
        synchronized (this) {
            if (started) {
                throw new IllegalStateException("recover() runs once, before the first submission");
            }
            started = true;
        }
        for (JobRecord job : jobs.inState(JobState.ONGOING)) {
            Operation<?, ?> operation = operations.get(job.status().jobType());
            if (operation != null && operation.resumesAfterRestart()) {
                enqueue(new Queued(job.jobId(), JobTransition.RESUME), job.lockKey());
            } else {
                end(job.jobId(), JobTransition.FAIL, "the manager stopped while the job was at step '"
                        + stepOf(job) + "'; " + rollBack(job.jobId()).orElse("nothing to roll back"));
            }
        }
        for (JobRecord job : jobs.inState(JobState.ACCEPT)) {
            enqueue(new Queued(job.jobId(), JobTransition.START), job.lockKey());
        }
    }

    /**
     * Accepts a job. The same job_id with the same body answers the job already stored, which
     * runs once; the same job_id with another body is refused.
     */
    public JobStatus submit(Submission submission) {
        synchronized (this) {
            started = true;
        }
        String jobId = submission.jobId().orElseGet(() -> UUID.randomUUID().toString());
        String body = submission.canonicalBody().toString();
        Operation<?, ?> operation = operations.get(submission.type());
        String lockKey = operation == null ? UNIMPLEMENTED : lockKeyOf(operation, submission.request());
        JobTable.InsertOutcome outcome = jobs.insert(jobId, submission.type(), submission.userName(), body,
                lockKey, "queued");
        if (!outcome.created()) {
            if (!outcome.job().requestJson().equals(body)) {
                throw ManagerException.conflict("job_id " + jobId + " was already used for another request");
            }
            return outcome.job().status();
        }
        enqueue(new Queued(jobId, JobTransition.START), lockKey);
        return outcome.job().status();
    }

    /** The job's status; empty for an id no job has. */
    public Optional<JobStatus> status(String jobId) {
        return jobs.find(jobId).map(JobRecord::status);
    }

    public List<JobStatus> newest(int limit) {
        return jobs.newest(limit).stream().map(JobRecord::status).toList();
    }

    /** Waits until the job ends or the timeout passes; answers its status then. */
    public JobStatus await(String jobId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JobStatus status = status(jobId).orElseThrow(() -> ManagerException.notFound("no job with id " + jobId));
            if (status.state().isTerminal() || System.nanoTime() > deadline) {
                return status;
            }
            Thread.sleep(20);
        }
    }

    /** Queues a job behind its lock key; the first job of an idle key gets a worker. */
    private synchronized void enqueue(Queued job, String lockKey) {
        if (closed) {
            return; // still accepted in the store: the next start runs it
        }
        Deque<Queued> queue = queues.get(lockKey);
        if (queue == null) {
            queue = new ArrayDeque<>();
            queues.put(lockKey, queue);
            workers.execute(() -> drain(lockKey));
        }
        queue.addLast(job);
    }

    /** The next job of a key, or null when none waits or the engine closes: then the key is idle. */
    private synchronized Queued next(String lockKey) {
        Queued job = closed ? null : queues.get(lockKey).pollFirst();
        if (job == null) {
            queues.remove(lockKey);
        }
        return job;
    }

    /** Runs the jobs of one lock key one after the other. A job never stops the ones behind it. */
    private void drain(String lockKey) {
        for (Queued job = next(lockKey); job != null; job = next(lockKey)) {
            try {
                run(job);
            } catch (RuntimeException | Error e) {
                // The store failed under the engine's own bookkeeping; the job is recovered at next start.
                LOG.error("job {}: the engine could not record its state", job.jobId(), e);
            }
        }
    }

    /** Starts (or resumes) the job, checks then runs its operation, and ends it. */
    private void run(Queued queued) {
        String jobId = queued.jobId();
        JobRecord job = jobs.find(jobId).orElseThrow();
        boolean resuming = queued.transition() == JobTransition.RESUME;
        // A resumed job is ongoing already: what keeps it from running fails it rather than refusing it.
        JobTransition cannotRun = resuming ? JobTransition.FAIL : JobTransition.REFUSE;
        Operation<?, ?> operation = operations.get(job.status().jobType());
        if (operation == null) {
            end(jobId, cannotRun, job.status().jobType().wireName() + " is not implemented yet");
            return;
        }
        JobRequest request;
        try {
            request = WireFormat.parse(WireFormat.json().readValue(job.requestJson(), ObjectNode.class)).request();
        } catch (Exception e) {
            end(jobId, cannotRun, "stored request cannot be read: " + e.getMessage());
            return;
        }
        // A run cut off while checking had made no side effect: it starts over as the first run did.
        boolean resumed = resuming && !CHECKING.equals(job.status().step());
        String firstStep = resumed ? RESUMED_AT + cutOffStep(job) + "'" : CHECKING;
        if (!jobs.apply(jobId, queued.transition(), firstStep)) {
            return;
        }
        String result;
        try {
            result = checkThenRun(operation, request, new JobContext(jobId, job.lockKey(), jobs, undoActions, resumed));
        } catch (RuntimeException | Error failure) {
            String cause = reason(job, failure);
            end(jobId, JobTransition.FAIL, rollBack(jobId).map(outcome -> cause + "; " + outcome).orElse(cause));
            return;
        }
        end(jobId, JobTransition.SUCCEED, result);
    }

    private static String stepOf(JobRecord job) {
        return Optional.ofNullable(job.status().step()).orElse("start");
    }

    /**
     * The operation's own step a run was cut off at, without what an earlier resumption wrapped
     * it in: a job resumed after several restarts names one step, not one inside another.
     */
    private static String cutOffStep(JobRecord job) {
        String step = stepOf(job);
        if (step.startsWith(RESUMED_AT) && step.endsWith("'")) {
            return step.substring(RESUMED_AT.length(), step.length() - 1);
        }
        String suffix = JobContext.resumedStep("");
        return step.endsWith(suffix) ? step.substring(0, step.length() - suffix.length()) : step;
    }

    private static String reason(JobRecord job, Throwable failure) {
        if (failure instanceof ManagerException || failure instanceof InvalidRequestException) {
            return failure.getMessage();
        }
        LOG.error("job {} ({}) failed with an internal error", job.jobId(), job.status().jobType().wireName(),
                failure);
        return "internal error: " + failure;
    }

    /**
     * Replays the job's undo log newest first and answers what that did, empty when the log was
     * empty. It stops at the first undo that fails: older side effects are what the newer ones
     * stand on, so they stay, with their records, for a person to look at.
     */
    private Optional<String> rollBack(String jobId) {
        List<UndoRecord> log = jobs.undoLog(jobId);
        if (log.isEmpty()) {
            return Optional.empty();
        }
        for (int i = 0; i < log.size(); i++) {
            UndoRecord record = log.get(i);
            try {
                undoActions.undo(record.action(), record.payload());
            } catch (RuntimeException e) {
                LOG.warn("job {}: undo of {} failed", jobId, record.action(), e);
                int left = log.size() - i - 1;
                return Optional.of("rollback incomplete: undo of " + record.action() + " failed: " + e.getMessage()
                        + (left == 0 ? "" : "; " + left + " older undo record" + (left == 1 ? "" : "s")
                        + " not replayed"));
            }
            jobs.removeUndo(jobId, record.seq());
        }
        return Optional.of("rolled back");
    }

    @SuppressWarnings("unchecked")
    private static <R extends JobRequest, P> String checkThenRun(Operation<R, P> operation, JobRequest request,
                                                                 JobContext context) {
        R typed = (R) request;
        P plan = operation.check(typed, context);
        return operation.run(typed, plan, context);
    }

    @SuppressWarnings("unchecked")
    private static <R extends JobRequest> String lockKeyOf(Operation<R, ?> operation, JobRequest request) {
        return operation.lockKey((R) request);
    }

    private void end(String jobId, JobTransition transition, String info) {
        if (!jobs.apply(jobId, transition, info)) {
            return;
        }
        JobStatus ended = status(jobId).orElseThrow();
        for (Consumer<JobStatus> listener : listeners) {
            try {
                listener.accept(ended);
            } catch (RuntimeException e) {
                LOG.warn("a listener of ended jobs failed on job {}", jobId, e);
            }
        }
    }

    /**
     * Lets running jobs end (for a while), then stops. Jobs still waiting stay accepted and run
     * after the next start's {@link #recover()}; a job cut off is rolled back then or, when its
     * operation resumes after a restart, run again.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(20, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
