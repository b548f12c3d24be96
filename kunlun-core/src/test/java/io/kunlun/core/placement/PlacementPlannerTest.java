package io.kunlun.core.placement;

import io.kunlun.core.ManagerException;
import io.kunlun.core.placement.PlacementPlanner.Load;
import io.kunlun.core.placement.PlacementPlanner.Placement;
import io.kunlun.model.Machine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlacementPlannerTest {
    private static Load machine(String hostaddr, String rack, int memoryMb, int cores) {
        return new Load(new Machine(hostaddr, rack, List.of("/d"), List.of("/d"), List.of("/d"), List.of("/d"),
                memoryMb, cores), 0, 0);
    }

    private static Load loaded(Load load, int memoryUsedMb, int instances) {
        return new Load(load.machine(), memoryUsedMb, instances);
    }

    @Test
    void replicasOfOneShardGoToDifferentMachines() {
        Placement placement = PlacementPlanner.plan(
                List.of(machine("127.0.0.2", "1", 8192, 8), machine("127.0.0.3", "1", 8192, 8),
                        machine("127.0.0.4", "1", 8192, 8)),
                List.of("shard1", "shard2"), 3, List.of(), 1024, true);

        assertThat(placement.shardNodes().get("shard1")).doesNotHaveDuplicates().hasSize(3);
        assertThat(placement.shardNodes().get("shard2")).doesNotHaveDuplicates().hasSize(3);
    }

    @Test
    void prefersARackTheShardDoesNotUseYet() {
        Placement placement = PlacementPlanner.plan(
                List.of(machine("127.0.0.2", "a", 8192, 8), machine("127.0.0.3", "a", 8192, 8),
                        machine("127.0.0.4", "b", 8192, 8)),
                List.of("shard1"), 2, List.of(), 1024, true);

        assertThat(placement.shardNodes().get("shard1")).containsExactly("127.0.0.2", "127.0.0.4");
    }

    @Test
    void spreadsShardsOverTheLeastLoadedMachines() {
        Placement placement = PlacementPlanner.plan(
                List.of(loaded(machine("127.0.0.2", "1", 8192, 8), 4096, 4), machine("127.0.0.3", "1", 8192, 8),
                        machine("127.0.0.4", "1", 8192, 8)),
                List.of("shard1", "shard2"), 1, List.of("comp1", "comp2"), 1024, true);

        assertThat(placement.shardNodes().get("shard1")).containsExactly("127.0.0.3");
        assertThat(placement.shardNodes().get("shard2")).containsExactly("127.0.0.4");
        assertThat(placement.comps()).containsEntry("comp1", "127.0.0.3").containsEntry("comp2", "127.0.0.4");
    }

    @Test
    void refusesAShardWiderThanTheMachineList() {
        assertThatThrownBy(() -> PlacementPlanner.plan(
                List.of(machine("127.0.0.2", "1", 8192, 8), machine("127.0.0.3", "1", 8192, 8)),
                List.of("shard1"), 3, List.of(), 1024, true))
                .isInstanceOf(ManagerException.class)
                .hasMessage("shard needs 3 machines, machinelist has 2");
    }

    @Test
    void refusesWhenMemoryRunsOut() {
        assertThatThrownBy(() -> PlacementPlanner.plan(
                List.of(machine("127.0.0.2", "1", 1536, 8), machine("127.0.0.3", "1", 8192, 8)),
                List.of("shard1", "shard2"), 2, List.of(), 1024, false))
                .isInstanceOf(ManagerException.class)
                .hasMessage("shard2 node 2: no machine has 1024 MB of memory and a core free"
                        + " (127.0.0.2: 512 MB and 7 cores free, 127.0.0.3: holds another replica)");
    }

    @Test
    void refusesWithoutMachines() {
        assertThatThrownBy(() -> PlacementPlanner.plan(List.of(), List.of("shard1"), 1, List.of(), 1024, false))
                .hasMessage("no machine is registered: create machines first");
    }
}
