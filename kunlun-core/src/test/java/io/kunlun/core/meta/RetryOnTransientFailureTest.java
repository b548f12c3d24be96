package io.kunlun.core.meta;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failures of the manager's own store work are worth running the work again for. */
class RetryOnTransientFailureTest {
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
}
