package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.HostAccess;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which TCP ports are taken on a machine, read with {@code ss} on the machine itself. A port
 * counts as taken whatever address it listens on: some helpers of the servers (the state
 * transfer's {@code socat}) listen on every address, and loopback machines share one kernel.
 */
public final class PortProbe {
    private PortProbe() {
    }

    /** Every TCP port something listens on. */
    public static Set<Integer> listeningPorts(HostAccess host) {
        Set<Integer> ports = new TreeSet<>();
        listeners(host).forEach(listener -> ports.add(listener.port()));
        return ports;
    }

    public static boolean inUse(HostAccess host, int port) {
        return listeningPorts(host).contains(port);
    }

    /** The ports of the collection that are taken, in ascending order. */
    public static List<Integer> inUse(HostAccess host, Collection<Integer> ports) {
        Set<Integer> listening = listeningPorts(host);
        return ports.stream().filter(listening::contains).sorted().toList();
    }

    /** Refuses to go on when any of the ports is taken, naming them. */
    public static void requireFree(HostAccess host, String label, Collection<Integer> ports) {
        List<Integer> taken = inUse(host, ports);
        if (!taken.isEmpty()) {
            throw ManagerException.refused(label + ": " + (taken.size() == 1 ? "port " : "ports ")
                    + taken.stream().map(String::valueOf).collect(Collectors.joining(", "))
                    + (taken.size() == 1 ? " is" : " are") + " already in use");
        }
    }

    /** A listening socket: its local address as ss prints it ({@code 127.0.0.2}, {@code *}, {@code [::]}), its port. */
    private record Listener(String address, int port) {
    }

    private static List<Listener> listeners(HostAccess host) {
        List<Listener> listeners = new ArrayList<>();
        for (String line : host.check(Command.of("ss", "-H", "-t", "-l", "-n")).stdout().lines().toList()) {
            String[] columns = line.strip().split("\\s+");
            if (columns.length >= 4) {
                String local = columns[3];
                int colon = local.lastIndexOf(':');
                listeners.add(new Listener(local.substring(0, colon), Integer.parseInt(local.substring(colon + 1))));
            }
        }
        return listeners;
    }
}
