package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.placement.PlacementPlanner;
import io.kunlun.model.Machine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The part of planning shared by every job that adds instances: which machines a request may use,
 * their load, the root path with the most free space, and free ports. Ports are free when no
 * process listens on them on the machine and the metadata holds none of them for anything.
 */
final class InstancePlanning {
    /** Storage nodes take a triple: SQL, state transfer, group communication. */
    static final int STORAGE_PORT_BASE = 57330;
    static final int COMP_PORT_BASE = 57030;
    private static final int PORT_LIMIT = 65000;

    private final MetadataStore store;
    private final Hosts hosts;
    private final Map<String, Set<Integer>> taken = new HashMap<>();

    InstancePlanning(MetadataStore store, Hosts hosts) {
        this.store = store;
        this.hosts = hosts;
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

    /** The root path of the list with the most free space, as the machine reports it now. */
    String roomiest(Machine machine, List<String> roots) {
        HostAccess host = hosts.get(machine.hostaddr());
        return roots.stream()
                .max(Comparator.comparingLong(root -> host.space(root).freeBytes()))
                .orElseThrow(() -> ManagerException.refused(machine.hostaddr() + ": no root path configured"));
    }

    /** {@code count} consecutive free ports from {@code base} upward, reserved in this plan. */
    int freePorts(String hostaddr, int base, int count) {
        Set<Integer> unavailable = taken.computeIfAbsent(hostaddr, this::unavailablePorts);
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

    private Set<Integer> unavailablePorts(String hostaddr) {
        Set<Integer> ports = new HashSet<>(store.clusters().heldPorts(hostaddr));
        ports.addAll(listening(hosts.get(hostaddr)));
        return ports;
    }

    /** Ports some process listens on, on any address of the machine. */
    static Set<Integer> listening(HostAccess host) {
        String out = host.check(Command.of("ss", "-H", "-t", "-l", "-n")).stdout();
        Set<Integer> ports = new HashSet<>();
        for (String line : out.lines().toList()) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 4) {
                String local = columns[3];
                String port = local.substring(local.lastIndexOf(':') + 1);
                if (port.matches("[0-9]+")) {
                    ports.add(Integer.parseInt(port));
                }
            }
        }
        return ports;
    }
}
