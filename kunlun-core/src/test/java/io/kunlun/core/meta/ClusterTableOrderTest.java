package io.kunlun.core.meta;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The order getters list shards and comps in. */
class ClusterTableOrderTest {
    @Test
    void namesDifferingOnlyInTheirNumberSortByNumber() {
        assertThat(Stream.of("shard10", "shard2", "shard1").sorted(ClusterTable::byNumber).toList())
                .containsExactly("shard1", "shard2", "shard10");
    }

    @Test
    void otherNamesSortAsText() {
        assertThat(Stream.of("shard2", "comp10", "comp", "alpha").sorted(ClusterTable::byNumber).toList())
                .isEqualTo(List.of("alpha", "comp", "comp10", "shard2"));
        assertThat(ClusterTable.byNumber("s1x", "s2y")).as("the letters differ").isNegative();
        assertThat(ClusterTable.byNumber("a1b2", "a12b")).as("same letters, digits 12 against 12").isZero();
    }
}
