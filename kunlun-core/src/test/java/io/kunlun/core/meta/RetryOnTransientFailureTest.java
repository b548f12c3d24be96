package io.kunlun.core.meta;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which failures of the manager's own store work are worth running the work again for, and how
 * often a request's work is run.
 */
class RetryOnTransientFailureTest {
    private static final Duration QUICK_FAILURE = Duration.ofMillis(200);

    @Test
    void aDeadlocksVictimIsRunAgainWhereverItIsWrapped() {
        SQLException deadlock = new SQLException("Deadlock found when trying to get lock", "40001", 1213);

        assertThat(RetryOnTransientFailure.worthRetrying(deadlock)).isTrue();
        assertThat(RetryOnTransientFailure.worthRetrying(new IllegalStateException("statement failed", deadlock)))
                .isTrue();
    }

    @Test
    void aLostConnectionIsRunAgain() {
        assertThat(RetryOnTransientFailure.worthRetrying(new SQLNonTransientConnectionException("gone"))).isTrue();
        assertThat(RetryOnTransientFailure.worthRetrying(new SQLException("closed", "08S01"))).isTrue();
    }

    @Test
    void aStatementTheStoreRefusedIsNot() {
        assertThat(RetryOnTransientFailure.worthRetrying(new SQLException("Duplicate entry", "23000", 1062)))
                .isFalse();
        assertThat(RetryOnTransientFailure.worthRetrying(new IllegalStateException("no SQL here"))).isFalse();
    }

    @Test
    void aRequestWhoseConnectionWasLostRunsOnceMoreOnANewConnection() throws Exception {
        Jdbi store = requestStore();
        AtomicInteger runs = new AtomicInteger();

        int answer = store.withHandle(handle -> {
            if (runs.incrementAndGet() == 1) {
                throw new SQLNonTransientConnectionException("the member went away");
            }
            return handle.createQuery("SELECT 42").mapTo(Integer.class).one();
        });

        assertThat(answer).isEqualTo(42);
        assertThat(runs).hasValue(2);
    }

    @Test
    void aRequestWhoseConnectionIsLostTwiceFailsWithoutAThirdRun() {
        Jdbi store = requestStore();
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> store.useHandle(handle -> {
            throw new SQLNonTransientConnectionException("lost " + runs.incrementAndGet());
        })).isInstanceOf(SQLNonTransientConnectionException.class).hasMessage("lost 2");
        assertThat(runs).hasValue(2);
    }

    @Test
    void aRequestWhoseStatementFailedIsNotRunAgain() {
        Jdbi store = requestStore();
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> store.useHandle(handle -> {
            runs.incrementAndGet();
            throw new SQLException("Duplicate entry", "23000", 1062);
        })).hasMessage("Duplicate entry");
        assertThat(runs).hasValue(1);
    }

    @Test
    void aRequestWhoseConnectionWasLostOnlyAfterAWaitIsNotRunAgain() {
        Jdbi store = requestStore();
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> store.useHandle(handle -> {
            runs.incrementAndGet();
            Thread.sleep(QUICK_FAILURE.multipliedBy(2).toMillis());
            throw new SQLTransientConnectionException("Connection is not available, request timed out");
        })).isInstanceOf(SQLTransientConnectionException.class);
        assertThat(runs).hasValue(1);
    }

    @Test
    void aUnitInsideATransactionWhoseConnectionWasLostRunsAgainWithTheWholeTransactionOnItsNewConnection() throws Exception {
        Jdbi store = Jdbi.create("jdbc:h2:mem:retry-" + UUID.randomUUID());
        new RetryOnTransientFailure("test", Duration.ofSeconds(5), () -> false, QUICK_FAILURE).install(store);
        List<Boolean> innerOnTheTransactionsHandle = new CopyOnWriteArrayList<>();
        AtomicInteger innerRuns = new AtomicInteger();

        store.useTransaction(transaction -> store.useHandle(inner -> {
            innerOnTheTransactionsHandle.add(inner == transaction);
            if (innerRuns.incrementAndGet() == 1) {
                throw new SQLNonTransientConnectionException("the member went away");
            }
        }));

        assertThat(innerOnTheTransactionsHandle).containsExactly(true, true);
    }

    /** An in-memory store whose every unit of work serves a request. */
    private static Jdbi requestStore() {
        Jdbi store = Jdbi.create("jdbc:h2:mem:retry-" + UUID.randomUUID());
        new RetryOnTransientFailure("test", Duration.ofSeconds(5), () -> true, QUICK_FAILURE).install(store);
        return store;
    }
}
