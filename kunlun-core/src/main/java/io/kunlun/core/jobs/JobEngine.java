package io.kunlun.core.jobs;

import io.kunlun.core.ManagerException;
import io.kunlun.core.meta.JobRecord;
import io.kunlun.core.meta.JobTable;
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

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The durable job queue. Jobs are rows: accepted jobs survive a restart and run then; a job that
 * was running when the manager died is rolled back from its undo log and marked failed. Jobs with
 * the same lock key run one at a time in acceptance order; others run concurrently.
 */
public final class JobEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobEngine.class);

    private final JobTable jobs;
    private final Map<JobType, Operation<?, ?>> operations;
    private final UndoActions undoActions;
    private final ExecutorService workers;
    private final Map<String, Deque<String>> waiting = new HashMap<>();
    private final List<Consumer<JobStatus>> listeners = new ArrayList<>();
    private boolean closed;

    public JobEngine(JobTable jobs, List<Operation<?, ?>> operations, UndoActions undoActions, int workerThreads) {
        this.jobs = jobs;
        this.operations = new HashMap<>();
        for (Operation<?, ?> operation : operations) {
            this.operations.put(operation.type(), operation);
        }
        this.undoActions = undoActions;
        AtomicInteger counter = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(workerThreads, runnable -> {
            Thread thread = new Thread(runnable, "job-worker-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Called with every job that ended, e.g. to count jobs for /metrics. */
    public synchronized void onJobEnded(Consumer<JobStatus> listener) {
        listeners.add(listener);
    }

    /**
     * Rolls back the jobs a previous run left ongoing and queues the jobs it left accepted.
     * Call once, before accepting new jobs.
     */
    public void recover() {
        for (JobRecord job : jobs.inState(JobState.ONGOING)) {
            String step = Optional.ofNullable(job.status().step()).orElse("start");
            String rollback = rollBack(job.jobId());
            finish(job, JobState.FAILED, "the manager stopped while the job was at step '" + step + "'; "
                    + (rollback.isEmpty() ? "it had changed nothing" : rollback));
        }
        for (JobRecord job : jobs.inState(JobState.ACCEPT)) {
            enqueue(job.jobId(), job.lockKey());
        }
    }

    /**
     * Accepts a job. The same job_id with the same body answers the job already stored; the same
     * job_id with another body is refused.
     */
    public JobStatus submit(Submission submission) {
        Operation<?, ?> operation = operations.get(submission.type());
        String jobId = submission.jobId().orElseGet(() -> UUID.randomUUID().toString());
        String body = submission.canonicalBody().toString();
        String lockKey = operation == null ? "unimplemented" : lockKeyOf(operation, submission.request());
        JobTable.InsertOutcome outcome = jobs.insert(jobId, submission.type(), submission.userName(), body,
                lockKey, "queued");
        if (!outcome.created()) {
            if (!outcome.job().requestJson().equals(body)) {
                throw ManagerException.conflict("job_id " + jobId + " was already used for another request");
            }
            return outcome.job().status();
        }
        enqueue(jobId, lockKey);
        return outcome.job().status();
    }

    public Optional<JobStatus> status(String jobId) {
        return jobs.find(jobId).map(JobRecord::status);
    }

    public List<JobStatus> newest(int limit) {
        return jobs.newest(limit).stream().map(JobRecord::status).toList();
    }

    /** Waits until the job ends or the timeout passes; answers its status then. */
    public JobStatus await(String jobId, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JobStatus status = status(jobId).orElseThrow(() -> ManagerException.notFound("no job with id " + jobId));
            if (status.state().isTerminal() || System.nanoTime() > deadline) {
                return status;
            }
            Thread.sleep(50);
        }
    }

    private synchronized void enqueue(String jobId, String lockKey) {
        if (closed) {
            return;
        }
        Deque<String> queue = waiting.get(lockKey);
        if (queue != null) {
            queue.addLast(jobId);
            return;
        }
        waiting.put(lockKey, new ArrayDeque<>());
        workers.execute(() -> runThenNext(jobId, lockKey));
    }

    private void runThenNext(String jobId, String lockKey) {
        String next = jobId;
        while (next != null) {
            execute(next);
            synchronized (this) {
                Deque<String> queue = waiting.get(lockKey);
                next = closed || queue == null ? null : queue.pollFirst();
                if (next == null) {
                    waiting.remove(lockKey);
                }
            }
        }
    }

    private void execute(String jobId) {
        JobRecord job = jobs.find(jobId).orElse(null);
        if (job == null || job.status().state() != JobState.ACCEPT) {
            return;
        }
        Operation<?, ?> operation = operations.get(job.status().jobType());
        if (operation == null) {
            finish(job, JobState.FAILED, job.status().jobType().wireName() + " is not implemented yet");
            return;
        }
        JobRequest request;
        try {
            request = WireFormat.parse(WireFormat.json().readValue(job.requestJson(),
                    com.fasterxml.jackson.databind.node.ObjectNode.class)).request();
        } catch (Exception e) {
            finish(job, JobState.FAILED, "stored request cannot be read: " + e.getMessage());
            return;
        }
        if (!jobs.start(jobId, "checking")) {
            return;
        }
        JobContext context = new JobContext(jobId, job.lockKey(), jobs, undoActions);
        try {
            String info = checkThenRun(operation, request, context);
            jobs.clearUndo(jobId);
            finish(job, JobState.DONE, info);
        } catch (ManagerException | InvalidRequestException e) {
            failWithRollback(job, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("job {} ({}) failed with an internal error", jobId, job.status().jobType().wireName(), e);
            failWithRollback(job, "internal error: " + e);
        }
    }

    private void failWithRollback(JobRecord job, String cause) {
        String rollback = rollBack(job.jobId());
        finish(job, JobState.FAILED, rollback.isEmpty() ? cause : cause + "; " + rollback);
    }

    /** Replays the undo log newest first; answers what it did, empty when there was nothing. */
    private String rollBack(String jobId) {
        List<UndoRecord> log = jobs.undoLog(jobId);
        if (log.isEmpty()) {
            return "";
        }
        List<String> problems = new ArrayList<>();
        for (UndoRecord record : log) {
            try {
                undoActions.undo(record.action(), record.payload());
                jobs.removeUndo(jobId, record.seq());
            } catch (RuntimeException e) {
                LOG.warn("job {}: undo of {} failed", jobId, record.action(), e);
                problems.add(record.action() + ": " + e.getMessage());
            }
        }
        return problems.isEmpty() ? "rolled back" : "rollback incomplete: " + String.join("; ", problems);
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

    private void finish(JobRecord job, JobState terminal, String info) {
        if (!jobs.finish(job.jobId(), terminal, info)) {
            return;
        }
        JobStatus ended = status(job.jobId()).orElseThrow();
        List<Consumer<JobStatus>> toCall;
        synchronized (this) {
            toCall = List.copyOf(listeners);
        }
        toCall.forEach(listener -> listener.accept(ended));
    }

    /** Lets running jobs end (for a while), then stops; unfinished jobs are recovered at next start. */
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
