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
    void everyDomainIsComparedApartByItsLastGtid() {
        assertThat(PrimaryFailover.errant("0-1-90,0-3-95,1-1-7", "0-1-90,0-2-130,1-1-6"))
                .isEqualTo("0-3-95,1-1-7");
    }

    @Test
    void aPrimaryReseededFromTheOldPrimaryHoldsItsHistoryThroughTheSeedPosition() {
        // Server 1 was primary, then 2; 1 was reseeded from 2 at 0-2-150 (its gtid_slave_pos),
        // which empties its binary log; 2 failed and 1 took writes again.
        assertThat(PrimaryFailover.errant("0-1-100,0-2-150", "0-1-160,0-2-150")).isEmpty();
        assertThat(PrimaryFailover.errant("0-1-100,0-2-150", "0-1-160,")).isEqualTo("0-2-150");
    }

    @Test
    void olderGtidsOfOtherServersTheReseededPrimaryHasNoBinlogEntryForAreNotErrant() {
        assertThat(PrimaryFailover.errant("0-3-40,0-1-100,0-2-150", "0-1-160,0-2-150")).isEmpty();
    }

    @Test
    void anEmptyHistoryHoldsNothingErrant() {
        assertThat(PrimaryFailover.errant("", "0-2-5")).isEmpty();
    }
}
