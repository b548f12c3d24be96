package io.kunlun.core.placement;

import io.kunlun.core.ManagerException;
import io.kunlun.model.Machine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides which machine each new instance goes to. Hard rules: the replicas of one shard are on
 * different machines; a machine's storage nodes together get at most its memory (innodb size
 * each); each instance takes one of the machine's cores. Preferences, in order: a rack the shard
 * does not use yet, the machine with the smallest share of its memory taken, the machine with the
 * fewest instances. Refuses, naming why, before anything is created.
 */
public final class PlacementPlanner {
    /** A candidate machine and what already runs on it. */
    public record Load(Machine machine, int memoryUsedMb, int instances) {
        int memoryFreeMb() {
            return machine.totalMemMb() - memoryUsedMb;
        }

        int coresFree() {
            return machine.totalCpuCores() - instances;
        }
    }

    /** Where each new shard's nodes and each new comp go (hostaddr lists, in node order). */
    public record Placement(Map<String, List<String>> shardNodes, Map<String, String> comps) {
    }

    private PlacementPlanner() {
    }

    /**
     * @param candidates  the machines the request may use, with their current load
     * @param shardNames  new shards, each getting {@code nodesPerShard} nodes
     * @param compNames   new comps
     * @param storageMemoryMb memory each storage node takes (the cluster's innodb size)
     * @param fromMachineList whether the candidates came from the request's machinelist (for the message)
     */
    public static Placement plan(List<Load> candidates, List<String> shardNames, int nodesPerShard,
                                 List<String> compNames, int storageMemoryMb, boolean fromMachineList) {
        if (candidates.isEmpty()) {
            throw ManagerException.refused("no machine is registered: create machines first");
        }
        if (!shardNames.isEmpty() && candidates.size() < nodesPerShard) {
            throw ManagerException.refused("shard needs " + nodesPerShard + " machines, "
                    + (fromMachineList ? "machinelist has " + candidates.size()
                                       : candidates.size() + (candidates.size() == 1 ? " is" : " are") + " registered"));
        }
        Map<String, Slot> slots = new LinkedHashMap<>();
        candidates.forEach(load -> slots.put(load.machine().hostaddr(), new Slot(load)));

        Map<String, List<String>> shardNodes = new LinkedHashMap<>();
        for (String shard : shardNames) {
            shardNodes.put(shard, placeNodes(slots, shard, nodesPerShard, List.of(), storageMemoryMb));
        }

        Map<String, String> comps = new LinkedHashMap<>();
        for (String comp : compNames) {
            Slot best = slots.values().stream()
                    .filter(slot -> slot.coresFree > 0)
                    .min(Comparator.<Slot>comparingInt(slot -> slot.instances).thenComparing(Slot::hostaddr))
                    .orElseThrow(() -> noRoom(comp, 0, slots, List.of()));
            best.take(0);
            comps.put(comp, best.hostaddr());
        }
        return new Placement(shardNodes, comps);
    }

    /**
     * Places {@code nodes} more nodes in each existing shard, by the same rules and preferences:
     * a new node avoids every machine that holds a node of its shard already (new or old), and
     * prefers a rack its shard does not use.
     *
     * @param holders the machines each shard's current nodes run on
     * @return the machines of each shard's new nodes, in the order of {@code holders}
     */
    public static Map<String, List<String>> addNodes(List<Load> candidates, Map<String, List<Machine>> holders,
                                                      int nodes, int storageMemoryMb) {
        if (candidates.isEmpty()) {
            throw ManagerException.refused("no machine is registered: create machines first");
        }
        Map<String, Slot> slots = new LinkedHashMap<>();
        candidates.forEach(load -> slots.put(load.machine().hostaddr(), new Slot(load)));
        Map<String, List<String>> placed = new LinkedHashMap<>();
        holders.forEach((shard, machines) -> placed.put(shard, placeNodes(slots, shard, nodes, machines,
                storageMemoryMb)));
        return placed;
    }

    /** The machines of {@code count} new nodes of one shard, next to the machines it holds already. */
    private static List<String> placeNodes(Map<String, Slot> slots, String shard, int count, List<Machine> holding,
                                           int storageMemoryMb) {
        List<String> chosen = new ArrayList<>();
        List<String> used = new ArrayList<>();
        Set<String> racks = new HashSet<>();
        holding.forEach(machine -> {
            used.add(machine.hostaddr());
            racks.add(machine.rackId());
        });
        for (int node = 1; node <= count; node++) {
            Slot best = slots.values().stream()
                    .filter(slot -> !used.contains(slot.hostaddr()))
                    .filter(slot -> slot.memoryFreeMb >= storageMemoryMb && slot.coresFree > 0)
                    .min(Comparator.<Slot>comparingInt(slot -> racks.contains(slot.rack()) ? 1 : 0)
                            .thenComparingDouble(Slot::memoryShareAfter)
                            .thenComparingInt(slot -> slot.instances)
                            .thenComparing(Slot::hostaddr))
                    .orElseThrow(() -> noRoom(shard + " node " + (used.size() + 1), storageMemoryMb, slots, used));
            best.take(storageMemoryMb);
            chosen.add(best.hostaddr());
            used.add(best.hostaddr());
            racks.add(best.rack());
        }
        return List.copyOf(chosen);
    }

    private static ManagerException noRoom(String what, int memoryMb, Map<String, Slot> slots, List<String> used) {
        String state = slots.values().stream()
                .map(slot -> slot.hostaddr() + ": " + (used.contains(slot.hostaddr()) ? "holds another replica"
                        : slot.memoryFreeMb + " MB and " + slot.coresFree + " cores free"))
                .collect(Collectors.joining(", "));
        return ManagerException.refused(what + ": no machine has "
                + (memoryMb > 0 ? memoryMb + " MB of memory and " : "") + "a core free (" + state + ")");
    }

    /** A machine's remaining room while planning. */
    private static final class Slot {
        private final Load load;
        private int memoryFreeMb;
        private int coresFree;
        private int instances;

        Slot(Load load) {
            this.load = load;
            this.memoryFreeMb = load.memoryFreeMb();
            this.coresFree = load.coresFree();
            this.instances = load.instances();
        }

        String hostaddr() {
            return load.machine().hostaddr();
        }

        String rack() {
            return load.machine().rackId();
        }

        double memoryShareAfter() {
            return 1.0 - (double) memoryFreeMb / load.machine().totalMemMb();
        }

        void take(int memoryMb) {
            memoryFreeMb -= memoryMb;
            coresFree--;
            instances++;
        }
    }
}
