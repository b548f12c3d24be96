package io.kunlun.core.placement;

import io.kunlun.core.ManagerException;
import io.kunlun.core.placement.PlacementPlanner.Load;
import io.kunlun.model.Machine;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link PlacementPlanner#addNodes}: new nodes for shards that already have nodes. */
class AddNodesPlacementTest {
    private static Load load(String hostaddr, String rack) {
        return new Load(machine(hostaddr, rack), 0, 0);
    }

    private static Machine machine(String hostaddr, String rack) {
        return new Machine(hostaddr, rack, List.of("/d"), List.of("/d"), List.of("/d"), List.of("/d"), 8192, 8);
    }

    @Test
    void aNewNodeAvoidsTheMachinesHoldingItsShard() {
        Map<String, List<String>> placed = PlacementPlanner.addNodes(
                List.of(load("127.0.0.2", "1"), load("127.0.0.3", "1"), load("127.0.0.4", "1")),
                Map.of("shard1", List.of(machine("127.0.0.2", "1"), machine("127.0.0.3", "1"))), 1, 1024);

        assertThat(placed).isEqualTo(Map.of("shard1", List.of("127.0.0.4")));
    }

    @Test
    void newNodesOfOneShardGoToDifferentMachines() {
        Map<String, List<String>> placed = PlacementPlanner.addNodes(
                List.of(load("127.0.0.2", "1"), load("127.0.0.3", "1"), load("127.0.0.4", "1")),
                Map.of("shard1", List.of(machine("127.0.0.2", "1"))), 2, 1024);

        assertThat(placed.get("shard1")).containsExactlyInAnyOrder("127.0.0.3", "127.0.0.4");
    }

    @Test
    void prefersARackTheShardDoesNotUseYet() {
        Map<String, List<String>> placed = PlacementPlanner.addNodes(
                List.of(load("127.0.0.2", "a"), load("127.0.0.3", "a"), load("127.0.0.4", "b")),
                Map.of("shard1", List.of(machine("127.0.0.2", "a"))), 1, 1024);

        assertThat(placed.get("shard1")).containsExactly("127.0.0.4");
    }

    @Test
    void everyShardGetsItsNodes() {
        Map<String, List<Machine>> holders = new LinkedHashMap<>();
        holders.put("shard1", List.of(machine("127.0.0.2", "1")));
        holders.put("shard2", List.of(machine("127.0.0.3", "1")));

        Map<String, List<String>> placed = PlacementPlanner.addNodes(
                List.of(load("127.0.0.2", "1"), load("127.0.0.3", "1")), holders, 1, 1024);

        assertThat(placed).containsExactly(Map.entry("shard1", List.of("127.0.0.3")),
                Map.entry("shard2", List.of("127.0.0.2")));
    }

    @Test
    void aShardOnEveryCandidateIsRefusedNamingWhy() {
        assertThatThrownBy(() -> PlacementPlanner.addNodes(List.of(load("127.0.0.2", "1"), load("127.0.0.3", "1")),
                Map.of("shard1", List.of(machine("127.0.0.2", "1"), machine("127.0.0.3", "1"))), 1, 1024))
                .isInstanceOf(ManagerException.class)
                .hasMessage("shard1 node 3: no machine has 1024 MB of memory and a core free"
                        + " (127.0.0.2: holds another replica, 127.0.0.3: holds another replica)");
    }
}
