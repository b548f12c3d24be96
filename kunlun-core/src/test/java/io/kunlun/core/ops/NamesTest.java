package io.kunlun.core.ops;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NamesTest {
    @Test
    void clusterNamesCarryTheTimeAndASixDigitSequence() {
        assertThat(Names.newClusterName()).matches("cluster_[0-9]{10}_[0-9]{6}");
    }

    @Test
    void clusterNamesDoNotRepeat() {
        assertThat(Names.newClusterName()).isNotEqualTo(Names.newClusterName());
    }

    @Test
    void shardNamesContinueFromTheHighestNumber() {
        assertThat(Names.next("shard", List.of("shard1", "shard3"), 2)).containsExactly("shard4", "shard5");
    }

    @Test
    void firstNamesStartAtOne() {
        assertThat(Names.next("comp", List.of(), 2)).containsExactly("comp1", "comp2");
    }

    @Test
    void passwordsAreLongAndNeedNoQuoting() {
        assertThat(Names.newPassword()).matches("[A-Za-z0-9]{24}");
    }
}
