package io.kunlun.core.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
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
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The durable job queue. Jobs are rows that move through {@link JobTransition}s: accepted jobs
 * survive a restart and run then; a job that was running when the manager stopped is rolled back
 * from its undo log and marked failed, or, when its operation
 * {@linkplain Operation#resumesAfterRestart() resumes}, runs again. A job being rolled back stays
 * ongoing, holding its lock key, until its undo log is empty: a rollback that could not finish is
 * retried on a timer and at the next start. Jobs with the same lock key run one at a time in the
 * order they were accepted; jobs with other keys run concurrently, up to the number of workers.
 */
public final class JobEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobEngine.class);
    /** The lock key of job types that no operation implements: they only fail, one after the other. */
    private static final String UNIMPLEMENTED = "unimplemented";
    /** The step of a job between its start and the first step its operation reports. */
    private static final String CHECKING = "checking";
    /** What the info of a job whose undo log is being replayed starts with, before the cause. */
    static final String ROLLING_BACK = "rolling back after: ";
    /** What a resumed job's first step starts with and its operation's steps end with, in brackets. */
    static final String RESUMED = "resumed after a manager restart";
    private static final String RESUMED_AT = RESUMED + " at step '";
    /** How long a manager stopping waits for running workers after interrupting them. */
    private static final Duration INTERRUPTED_WAIT = Duration.ofSeconds(10);
    /** The longest pause between two attempts to record that a job ended. */
    private static final Duration MAX_END_RETRY = Duration.ofSeconds(5);
    private static final Duration PRUNE_INTERVAL = Duration.ofHours(1);
    /** How soon a job the store failed under is taken over again. */
    private static final Duration STORE_RETRY = Duration.ofSeconds(2);

    /**
     * How the engine runs: {@code workers} threads; on stop, running jobs get {@code stopGrace}
     * to end before they are interrupted; a rollback that could not finish is tried again after
     * {@code rollbackRetry}; ended jobs are forgotten after {@code retentionAge} or beyond the
     * newest {@code retentionCount} jobs.
     */
    public record Settings(int workers, Duration stopGrace, Duration rollbackRetry, Duration retentionAge,
                           int retentionCount) {
        public static Settings of(ManagerConfig config) {
            ManagerConfig.JobsConfig jobs = config.jobs();
            return new Settings(config.workers(), Duration.ofSeconds(20),
                    Duration.ofSeconds(jobs.rollbackRetrySeconds()), Duration.ofDays(jobs.retentionDays()),
                    jobs.retentionCount());
        }
    }

    private final JobTable jobs;
    private final Map<JobType, Operation<?, ?>> operations = new HashMap<>();
    private final UndoActions undoActions;
    private final Settings settings;
    private final ExecutorService workers;
    /** Retries of rollbacks and the pruning of ended jobs. */
    private final ScheduledExecutorService timer;
    private final List<Consumer<JobStatus>> listeners = new CopyOnWriteArrayList<>();
    /**
     * Lock keys that have a worker draining them, or a rollback waiting for its retry, each with
     * its jobs still to run, oldest first. A key leaves the map when its queue is empty.
     */
    private final Map<String, Deque<Queued>> queues = new HashMap<>();
    private boolean started;
    private boolean closed;
    /** Set when a stopping engine interrupts its workers: what fails then is left for the next start. */
    private volatile boolean interrupting;
    /** Set when another manager took the store over: what fails then is left for that manager. */
    private volatile boolean abandoned;

    public JobEngine(JobTable jobs, List<Operation<?, ?>> operations, UndoActions undoActions, Settings settings) {
        this.jobs = jobs;
        operations.forEach(operation -> this.operations.put(operation.type(), operation));
        this.undoActions = undoActions;
        this.settings = settings;
        AtomicInteger counter = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.workers(), runnable -> {
            Thread thread = new Thread(runnable, "job-worker-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "job-timer");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Called with every job that ended, e.g. to count jobs for /metrics. */
    public void onJobEnded(Consumer<JobStatus> listener) {
        listeners.add(listener);
    }

    /**
     * A job waiting for a worker, and what the worker does with it: START an accepted job, RESUME
     * one a stopped manager left ongoing, or ROLL_BACK one whose rollback has not finished.
     */
    private record Queued(String jobId, Action action) {
    }

    /**
     * What a queued entry does: start an accepted job, resume one cut off by a restart, go on
     * with a rollback, or take a job over again after the store failed under the engine.
     */
    private enum Action { START, RESUME, ROLL_BACK, TAKE_OVER }

    /**
     * Takes over the jobs a previous run left ongoing: those whose operation resumes are queued
     * to run again; the others, and those whose rollback had not finished, are rolled back now
     * (or failed at once, with nothing to roll back), and what could not be undone yet is
     * retried later, holding the job's lock key. Then queues the jobs it left accepted. Each lock
     * key's jobs keep the order they were accepted in (an ongoing job was accepted before any job
     * still waiting on its key). Runs before the first submission: a job this engine is running
     * must never be taken for one that a stopped manager left behind. Also starts pruning ended
     * jobs, now and every hour.
     */
    public void recover() {
        synchronized (this) {
            if (started) {
                throw new IllegalStateException("recover() runs once, before the first submission");
            }
            started = true;
        }
        for (JobRecord job : jobs.inState(JobState.ONGOING)) {
            if (job.status().jobType().isAutomatic()) {
                // Its work ran on a monitor thread that is gone; what it left is the next health round's to see.
                end(job.jobId(), JobTransition.FAIL, AutomaticJob.CUT_OFF + " at step '" + stepOf(job) + "'");
                continue;
            }
            Operation<?, ?> operation = operations.get(job.status().jobType());
            if (job.rollbackCause().isEmpty() && operation != null && operation.resumesAfterRestart()) {
                enqueue(new Queued(job.jobId(), Action.RESUME), job.lockKey());
                continue;
            }
            String cause = job.rollbackCause().orElse("the manager stopped while the job was at step '"
                    + stepOf(job) + "'");
            if (job.rollbackCause().isEmpty()) {
                if (jobs.undoLog(job.jobId()).isEmpty()) {
                    end(job.jobId(), JobTransition.FAIL, cause + "; nothing to roll back");
                    continue;
                }
                jobs.beginRollback(job.jobId(), cause, ROLLING_BACK + cause);
            }
            // Rolled back before the first submission, as far as it goes now; the rest is retried.
            if (!rollBack(job.jobId(), cause)) {
                retryLater(new Queued(job.jobId(), Action.ROLL_BACK), job.lockKey());
            }
        }
        for (JobRecord job : jobs.inState(JobState.ACCEPT)) {
            enqueue(new Queued(job.jobId(), Action.START), job.lockKey());
        }
        timer.scheduleWithFixedDelay(this::pruneEnded, 0, PRUNE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
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
        enqueue(new Queued(jobId, Action.START), lockKey);
        return outcome.job().status();
    }

    /**
     * A dry run: the job's check against the current state, without accepting a job or changing
     * anything, answered as the API's reply: done with the plan's description, or failed with the
     * reason the job would fail with.
     */
    public Map<String, Object> dryRun(Submission submission) {
        Operation<?, ?> operation = operations.get(submission.type());
        String type = submission.type().wireName();
        if (operation == null) {
            return WireFormat.failed(type + " is not implemented yet");
        }
        Map<String, Object> described;
        try {
            described = checkAndDescribe(operation, submission.request());
        } catch (ManagerException e) {
            return WireFormat.failed(e.getMessage());
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("result", "done");
        reply.put("info", "dry run: " + type + " passed its check; nothing was changed and no job was accepted");
        reply.put("job_type", type);
        reply.put("dry_run", "1");
        reply.putAll(described);
        return reply;
    }

    @SuppressWarnings("unchecked")
    private static <R extends JobRequest, P> Map<String, Object> checkAndDescribe(Operation<R, P> operation,
                                                                                JobRequest request) {
        R typed = (R) request;
        return operation.describe(operation.check(typed, JobContext.dryRun(operation.lockKey(typed))));
    }

    /**
     * Records what the manager starts doing on its own as a job of an automatic type, ongoing at
     * step "starting", about {@code subject} (what it acts on, as request fields), expecting
     * {@code stepsExpected} steps: such a job is never
     * queued, run, resumed or rolled back here; its caller reports its steps and ends it.
     */
    public AutomaticJob startAutomatic(JobType type, Map<String, Object> subject, String lockKey,
                                       int stepsExpected) {
        if (!type.isAutomatic()) {
            throw new IllegalArgumentException(type.wireName() + " is submitted, not recorded");
        }
        Map<String, Object> request = new TreeMap<>(subject);
        request.put("job_type", type.wireName());
        String json;
        try {
            json = WireFormat.json().writeValueAsString(request);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + subject + " as JSON", e);
        }
        String jobId = UUID.randomUUID().toString();
        jobs.insertOngoing(jobId, type, json, lockKey, "starting");
        return new AutomaticJob(jobId, jobs, this::endAutomatic, stepsExpected);
    }

    private void endAutomatic(String jobId, boolean succeeded, String info) {
        end(jobId, succeeded ? JobTransition.SUCCEED : JobTransition.FAIL, info);
    }

    /** The job's status; empty for an id no job has. */
    public Optional<JobStatus> status(String jobId) {
        return jobs.find(jobId).map(JobRecord::status);
    }

    public List<JobStatus> newest(int limit) {
        return newest(limit, List.of());
    }

    /** The newest jobs of the given types (of every type when none is given), newest first. */
    public List<JobStatus> newest(int limit, Collection<JobType> types) {
        return jobs.newest(limit, types).stream().map(JobRecord::status).toList();
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

    /**
     * Runs {@code work} holding a lock key, as a job of that key would, but only while the key is
     * idle (no job of it queued, running or waiting for a rollback's retry): what the manager does
     * on its own never waits behind a job, nor interleaves with one. Jobs submitted meanwhile
     * queue behind it. Answers whether it ran.
     */
    public boolean runIfIdle(String lockKey, Runnable work) {
        synchronized (this) {
            if (closed || queues.containsKey(lockKey)) {
                return false;
            }
            queues.put(lockKey, new ArrayDeque<>());
        }
        try {
            work.run();
        } finally {
            release(lockKey);
        }
        return true;
    }

    /** Hands a key held by {@link #runIfIdle} to the jobs that queued behind it, if any. */
    private synchronized void release(String lockKey) {
        Deque<Queued> waiting = queues.get(lockKey);
        if (closed || waiting == null || waiting.isEmpty()) {
            queues.remove(lockKey);
        } else {
            workers.execute(() -> drain(lockKey));
        }
    }

    /** How many lock keys have jobs queued, running or waiting for a rollback's retry. */
    synchronized int busyLockKeys() {
        return queues.size();
    }

    /** Queues a job behind its lock key; the first job of an idle key gets a worker. */
    private synchronized void enqueue(Queued job, String lockKey) {
        if (closed) {
            return; // still in the store: the next start runs it
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

    /**
     * Puts a rollback that could not finish back at the head of its key's queue, which keeps the
     * key busy (the jobs behind it wait: they could meet what the rollback has still to take
     * back), and gives the key a worker again after the retry delay.
     */
    private void retryLater(Queued rollback, String lockKey) {
        retryLater(rollback, lockKey, settings.rollbackRetry());
    }

    private synchronized void retryLater(Queued retried, String lockKey, Duration delay) {
        if (closed) {
            queues.remove(lockKey); // the job stays ongoing with its undo log: the next start retries
            return;
        }
        queues.computeIfAbsent(lockKey, key -> new ArrayDeque<>()).addFirst(retried);
        timer.schedule(() -> resumeDraining(lockKey), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void resumeDraining(String lockKey) {
        if (!closed) {
            workers.execute(() -> drain(lockKey));
        }
    }

    /** Runs the jobs of one lock key one after the other. A job never stops the ones behind it. */
    private void drain(String lockKey) {
        for (Queued job = next(lockKey); job != null; job = next(lockKey)) {
            try {
                if (!run(job)) {
                    retryLater(new Queued(job.jobId(), Action.ROLL_BACK), lockKey);
                    return;
                }
            } catch (RuntimeException | Error e) {
                if (abandoned) {
                    LOG.warn("job {}: left to the manager that took the metadata store over ({})", job.jobId(),
                            e.getMessage());
                    return;
                }
                // The store failed under the engine's own bookkeeping (it went away mid-job). The
                // job keeps its key and is taken over from what the store holds, as a restart would,
                // once the store answers again.
                LOG.error("job {}: the engine could not record its state; taken over again in {} s", job.jobId(),
                        STORE_RETRY.toSeconds(), e);
                retryLater(new Queued(job.jobId(), Action.TAKE_OVER), lockKey, STORE_RETRY);
                return;
            }
        }
    }

    /**
     * Starts (or resumes) the job, checks then runs its operation, and ends it; or goes on with
     * its rollback. False when a rollback could not finish: the job stays ongoing to be retried.
     */
    private boolean run(Queued queued) {
        String jobId = queued.jobId();
        JobRecord job = jobs.find(jobId).orElseThrow();
        if (queued.action() == Action.ROLL_BACK) {
            boolean stillRollingBack = job.status().state() == JobState.ONGOING && job.rollbackCause().isPresent();
            return !stillRollingBack || rollBack(jobId, job.rollbackCause().get());
        }
        if (queued.action() == Action.TAKE_OVER) {
            return takeOver(job);
        }
        boolean resuming = queued.action() == Action.RESUME;
        // A resumed job is ongoing already: what keeps it from running fails it rather than refusing it.
        JobTransition cannotRun = resuming ? JobTransition.FAIL : JobTransition.REFUSE;
        Operation<?, ?> operation = operations.get(job.status().jobType());
        if (operation == null) {
            end(jobId, cannotRun, job.status().jobType().wireName() + " is not implemented yet");
            return true;
        }
        JobRequest request;
        try {
            request = WireFormat.parse(WireFormat.json().readValue(job.requestJson(), ObjectNode.class)).request();
        } catch (Exception e) {
            end(jobId, cannotRun, "stored request cannot be read: " + e.getMessage());
            return true;
        }
        // A run cut off while checking had made no side effect: it starts over as the first run did.
        boolean resumed = resuming && !CHECKING.equals(job.status().step());
        String firstStep = resumed ? RESUMED_AT + cutOffStep(job) + "'" : CHECKING;
        if (!jobs.apply(jobId, resuming ? JobTransition.RESUME : JobTransition.START, firstStep)) {
            return true;
        }
        String result;
        try {
            result = checkThenRun(operation, request, new JobContext(jobId, job.lockKey(), jobs, undoActions, resumed));
        } catch (RuntimeException | Error failure) {
            if (interrupting || Thread.interrupted()) {
                // Only a stopping engine interrupts its workers: the job was cut off, not failed.
                // It stays ongoing with its undo log, for the next start to resume or roll back.
                LOG.warn("job {}: cut off by the manager stopping; the next start takes it over", jobId, failure);
                return true;
            }
            if (abandoned) {
                LOG.warn("job {}: left to the manager that took the metadata store over ({})", jobId,
                        failure.getMessage());
                return true;
            }
            return fail(jobId, reason(job, failure));
        }
        end(jobId, JobTransition.SUCCEED, result);
        return true;
    }

    /**
     * A job whose run the store's failure cut off, as the store holds it now: still accepted, it
     * starts; ongoing with no undo record (it changed nothing yet) or resumable, it runs again;
     * otherwise it rolls back. An ended job is left as it is.
     */
    private boolean takeOver(JobRecord job) {
        return switch (job.status().state()) {
            case ACCEPT -> run(new Queued(job.jobId(), Action.START));
            case ONGOING -> {
                if (job.rollbackCause().isPresent()) {
                    yield rollBack(job.jobId(), job.rollbackCause().get());
                }
                Operation<?, ?> operation = operations.get(job.status().jobType());
                boolean runsAgain = jobs.undoLog(job.jobId()).isEmpty()
                        || (operation != null && operation.resumesAfterRestart());
                yield runsAgain ? run(new Queued(job.jobId(), Action.RESUME))
                                : fail(job.jobId(), "the metadata store failed while the job was at step '"
                                        + stepOf(job) + "'");
            }
            case DONE, FAILED -> true;
        };
    }

    /** Fails the job at once when it made no side effect, else begins its rollback. */
    private boolean fail(String jobId, String cause) {
        if (jobs.undoLog(jobId).isEmpty()) {
            end(jobId, JobTransition.FAIL, cause);
            return true;
        }
        if (!jobs.beginRollback(jobId, cause, ROLLING_BACK + cause)) {
            return true;
        }
        return rollBack(jobId, cause);
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
     * Replays the job's undo log newest first; once it is empty the job fails with its cause,
     * "rolled back". It stops at the first undo that fails: older side effects are what the newer
     * ones stand on. Then the job stays ongoing with what is left of its log, its info saying what
     * failed, and false is answered: the rollback is tried again later.
     */
    private boolean rollBack(String jobId, String cause) {
        List<UndoRecord> log = jobs.undoLog(jobId);
        for (int i = 0; i < log.size(); i++) {
            UndoRecord record = log.get(i);
            try {
                if (interrupting) {
                    throw new ManagerException(ManagerException.Code.INTERRUPTED, "the manager is stopping");
                }
                if (abandoned) {
                    throw new ManagerException(ManagerException.Code.NOT_LEASE_HOLDER,
                            "another manager took the metadata store over");
                }
                undoActions.undo(record.action(), record.payload());
            } catch (RuntimeException e) {
                LOG.warn("job {}: undo of {} failed", jobId, record.action(), e);
                int left = log.size() - i - 1;
                jobs.rollbackProgress(jobId, cause + "; rollback incomplete: undo of " + record.action() + " failed: "
                        + e.getMessage() + (left == 0 ? "" : "; " + left + " older undo record"
                        + (left == 1 ? "" : "s") + " not replayed") + "; retried in "
                        + settings.rollbackRetry().toSeconds() + " s and at the next start");
                Thread.interrupted(); // an interrupted undo leaves the flag set; the worker goes on
                return false;
            }
            jobs.removeUndo(jobId, record.seq());
        }
        end(jobId, JobTransition.FAIL, cause + "; rolled back");
        return true;
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

    /**
     * Records that the job ended, retrying until the store takes it: a job whose end is not
     * recorded stays ongoing, and the next start would roll back what it finished. The pause
     * between attempts doubles up to {@link #MAX_END_RETRY}; a stopping engine does not stop it.
     */
    private void end(String jobId, JobTransition transition, String info) {
        boolean interrupted = false;
        long pauseMillis = 100;
        boolean moved;
        while (true) {
            try {
                moved = jobs.apply(jobId, transition, info);
                break;
            } catch (RuntimeException e) {
                if (abandoned) {
                    throw e; // the job is the new holder's now: it finds the job as this run left it
                }
                LOG.error("job {}: cannot record its end ({}) yet, retrying in {} ms", jobId,
                        transition.to().wireName(), pauseMillis, e);
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException stopping) {
                    interrupted = true;
                }
                pauseMillis = Math.min(pauseMillis * 2, MAX_END_RETRY.toMillis());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (moved) {
            tellListeners(jobId);
        }
    }

    private void tellListeners(String jobId) {
        JobStatus ended = status(jobId).orElseThrow();
        for (Consumer<JobStatus> listener : listeners) {
            try {
                listener.accept(ended);
            } catch (RuntimeException e) {
                LOG.warn("a listener of ended jobs failed on job {}", jobId, e);
            }
        }
    }

    /** Forgets ended jobs past the retention; a failure is logged and tried again at the next round. */
    private void pruneEnded() {
        try {
            int pruned = jobs.pruneEnded(System.currentTimeMillis() - settings.retentionAge().toMillis(),
                    settings.retentionCount());
            if (pruned > 0) {
                LOG.info("forgot {} ended job(s) past the retention", pruned);
            }
        } catch (RuntimeException e) {
            LOG.warn("pruning ended jobs failed", e);
        }
    }

    /**
     * Another manager took the metadata store over: starts nothing more and retries nothing.
     * Running jobs stop at their next statement or command (the store and the machines refuse
     * them now) and are left as they are, ongoing, for that manager to take over as after a
     * restart: nothing is rolled back or ended here. Does not wait for the workers.
     */
    public void abandon() {
        synchronized (this) {
            closed = true;
            abandoned = true;
        }
        timer.shutdownNow();
        workers.shutdown();
    }

    /**
     * Lets running jobs end (for the stop grace), then interrupts them and waits a little more
     * for the workers to leave. Jobs still waiting stay accepted and run after the next start's
     * {@link #recover()}; a job cut off stays ongoing, with its undo log, and is rolled back then
     * or, when its operation resumes after a restart, run again. Nothing is rolled back while the
     * engine stops: its undo commands would be interrupted too.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        timer.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(settings.stopGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                interrupting = true;
                workers.shutdownNow();
                if (!workers.awaitTermination(INTERRUPTED_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("job workers still run {} s after they were interrupted", INTERRUPTED_WAIT.toSeconds());
                }
            }
        } catch (InterruptedException e) {
            interrupting = true;
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
