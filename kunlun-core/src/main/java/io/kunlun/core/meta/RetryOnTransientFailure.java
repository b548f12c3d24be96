package io.kunlun.core.meta;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.HandleCallbackDecorator;
import org.jdbi.v3.core.HandleScope;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.extension.HandleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The manager's own store work outlives a store restart or a Galera member change: a unit of work
 * (one withHandle, useHandle or transaction) whose connection was lost is run again on a new
 * connection until it succeeds or {@code patience} has passed. Without this a job whose state
 * update met a connection the server had just closed would stop until the next manager start.
 * An API request's unit of work is run again once, at once, on a new connection when its
 * connection was lost quickly (a pool's connections to a member that died fail one by one, each
 * at its first statement); a second failure, or any other, answers failed at once, and the client
 * asks again. A unit that failed only after waiting (for a connection the pool could not make:
 * the store is down) is not run again, which would double the time a client waits for a failure.
 *
 * <p>A commit whose answer was lost with the connection may have happened, and the unit then runs
 * a second time: a conditional update (a job transition moves only from its source state) changes
 * nothing the second time, an insert may add its row twice. That window (the connection lost
 * between a commit and its answer) is far narrower than the one closed here (any statement on a
 * connection the server had closed).
 *
 * <p>A unit the server rolled back as a deadlock's victim (SQLSTATE 40001, which a MariaDB store
 * meets between jobs writing at once, more often just after it restarted) is run again too: the
 * server undid all of it, so running it again is always safe.
 *
 * <p>Only the outermost unit of a thread is run again: a unit inside another (Jdbi gives it the
 * thread's open handle) would otherwise run alone on its new connection and commit apart from the
 * transaction it belongs to (a run's last writes and its completion, see
 * {@link JobTable#recordCompletion}). The outermost unit runs again whole, and the units inside it
 * share its new connection.
 */
final class RetryOnTransientFailure implements HandleCallbackDecorator {
    private static final Logger LOG = LoggerFactory.getLogger(RetryOnTransientFailure.class);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);

    private final String location;
    private final Duration patience;
    private final BooleanSupplier servingRequest;
    private final Duration quickFailure;
    private Jdbi jdbi;

    /**
     * @param quickFailure how soon a request's unit of work must have failed, its connection lost,
     *                     to be run once more
     */
    RetryOnTransientFailure(String location, Duration patience, BooleanSupplier servingRequest, Duration quickFailure) {
        this.location = location;
        this.patience = patience;
        this.servingRequest = servingRequest;
        this.quickFailure = quickFailure;
    }

    /** Decorates {@code store}'s units of work; fresh connections for a second attempt come from it. */
    void install(Jdbi store) {
        this.jdbi = store;
        store.setHandleCallbackDecorator(this);
    }

    @Override
    public <R, X extends Exception> HandleCallback<R, X> decorate(HandleCallback<R, X> callback) {
        if (jdbi.getHandleScope().get() != null) {
            return callback; // inside another unit, which runs again whole
        }
        return handle -> {
            if (servingRequest.getAsBoolean()) {
                return onceMoreIfLost(callback, handle);
            }
            long deadline = System.nanoTime() + patience.toNanos();
            try {
                return callback.withHandle(handle);
            } catch (Exception first) {
                if (!worthRetrying(first)) {
                    throw first;
                }
                LOG.warn("metadata store {}: {} ({}); running the work again on a new connection for up to {} s",
                        location, lostConnection(first) ? "a connection was lost" : "the work was rolled back as a"
                                + " deadlock's victim", MetadataStore.rootMessage(first), patience.toSeconds());
                return again(callback, deadline, first);
            }
        };
    }

    /**
     * A request's unit of work, run once more at once on a new connection when its connection
     * was lost: the pool's connections to a store member that died or hung fail one after another,
     * and a new one goes to a member that answers. No pause and no second retry: the client waits.
     */
    private <R, X extends Exception> R onceMoreIfLost(HandleCallback<R, X> callback, Handle handle) throws X {
        long start = System.nanoTime();
        try {
            return callback.withHandle(handle);
        } catch (Exception first) {
            if (!lostConnection(first) || System.nanoTime() - start > quickFailure.toNanos()) {
                return rethrow(first);
            }
            try (Handle fresh = jdbi.open()) {
                return onThisThread(fresh, callback);
            } catch (Exception second) {
                second.addSuppressed(first);
                return rethrow(second);
            }
        }
    }

    private <R, X extends Exception> R again(HandleCallback<R, X> callback, long deadline, Exception first)
            throws X {
        Duration pause = FIRST_PAUSE;
        Exception last = first;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            try (Handle fresh = jdbi.open()) {
                return onThisThread(fresh, callback);
            } catch (Exception e) {
                if (!worthRetrying(e)) {
                    return rethrow(e);
                }
                last = e;
            }
        }
        return rethrow(last);
    }

    /**
     * Runs the unit on {@code fresh}, the thread's handle meanwhile: the units inside it get that
     * handle, not the one whose connection was lost.
     */
    private <R, X extends Exception> R onThisThread(Handle fresh, HandleCallback<R, X> callback) throws X {
        HandleScope scope = jdbi.getHandleScope();
        HandleSupplier lost = scope.get();
        scope.set(fresh);
        try {
            return callback.withHandle(fresh);
        } finally {
            if (lost == null) {
                scope.clear();
            } else {
                scope.set(lost);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <R, X extends Exception> R rethrow(Exception e) throws X {
        throw (X) e;
    }

    /** A failure that running the work again on a new connection gets past. */
    static boolean worthRetrying(Throwable e) {
        return lostConnection(e) || rolledBack(e);
    }

    /** The server rolled the transaction back to end a deadlock (SQLSTATE 40001, MariaDB error 1213). */
    static boolean rolledBack(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransactionRollbackException
                    || cause instanceof SQLException sql && "40001".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** A connection that broke or could not be had (SQLSTATE class 08), as opposed to a failed statement. */
    static boolean lostConnection(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLNonTransientConnectionException || cause instanceof SQLTransientConnectionException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                return true;
            }
        }
        return false;
    }
}
