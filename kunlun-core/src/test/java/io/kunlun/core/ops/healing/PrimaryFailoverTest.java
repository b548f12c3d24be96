package io.kunlun.core.ops.healing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Whether an old primary holds transactions its shard's new primary lacks (errant GTIDs). */
class PrimaryFailoverTest {
    @Test
    void anOldPrimaryWhoseLastTransactionsTheNewPrimaryReceivedHasNoErrantGtid() {
        assertThat(PrimaryFailover.errant("0-1-100", "0-1-100,0-2-130")).isEmpty();
    }

    @Test
    void aTransactionTheOldPrimaryWroteButTheNewPrimaryNeverReceivedIsErrant() {
        assertThat(PrimaryFailover.errant("0-1-101", "0-1-100,0-2-130")).isEqualTo("0-1-101");
    }

    @Test
    void everyDomainAndServerIsComparedApart() {
        assertThat(PrimaryFailover.errant("0-1-90,0-3-95,1-1-7", "0-1-90,0-2-130,1-1-6"))
                .isEqualTo("0-3-95,1-1-7");
    }

    @Test
    void anEmptyHistoryHoldsNothingErrant() {
        assertThat(PrimaryFailover.errant("", "0-2-5")).isEmpty();
    }
}
