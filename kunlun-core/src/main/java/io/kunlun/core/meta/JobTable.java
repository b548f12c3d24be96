package io.kunlun.core.meta;

import io.kunlun.core.ManagerException;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.JobType;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jdbi.v3.core.statement.Update;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Jobs (the operation records) and their undo logs. */
public final class JobTable {
    private static final String COLUMNS = "seq, job_id, job_type, user_name, request, lock_key, state, info, step,"
            + " steps_done, steps_total, submitted_at, started_at, ended_at, rollback_cause, completed_info";

    private final Jdbi jdbi;

    JobTable(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Stores a new job in state accept, unless the id is taken: then answers the existing job,
     * which the caller compares with the request.
     */
    public InsertOutcome insert(String jobId, JobType type, String userName, String requestJson, String lockKey,
                                String info) {
        try {
            return insertUnlessPresent(jobId, type, userName, requestJson, lockKey, info);
        } catch (UnableToExecuteStatementException e) {
            if (!(e.getCause() instanceof SQLIntegrityConstraintViolationException)) {
                throw e;
            }
            // The same job_id was stored by a concurrent request between our look-up and our insert.
            return new InsertOutcome(find(jobId).orElseThrow(() -> e), false);
        }
    }

    private InsertOutcome insertUnlessPresent(String jobId, JobType type, String userName, String requestJson,
                                              String lockKey, String info) {
        return jdbi.inTransaction(handle -> {
            Optional<JobRecord> existing = find(handle, jobId);
            if (existing.isPresent()) {
                return new InsertOutcome(existing.get(), false);
            }
            handle.createUpdate("INSERT INTO job (job_id, job_type, user_name, request, lock_key, state, info,"
                            + " submitted_at) VALUES (:id, :type, :user, :request, :lock, :state, :info, :now)")
                    .bind("id", jobId)
                    .bind("type", type.wireName())
                    .bind("user", userName)
                    .bind("request", requestJson)
                    .bind("lock", lockKey)
                    .bind("state", JobState.ACCEPT.wireName())
                    .bind("info", info)
                    .bind("now", System.currentTimeMillis())
                    .execute();
            return new InsertOutcome(find(handle, jobId).orElseThrow(), true);
        });
    }

    public record InsertOutcome(JobRecord job, boolean created) {
    }

    /**
     * Stores a job already ongoing at {@code step}: what the manager does on its own is recorded
     * as it starts, never queued.
     */
    public JobRecord insertOngoing(String jobId, JobType type, String requestJson, String lockKey, String step) {
        return jdbi.inTransaction(handle -> {
            long now = System.currentTimeMillis();
            handle.createUpdate("INSERT INTO job (job_id, job_type, user_name, request, lock_key, state, info, step,"
                            + " submitted_at, started_at) VALUES (:id, :type, '', :request, :lock, :state, :step,"
                            + " :step, :now, :now)")
                    .bind("id", jobId)
                    .bind("type", type.wireName())
                    .bind("request", requestJson)
                    .bind("lock", lockKey)
                    .bind("state", JobState.ONGOING.wireName())
                    .bind("step", truncate(step, 255))
                    .bind("now", now)
                    .execute();
            return find(handle, jobId).orElseThrow();
        });
    }

    public Optional<JobRecord> find(String jobId) {
        return jdbi.withHandle(handle -> find(handle, jobId));
    }

    /** The newest jobs first. */
    public List<JobRecord> newest(int limit) {
        return newest(limit, List.of());
    }

    /** The newest jobs first: of the given types only, or of every type when {@code types} is empty. */
    public List<JobRecord> newest(int limit, Collection<JobType> types) {
        return newest(limit, types, Optional.empty()).orElseThrow();
    }

    /**
     * One page of {@link #newest(int, Collection)}: the jobs accepted before the job
     * {@code before} (by acceptance order, which ids do not follow), or the newest when empty.
     *
     * @return empty when there is no job {@code before}
     */
    public Optional<List<JobRecord>> newest(int limit, Collection<JobType> types, Optional<String> before) {
        return jdbi.withHandle(handle -> {
            Optional<Long> end = before.isEmpty() ? Optional.of(Long.MAX_VALUE)
                    : handle.createQuery("SELECT seq FROM job WHERE job_id = :id").bind("id", before.get())
                            .mapTo(Long.class).findOne();
            if (end.isEmpty()) {
                return Optional.empty();
            }
            Query query = handle.createQuery("SELECT " + COLUMNS + " FROM job WHERE seq < :end"
                    + (types.isEmpty() ? "" : " AND job_type IN (<types>)") + " ORDER BY seq DESC LIMIT :n");
            if (!types.isEmpty()) {
                query.bindList("types", types.stream().map(JobType::wireName).toList());
            }
            return Optional.of(query.bind("end", end.get()).bind("n", limit).map((rs, ctx) -> record(rs)).list());
        });
    }

    /** Jobs in one state, oldest first: the order they were accepted in. */
    public List<JobRecord> inState(JobState state) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + " FROM job WHERE state = :s ORDER BY seq")
                .bind("s", state.wireName()).map((rs, ctx) -> record(rs)).list());
    }

    /**
     * Applies one transition of the job state machine, with {@code info}: for START and RESUME
     * also the step the job is at, for the terminal transitions the job's result or failure.
     * False when the job was not in the transition's source state (someone else moved it, or it
     * had ended).
     */
    public boolean apply(String jobId, JobTransition transition, String info) {
        String changes = switch (transition) {
            case START -> "step = :step, started_at = :now";
            case RESUME -> "step = :step";
            case SUCCEED, FAIL, REFUSE -> "ended_at = :now";
        };
        return jdbi.inTransaction(handle -> {
            Update update = handle.createUpdate("UPDATE job SET state = :to, info = :info, " + changes
                            + " WHERE job_id = :id AND state = :from")
                    .bind("to", transition.to().wireName())
                    .bind("from", transition.from().wireName())
                    .bind("info", info)
                    .bind("id", jobId);
            if (!transition.to().isTerminal()) {
                update.bind("step", truncate(info, 255));
            }
            if (transition != JobTransition.RESUME) {
                update.bind("now", System.currentTimeMillis());
            }
            boolean moved = update.execute() == 1;
            if (moved && transition == JobTransition.SUCCEED) {
                handle.execute("DELETE FROM job_undo WHERE job_id = ?", jobId);
            }
            return moved;
        });
    }

    /**
     * Runs {@code lastWrites}, the last metadata writes of the job's run (through any table of
     * this store: Jdbi gives them this thread's handle, so they join this transaction), and
     * records that the run completed with {@code info}, in one transaction: either both are
     * durable or neither. The step is refused (a {@code NOT_LEASE_HOLDER} ManagerException, and
     * nothing is written) once the term {@code fencing} is over, and fails with an INTERNAL one
     * when the job is no longer ongoing; whatever {@code lastWrites} throws rolls the transaction
     * back and propagates.
     */
    public void recordCompletion(String jobId, long fencing, String info, Runnable lastWrites) {
        jdbi.useTransaction(handle -> {
            checkFence(jobId, fencing);
            lastWrites.run();
            int recorded = handle.createUpdate("UPDATE job SET completed_info = :info WHERE job_id = :id"
                            + " AND state = :ongoing")
                    .bind("info", info).bind("id", jobId).bind("ongoing", JobState.ONGOING.wireName()).execute();
            if (recorded != 1) {
                throw new ManagerException(ManagerException.Code.INTERNAL, "job " + jobId
                        + " cannot record that its run completed: it is no longer ongoing");
            }
        });
    }

    /**
     * Marks an ongoing job as rolling back because of {@code cause}: it stays ongoing, at the
     * step it failed at, with {@code info}, until its undo log is empty. False when the job is
     * not ongoing.
     */
    public boolean beginRollback(String jobId, String cause, String info) {
        return jdbi.withHandle(handle -> handle.createUpdate("UPDATE job SET rollback_cause = :cause,"
                        + " info = :info WHERE job_id = :id AND state = :ongoing")
                .bind("cause", cause).bind("info", info).bind("id", jobId)
                .bind("ongoing", JobState.ONGOING.wireName()).execute() == 1);
    }

    /** Says how far a rollback got (shown by get_status); only while the job is ongoing. */
    public void rollbackProgress(String jobId, String info) {
        jdbi.useHandle(handle -> handle.createUpdate("UPDATE job SET info = :info WHERE job_id = :id"
                        + " AND state = :ongoing")
                .bind("info", info).bind("id", jobId).bind("ongoing", JobState.ONGOING.wireName()).execute());
    }

    /**
     * Forgets ended jobs that ended before {@code endedBefore} (epoch milliseconds) or are older
     * than the newest {@code keep} jobs; answers how many. A job id that an undo log, a cluster or
     * a port reservation still names is kept: a new job with that id would be taken for its owner.
     */
    public int pruneEnded(long endedBefore, int keep) {
        return jdbi.inTransaction(handle -> {
            // The count first: reading the newest jobs down to the oldest kept reads them all (a
            // list of them, as this read before, was a million rows at fleet scale).
            long jobs = handle.createQuery("SELECT COUNT(*) FROM job").mapTo(Long.class).one();
            long oldestKept = jobs <= keep ? 0 : handle.createQuery("SELECT seq FROM job ORDER BY seq DESC"
                    + " LIMIT 1 OFFSET :newer").bind("newer", keep - 1).mapTo(Long.class).one();
            return deleteEnded(handle, "ended_at < :bound", endedBefore) + deleteEnded(handle, "seq < :bound", oldestKept);
        });
    }

    /**
     * A job (of the table {@code job}) that no undo log, cluster or port reservation names; each
     * question once per candidate job, each through an index on job_id (V1's key of job_undo,
     * V12's port_allocation_by_job and cluster_by_job).
     */
    static final String UNNAMED = "NOT EXISTS (SELECT 1 FROM job_undo u WHERE u.job_id = job.job_id)"
            + " AND NOT EXISTS (SELECT 1 FROM cluster c WHERE c.job_id = job.job_id)"
            + " AND NOT EXISTS (SELECT 1 FROM port_allocation p WHERE p.job_id = job.job_id)";

    /**
     * Deletes the ended jobs within {@code bounded} (a condition on :bound) that nothing names.
     * One delete per bound, each a range of its own index: one delete with both bounds ORed, or
     * naming the ended states (the first column of job_by_state), read every job (20 to 50 s at a
     * million, to delete none).
     */
    private static int deleteEnded(Handle handle, String bounded, long bound) {
        return handle.createUpdate("DELETE FROM job WHERE " + bounded + " AND state NOT IN (<running>) AND "
                        + UNNAMED)
                .bindList("running", Arrays.stream(JobState.values()).filter(state -> !state.isTerminal())
                        .map(JobState::wireName).toList())
                .bind("bound", bound).execute();
    }

    /**
     * Records on the job that the leader of term {@code fencing} takes its next step, or refuses
     * the step (a {@code NOT_LEASE_HOLDER} ManagerException) when the store's lease has moved on to
     * a later term: a leader that lost the lead must not act on the job any more. Fencing number
     * 0 is an engine without a lease (an embedder's, a test's): nothing is checked or recorded.
     */
    public void checkFence(String jobId, long fencing) {
        if (fencing == 0) {
            return;
        }
        int recorded = jdbi.withHandle(handle -> handle.createUpdate("UPDATE job SET fencing = :fencing"
                        + " WHERE job_id = :id AND :fencing = (SELECT fencing FROM manager_lease WHERE name = 'manager')")
                .bind("fencing", fencing).bind("id", jobId).execute());
        if (recorded == 0) {
            throw new ManagerException(ManagerException.Code.NOT_LEASE_HOLDER, "job " + jobId + ": step refused:"
                    + " this manager's term as leader (fencing number " + fencing + ") is over");
        }
    }

    /** The fencing number of the leader that took the job's latest step; 0 before any. */
    public long fencing(String jobId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COALESCE(fencing, 0) FROM job WHERE job_id = :id")
                .bind("id", jobId).mapTo(Long.class).findOne().orElse(0L));
    }

    /** Records the current step of an ongoing job; a job that has ended keeps its last step. */
    public void progress(String jobId, String step, int done, int total) {
        jdbi.useHandle(handle -> handle.createUpdate("UPDATE job SET step = :step, info = :step, steps_done = :done,"
                        + " steps_total = :total WHERE job_id = :id AND state = :ongoing")
                .bind("step", truncate(step, 255)).bind("done", done).bind("total", total).bind("id", jobId)
                .bind("ongoing", JobState.ONGOING.wireName()).execute());
    }

    public void appendUndo(String jobId, String action, String payload) {
        jdbi.useTransaction(handle -> {
            int next = handle.createQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM job_undo WHERE job_id = :id")
                    .bind("id", jobId).mapTo(Integer.class).one();
            handle.execute("INSERT INTO job_undo (job_id, seq, action, payload) VALUES (?, ?, ?, ?)",
                    jobId, next, action, payload);
        });
    }

    /** The undo log, newest first: the order to undo in. */
    public List<UndoRecord> undoLog(String jobId) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT job_id, seq, action, payload FROM job_undo WHERE job_id = :id ORDER BY seq DESC")
                .bind("id", jobId)
                .map((rs, ctx) -> new UndoRecord(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4)))
                .list());
    }

    public void removeUndo(String jobId, int seq) {
        jdbi.useHandle(handle -> handle.execute("DELETE FROM job_undo WHERE job_id = ? AND seq = ?", jobId, seq));
    }

    private static Optional<JobRecord> find(Handle handle, String jobId) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM job WHERE job_id = :id")
                .bind("id", jobId).map((rs, ctx) -> record(rs)).findOne();
    }

    private static JobRecord record(ResultSet rs) throws SQLException {
        JobStatus status = new JobStatus(
                rs.getString("job_id"),
                JobType.fromWire(rs.getString("job_type")),
                rs.getString("user_name"),
                JobState.fromWire(rs.getString("state")),
                rs.getString("info"),
                rs.getString("step"),
                rs.getInt("steps_done"),
                rs.getInt("steps_total"),
                Instant.ofEpochMilli(rs.getLong("submitted_at")),
                instant(rs, "started_at"),
                instant(rs, "ended_at"));
        return new JobRecord(rs.getLong("seq"), status, rs.getString("request"), rs.getString("lock_key"),
                Optional.ofNullable(rs.getString("rollback_cause")), Optional.ofNullable(rs.getString("completed_info")));
    }

    private static Optional<Instant> instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
    }

    private static String truncate(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }
}
