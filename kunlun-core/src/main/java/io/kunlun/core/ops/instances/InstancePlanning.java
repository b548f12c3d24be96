package io.kunlun.core.ops.instances;

import io.kunlun.core.ops.clusters.BuildPlan;
import io.kunlun.core.ops.Drivers;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.ComputeLayout;
import io.kunlun.core.engines.PortProbe;
import io.kunlun.core.engines.StorageLayout;
import io.kunlun.core.engines.StoragePorts;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.placement.PlacementPlanner;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Machine;
import io.kunlun.model.Role;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The part of planning shared by every job that adds instances: which machines a request may use,
 * their load, the root path with the most free space, and free ports. Ports are free when no
 * process listens on them on the machine and the metadata holds none of them for anything; the
 * search starts at the machine's port bases (engines.storage_port_base, engines.comp_port_base).
 */
public final class InstancePlanning {
    private static final int PORT_LIMIT = 65000;

    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;
    private final Map<String, Set<Integer>> taken = new HashMap<>();
    private final Map<String, Long> freeBytes = new HashMap<>();

    /** One planning per job: it remembers the ports it handed out and the space it read. */
    public InstancePlanning(MetadataStore store, Hosts hosts, Drivers drivers) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
    }

    /** The machines a request may use: its machinelist, or every registered machine. */
    List<Machine> candidates(Optional<List<String>> machineList) {
        if (machineList.isEmpty()) {
            return store.machines().list();
        }
        List<Machine> machines = new ArrayList<>();
        for (String hostaddr : machineList.get()) {
            machines.add(store.machines().find(hostaddr).orElseThrow(() -> ManagerException.notFound(
                    "machinelist names " + hostaddr + ", which is not a registered machine")));
        }
        return machines;
    }

    List<PlacementPlanner.Load> loads(List<Machine> machines) {
        return machines.stream().map(machine -> new PlacementPlanner.Load(machine,
                store.clusters().storageMemoryMbOn(machine.hostaddr()),
                store.clusters().instancesOn(machine.hostaddr()).size())).toList();
    }

    /**
     * Places new shards and comps of a cluster: machines from the placement planner, then for each
     * instance free ports and, under each of its machine's root lists, the root with the most
     * free space. Checks that every machine used has the server programs the cluster needs.
     */
    public BuildPlan plan(String clusterName, ClusterSpec spec, List<String> shardNames, List<String> compNames,
                   Optional<List<String>> machineList) {
        List<Machine> machines = candidates(machineList);
        PlacementPlanner.Placement placement = PlacementPlanner.plan(loads(machines), shardNames, spec.nodes(),
                compNames, spec.innodbSizeGb() * 1024, machineList.isPresent());
        Map<String, Machine> byHost = new HashMap<>();
        machines.forEach(machine -> byHost.put(machine.hostaddr(), machine));

        List<BuildPlan.Shard> shards = new ArrayList<>();
        placement.shardNodes().forEach((shard, nodeHosts) -> {
            List<Instance> nodes = new ArrayList<>();
            for (int i = 0; i < nodeHosts.size(); i++) {
                nodes.add(storageNode(clusterName, shard, byHost.get(nodeHosts.get(i)),
                        i == 0 ? Role.PRIMARY : Role.REPLICA));
            }
            shards.add(new BuildPlan.Shard(shard, List.copyOf(nodes)));
        });

        List<Instance> comps = new ArrayList<>();
        placement.comps().forEach((comp, hostaddr) -> {
            Machine machine = byHost.get(hostaddr);
            drivers.compute(hostaddr).detect(hosts.get(hostaddr));
            int port = freePorts(hostaddr, drivers.engines(hostaddr).compPortBase(), 1);
            ComputeLayout layout = ComputeLayout.under(roomiest(machine, machine.compDatadir()), port);
            comps.add(new Instance(hostaddr, port, clusterName, InstanceKind.COMP, Optional.empty(),
                    Optional.of(comp), Optional.empty(), InstanceStatus.CREATING, 0, 0, layout.instanceDir(), "", ""));
        });
        return new BuildPlan(clusterName, spec, List.copyOf(shards), List.copyOf(comps));
    }

    /**
     * Places {@code count} new replicas in each of the given shards of a cluster, each on a
     * machine holding no node of its shard yet, with free ports and the roomiest roots.
     *
     * @param shards each shard's current nodes
     * @return each shard's new nodes, role replica
     */
    public Map<String, List<Instance>> planNodes(String clusterName, ClusterSpec spec, Map<String, List<Instance>> shards,
                                          int count, Optional<List<String>> machineList) {
        List<Machine> machines = candidates(machineList);
        Map<String, Machine> byHost = new HashMap<>();
        store.machines().list().forEach(machine -> byHost.put(machine.hostaddr(), machine));
        machines.forEach(machine -> byHost.put(machine.hostaddr(), machine));
        Map<String, List<Machine>> holders = new LinkedHashMap<>();
        shards.forEach((shard, nodes) -> holders.put(shard, nodes.stream()
                .map(node -> byHost.get(node.hostaddr())).toList()));
        Map<String, List<Instance>> planned = new LinkedHashMap<>();
        PlacementPlanner.addNodes(loads(machines), holders, count, spec.innodbSizeGb() * 1024)
                .forEach((shard, nodeHosts) -> planned.put(shard, nodeHosts.stream()
                        .map(hostaddr -> storageNode(clusterName, shard, byHost.get(hostaddr), Role.REPLICA))
                        .toList()));
        return planned;
    }

    /** One storage node of a shard on the machine: its programs checked, free ports, roomiest roots. */
    private Instance storageNode(String clusterName, String shard, Machine machine, Role role) {
        drivers.storage(machine.hostaddr()).detect(hosts.get(machine.hostaddr()));
        StoragePorts ports = StoragePorts.from(freePorts(machine.hostaddr(),
                drivers.engines(machine.hostaddr()).storagePortBase(), StoragePorts.COUNT));
        StorageLayout layout = StorageLayout.under(roomiest(machine, machine.datadir()),
                roomiest(machine, machine.logdir()), roomiest(machine, machine.walLogDir()), ports.sql());
        return new Instance(machine.hostaddr(), ports.sql(), clusterName, InstanceKind.STORAGE, Optional.of(shard),
                Optional.empty(), Optional.of(role), InstanceStatus.CREATING, ports.stateTransfer(),
                ports.groupCommunication(), layout.instanceDir(), layout.binlogDir(), layout.redoDir());
    }

    /** The root path of the list with the most free space, as the machine reports it now. */
    private String roomiest(Machine machine, List<String> roots) {
        HostAccess host = hosts.get(machine.hostaddr());
        return roots.stream()
                .max(Comparator.comparingLong(root -> freeBytes.computeIfAbsent(machine.hostaddr() + ":" + root,
                        key -> host.space(root).freeBytes())))
                .orElseThrow(() -> ManagerException.refused(machine.hostaddr() + ": no root path configured"));
    }

    /** One free port from {@code base} upward, reserved in this plan. */
    public int freePort(String hostaddr, int base) {
        return freePorts(hostaddr, base, 1);
    }

    /** {@code count} consecutive free ports from {@code base} upward, reserved in this plan. */
    private int freePorts(String hostaddr, int base, int count) {
        Set<Integer> unavailable = taken.computeIfAbsent(portSpace(hostaddr), space -> unavailablePorts(hostaddr));
        for (int first = base; first + count <= PORT_LIMIT; first += count) {
            boolean free = true;
            for (int port = first; port < first + count && free; port++) {
                free = !unavailable.contains(port);
            }
            if (free) {
                for (int port = first; port < first + count; port++) {
                    unavailable.add(port);
                }
                return first;
            }
        }
        throw ManagerException.refused(hostaddr + ": no " + count + " free consecutive ports from " + base);
    }

    /**
     * Loopback machines are one kernel: a port taken on one of them is taken on all (some server
     * helpers, such as the state transfer's socat, listen on every address).
     */
    private static String portSpace(String hostaddr) {
        return Hosts.isLocal(hostaddr) ? "loopback" : hostaddr;
    }

    private Set<Integer> unavailablePorts(String hostaddr) {
        List<String> sharing = Hosts.isLocal(hostaddr)
                ? store.machines().list().stream().map(Machine::hostaddr).filter(Hosts::isLocal).toList()
                : List.of(hostaddr);
        Set<Integer> ports = new HashSet<>();
        sharing.forEach(address -> ports.addAll(store.clusters().heldPorts(address)));
        ports.addAll(PortProbe.listeningPorts(hosts.get(hostaddr)));
        return ports;
    }
}
