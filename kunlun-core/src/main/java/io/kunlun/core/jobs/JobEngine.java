package io.kunlun.core.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.meta.JobRecord;
import io.kunlun.core.meta.JobTable;
import io.kunlun.core.meta.JobTransition;
import io.kunlun.core.meta.MetadataStore;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The durable job queue, run by the leader among the managers of a metadata store. Jobs are rows that move through {@link JobTransition}s: accepted jobs
 * survive a restart and run then; a job that was running when the manager stopped is rolled back
 * from its undo log and marked failed, or, when its operation
 * {@linkplain Operation#resumesAfterRestart() resumes}, runs again; one whose run had
 * {@linkplain JobContext#complete completed} (its last metadata write made) ends done, its undo
 * log never replayed. A job being rolled back stays
 * ongoing, holding its lock key, until its undo log is empty: a rollback that could not finish is
 * retried on a timer and at the next start. Jobs with the same lock key run one at a time in the
 * order they were accepted; jobs with other keys run concurrently, up to the number of workers.
 *
 * <p>The engine runs jobs only during a term ({@link #lead}): from the moment its manager became
 * leader until it stops leading ({@link #abandon}) or closes. Every manager accepts jobs (a row in
 * state accept); the leader picks them up from the store, in the order they were accepted, at
 * once when they were submitted to it and within {@link #PICK_UP_EVERY} otherwise. A term's
 * workers check at every step that their term (its fencing number) is still the store's.
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
    /** How often the leader looks for jobs accepted by other managers. */
    static final Duration PICK_UP_EVERY = Duration.ofMillis(200);

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
    private final List<Consumer<JobStatus>> listeners = new CopyOnWriteArrayList<>();
    /** The term the engine runs jobs in; null while its manager follows (or before it first led). */
    private Term term;

    /**
     * One term of leadership: its fencing number, its own workers and timer (retries of
     * rollbacks, the pick-up of accepted jobs, the pruning of ended jobs), and the lock keys that
     * have a worker draining them, or a rollback waiting for its retry, each with its jobs still
     * to run, oldest first (a key leaves the map when its queue is empty). A worker of a term
     * that ended finds its own term closed, whatever term the engine runs in since.
     */
    private final class Term {
        final long fencing;
        final ExecutorService workers;
        final ScheduledExecutorService timer;
        final Map<String, Deque<Queued>> queues = new HashMap<>();
        /** The jobs queued in this term that may still be accepted in the store. */
        final Set<String> queued = new HashSet<>();
        /** Set once recovery ended: accepted jobs are then picked up. */
        boolean recovered;
        boolean closed;
        /** Set when a stopping engine interrupts its workers: what fails then is left for the next start. */
        volatile boolean interrupting;
        /** Set when another manager took the lead over: what fails then is left for that manager. */
        volatile boolean abandoned;

        Term(long fencing) {
            this.fencing = fencing;
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
    }

    public JobEngine(JobTable jobs, List<Operation<?, ?>> operations, UndoActions undoActions, Settings settings) {
        this.jobs = jobs;
        operations.forEach(operation -> this.operations.put(operation.type(), operation));
        this.undoActions = undoActions;
        this.settings = settings;
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

    /** A term without a lease (an embedder's or a test's engine): see {@link #lead}. */
    public void recover() {
        lead(0);
    }

    /**
     * Begins a term as leader with fencing number {@code fencing} (0: no lease, nothing fenced).
     * Takes over the jobs a previous leader (or run) left ongoing, exactly as after a restart:
     * those whose run completed end done with the info it recorded, nothing rolled back; those
     * whose operation resumes are queued to run again; the others, and those whose
     * rollback had not finished, are rolled back now (or failed at once, with nothing to roll
     * back), and what could not be undone yet is retried later, holding the job's lock key. Then
     * queues the accepted jobs, and looks for more every {@link #PICK_UP_EVERY}. Each lock key's
     * jobs keep the order they were accepted in (an ongoing job was accepted before any job still
     * waiting on its key). No accepted job is picked up before: a job this term is running must
     * never be taken for one that an earlier term left behind. Also starts pruning ended jobs,
     * now and every hour.
     */
    public void lead(long fencing) {
        Term t;
        synchronized (this) {
            if (term != null) {
                throw new IllegalStateException("the engine leads already, in term " + term.fencing);
            }
            t = new Term(fencing);
            term = t;
        }
        for (JobRecord job : jobs.inState(JobState.ONGOING)) {
            if (endedAsCompleted(t, job)) {
                continue;
            }
            if (job.status().jobType().isAutomatic()) {
                // Its work ran on a monitor thread that is gone; what it left is the next health round's to see.
                end(t, job.jobId(), JobTransition.FAIL, AutomaticJob.CUT_OFF + " at step '" + stepOf(job) + "'");
                continue;
            }
            Operation<?, ?> operation = operations.get(job.status().jobType());
            if (job.rollbackCause().isEmpty() && operation != null && operation.resumesAfterRestart()) {
                enqueue(t, new Queued(job.jobId(), Action.RESUME), job.lockKey());
                continue;
            }
            String cause = job.rollbackCause().orElse("the manager stopped while the job was at step '"
                    + stepOf(job) + "'");
            jobs.checkFence(job.jobId(), t.fencing);
            if (job.rollbackCause().isEmpty()) {
                if (jobs.undoLog(job.jobId()).isEmpty()) {
                    end(t, job.jobId(), JobTransition.FAIL, cause + "; nothing to roll back");
                    continue;
                }
                jobs.beginRollback(job.jobId(), cause, ROLLING_BACK + cause);
            }
            // Rolled back before any accepted job is picked up, as far as it goes now; the rest is retried.
            if (!rollBack(t, job.jobId(), cause)) {
                retryLater(t, new Queued(job.jobId(), Action.ROLL_BACK), job.lockKey());
            }
        }
        synchronized (this) {
            t.recovered = true;
        }
        pickUpAccepted(t);
        try {
            t.timer.scheduleWithFixedDelay(() -> pickUpAccepted(t), PICK_UP_EVERY.toMillis(), PICK_UP_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
            t.timer.scheduleWithFixedDelay(this::pruneEnded, 0, PRUNE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The term ended while it recovered: nothing more to schedule.
        }
    }

    /**
     * Queues, oldest first, every accepted job this term has not queued yet: those submitted to
     * any manager. A failure (the store) is logged; the next look tries again.
     */
    private void pickUpAccepted(Term t) {
        try {
            List<JobRecord> accepted = jobs.inState(JobState.ACCEPT);
            synchronized (this) {
                if (t.closed || !t.recovered) {
                    return;
                }
                Set<String> stillAccepted = new HashSet<>();
                for (JobRecord job : accepted) {
                    stillAccepted.add(job.jobId());
                    if (t.queued.add(job.jobId())) {
                        enqueue(t, new Queued(job.jobId(), Action.START), job.lockKey());
                    }
                }
                // A job no longer accepted never is again: its id need not be remembered.
                t.queued.retainAll(stillAccepted);
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot look for accepted jobs: {}", e.getMessage());
        }
    }

    /**
     * Accepts a job. The same job_id with the same body answers the job already stored, which
     * runs once; the same job_id with another body is refused.
     */
    public JobStatus submit(Submission submission) {
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
        Term t;
        synchronized (this) {
            t = term;
        }
        if (t != null) {
            pickUpAccepted(t);
        }
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
        Term t;
        synchronized (this) {
            t = term;
        }
        if (t == null) {
            // The lead was lost during the action: the next leader's recovery ends the job (AutomaticJob.CUT_OFF).
            throw new ManagerException(ManagerException.Code.NOT_LEASE_HOLDER, "job " + jobId
                    + ": this manager no longer leads; the next leader ends the job");
        }
        end(t, jobId, succeeded ? JobTransition.SUCCEED : JobTransition.FAIL, info);
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

    /** A page of {@link #newest(int, Collection)}, older than the job {@code before}; empty when it is unknown. */
    public Optional<List<JobStatus>> newest(int limit, Collection<JobType> types, Optional<String> before) {
        return jobs.newest(limit, types, before).map(page -> page.stream().map(JobRecord::status).toList());
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
        Term t;
        synchronized (this) {
            t = term;
            if (t == null || t.closed || t.queues.containsKey(lockKey)) {
                return false;
            }
            t.queues.put(lockKey, new ArrayDeque<>());
        }
        try {
            work.run();
        } finally {
            release(t, lockKey);
        }
        return true;
    }

    /** Hands a key held by {@link #runIfIdle} to the jobs that queued behind it, if any. */
    private synchronized void release(Term t, String lockKey) {
        Deque<Queued> waiting = t.queues.get(lockKey);
        if (t.closed || waiting == null || waiting.isEmpty()) {
            t.queues.remove(lockKey);
        } else {
            t.workers.execute(() -> drain(t, lockKey));
        }
    }

    /** How many lock keys have jobs queued, running or waiting for a rollback's retry. */
    synchronized int busyLockKeys() {
        return term == null ? 0 : term.queues.size();
    }

    /** Queues a job behind its lock key; the first job of an idle key gets a worker. */
    private synchronized void enqueue(Term t, Queued job, String lockKey) {
        if (t.closed) {
            return; // still in the store: the next leader (or start) runs it
        }
        Deque<Queued> queue = t.queues.get(lockKey);
        if (queue == null) {
            queue = new ArrayDeque<>();
            t.queues.put(lockKey, queue);
            t.workers.execute(() -> drain(t, lockKey));
        }
        queue.addLast(job);
    }

    /** The next job of a key, or null when none waits or the term ended: then the key is idle. */
    private synchronized Queued next(Term t, String lockKey) {
        Queued job = t.closed ? null : t.queues.get(lockKey).pollFirst();
        if (job == null) {
            t.queues.remove(lockKey);
        }
        return job;
    }

    /**
     * Puts a rollback that could not finish back at the head of its key's queue, which keeps the
     * key busy (the jobs behind it wait: they could meet what the rollback has still to take
     * back), and gives the key a worker again after the retry delay.
     */
    private void retryLater(Term t, Queued rollback, String lockKey) {
        retryLater(t, rollback, lockKey, settings.rollbackRetry());
    }

    private synchronized void retryLater(Term t, Queued retried, String lockKey, Duration delay) {
        if (t.closed) {
            t.queues.remove(lockKey); // the job stays ongoing with its undo log: the next leader retries
            return;
        }
        t.queues.computeIfAbsent(lockKey, key -> new ArrayDeque<>()).addFirst(retried);
        t.timer.schedule(() -> resumeDraining(t, lockKey), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void resumeDraining(Term t, String lockKey) {
        if (!t.closed) {
            t.workers.execute(() -> drain(t, lockKey));
        }
    }

    /** Runs the jobs of one lock key one after the other. A job never stops the ones behind it. */
    private void drain(Term t, String lockKey) {
        for (Queued job = next(t, lockKey); job != null; job = next(t, lockKey)) {
            try {
                if (!run(t, job)) {
                    retryLater(t, new Queued(job.jobId(), Action.ROLL_BACK), lockKey);
                    return;
                }
            } catch (RuntimeException | Error e) {
                if (t.abandoned) {
                    LOG.warn("job {}: left to the manager that took the metadata store over ({})", job.jobId(),
                            e.getMessage());
                    return;
                }
                // The store failed under the engine's own bookkeeping (it went away mid-job). The
                // job keeps its key and is taken over from what the store holds, as a restart would,
                // once the store answers again.
                // So does a job whose step was refused for want of the lead: when this manager
                // lost it, the term ends before the retry; when it renews in time, it goes on.
                LOG.error("job {}: the engine could not record its state; taken over again in {} s", job.jobId(),
                        STORE_RETRY.toSeconds(), e);
                retryLater(t, new Queued(job.jobId(), Action.TAKE_OVER), lockKey, STORE_RETRY);
                return;
            }
        }
    }

    /**
     * Starts (or resumes) the job, checks then runs its operation, and ends it; or goes on with
     * its rollback. False when a rollback could not finish: the job stays ongoing to be retried.
     */
    private boolean run(Term t, Queued queued) {
        String jobId = queued.jobId();
        JobRecord job = jobs.find(jobId).orElseThrow();
        if (queued.action() == Action.ROLL_BACK) {
            boolean stillRollingBack = job.status().state() == JobState.ONGOING && job.rollbackCause().isPresent();
            return !stillRollingBack || rollBack(t, jobId, job.rollbackCause().get());
        }
        if (queued.action() == Action.TAKE_OVER) {
            return takeOver(t, job);
        }
        boolean resuming = queued.action() == Action.RESUME;
        // A resumed job is ongoing already: what keeps it from running fails it rather than refusing it.
        JobTransition cannotRun = resuming ? JobTransition.FAIL : JobTransition.REFUSE;
        Operation<?, ?> operation = operations.get(job.status().jobType());
        if (operation == null) {
            end(t, jobId, cannotRun, job.status().jobType().wireName() + " is not implemented yet");
            return true;
        }
        JobRequest request;
        try {
            request = WireFormat.parse(WireFormat.json().readValue(job.requestJson(), ObjectNode.class)).request();
        } catch (Exception e) {
            end(t, jobId, cannotRun, "stored request cannot be read: " + e.getMessage());
            return true;
        }
        // A run cut off while checking had made no side effect: it starts over as the first run did.
        boolean resumed = resuming && !CHECKING.equals(job.status().step());
        String firstStep = resumed ? RESUMED_AT + cutOffStep(job) + "'" : CHECKING;
        jobs.checkFence(jobId, t.fencing);
        if (!jobs.apply(jobId, resuming ? JobTransition.RESUME : JobTransition.START, firstStep)) {
            return true;
        }
        String result;
        try {
            result = checkThenRun(operation, request,
                    new JobContext(jobId, job.lockKey(), jobs, undoActions, resumed, t.fencing));
        } catch (RuntimeException | Error failure) {
            if (t.interrupting || Thread.interrupted()) {
                // Only a stopping engine interrupts its workers: the job was cut off, not failed.
                // It stays ongoing with its undo log, for the next start to resume or roll back.
                LOG.warn("job {}: cut off by the manager stopping; the next start takes it over", jobId, failure);
                return true;
            }
            if (t.abandoned) {
                LOG.warn("job {}: left to the manager that took the metadata store over ({})", jobId,
                        failure.getMessage());
                return true;
            }
            if (MetadataStore.refusedForTheLease(failure)) {
                throw failure; // not the job's failure: taken over again, or left to the next leader
            }
            return fail(t, jobId, reason(job, failure));
        }
        end(t, jobId, JobTransition.SUCCEED, result);
        return true;
    }

    /**
     * A job whose run the store's failure cut off, as the store holds it now: still accepted, it
     * starts; ongoing with its run completed, it ends done; ongoing with no undo record (it
     * changed nothing yet) or resumable, it runs again; otherwise it rolls back. An ended job is
     * left as it is.
     */
    private boolean takeOver(Term t, JobRecord job) {
        return switch (job.status().state()) {
            case ACCEPT -> run(t, new Queued(job.jobId(), Action.START));
            case ONGOING -> {
                if (endedAsCompleted(t, job)) {
                    yield true;
                }
                if (job.rollbackCause().isPresent()) {
                    yield rollBack(t, job.jobId(), job.rollbackCause().get());
                }
                Operation<?, ?> operation = operations.get(job.status().jobType());
                boolean runsAgain = jobs.undoLog(job.jobId()).isEmpty()
                        || (operation != null && operation.resumesAfterRestart());
                yield runsAgain ? run(t, new Queued(job.jobId(), Action.RESUME))
                                : fail(t, job.jobId(), "the metadata store failed while the job was at step '"
                                        + stepOf(job) + "'");
            }
            case DONE, FAILED -> true;
        };
    }

    /**
     * Fails the job at once when it made no side effect, else begins its rollback; but a job
     * whose run completed before the failure (in work that needs no undo) ends done.
     */
    private boolean fail(Term t, String jobId, String cause) {
        if (endedAsCompleted(t, jobs.find(jobId).orElseThrow())) {
            LOG.error("job {}: failed after its run completed, so it ended done: {}", jobId, cause);
            return true;
        }
        if (jobs.undoLog(jobId).isEmpty()) {
            end(t, jobId, JobTransition.FAIL, cause);
            return true;
        }
        jobs.checkFence(jobId, t.fencing);
        if (!jobs.beginRollback(jobId, cause, ROLLING_BACK + cause)) {
            return true;
        }
        return rollBack(t, jobId, cause);
    }

    /**
     * Ends done, with the info its run recorded, a job whose run {@linkplain JobContext#complete
     * completed}: whatever cut it off after that, what it made stays. False for any other job.
     */
    private boolean endedAsCompleted(Term t, JobRecord job) {
        if (job.completedInfo().isEmpty()) {
            return false;
        }
        end(t, job.jobId(), JobTransition.SUCCEED, job.completedInfo().get());
        return true;
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
    private boolean rollBack(Term t, String jobId, String cause) {
        List<UndoRecord> log = jobs.undoLog(jobId);
        for (int i = 0; i < log.size(); i++) {
            UndoRecord record = log.get(i);
            try {
                if (t.interrupting) {
                    throw new ManagerException(ManagerException.Code.INTERRUPTED, "the manager is stopping");
                }
                if (t.abandoned) {
                    throw new ManagerException(ManagerException.Code.NOT_LEASE_HOLDER,
                            "another manager took the metadata store over");
                }
                jobs.checkFence(jobId, t.fencing);
                undoActions.undo(record.action(), record.payload());
            } catch (RuntimeException e) {
                if (t.abandoned || MetadataStore.refusedForTheLease(e)) {
                    throw e; // the rollback is the next leader's (or this one's, once it renews)
                }
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
        end(t, jobId, JobTransition.FAIL, cause + "; rolled back");
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
    private void end(Term t, String jobId, JobTransition transition, String info) {
        boolean interrupted = false;
        long pauseMillis = 100;
        boolean moved;
        while (true) {
            try {
                jobs.checkFence(jobId, t.fencing);
                moved = jobs.apply(jobId, transition, info);
                break;
            } catch (RuntimeException e) {
                if (t.abandoned || MetadataStore.refusedForTheLease(e)) {
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
     * This manager stopped leading: the term ends, starting nothing more and retrying nothing.
     * Running jobs stop at their next statement or command (the store and the machines refuse
     * them now, and so does the fencing number of their steps) and are left as they are,
     * ongoing, for the next leader to take over as after a restart: nothing is rolled back or
     * ended here. Does not wait for the workers. Nothing happens while the engine does not lead.
     */
    public void abandon() {
        Term t;
        synchronized (this) {
            t = term;
            term = null;
            if (t == null) {
                return;
            }
            t.closed = true;
            t.abandoned = true;
        }
        t.timer.shutdownNow();
        t.workers.shutdown();
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
        Term t;
        synchronized (this) {
            t = term;
            term = null;
            if (t == null) {
                return;
            }
            t.closed = true;
        }
        t.timer.shutdownNow();
        t.workers.shutdown();
        try {
            if (!t.workers.awaitTermination(settings.stopGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                t.interrupting = true;
                t.workers.shutdownNow();
                if (!t.workers.awaitTermination(INTERRUPTED_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("job workers still run {} s after they were interrupted", INTERRUPTED_WAIT.toSeconds());
                }
            }
        } catch (InterruptedException e) {
            t.interrupting = true;
            t.workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
