package io.kunlun.core.engines;

import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.HostAccess;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The processes running on one machine at one moment, each as its words ({@code pid program
 * args...}): one {@code ps} answers whether any number of a machine's servers run, so that a
 * health round asks each machine once instead of once per instance.
 */
public final class ProcessTable {
    private final List<List<String>> processes;

    private ProcessTable(List<List<String>> processes) {
        this.processes = processes;
    }

    /** Lists the machine's processes now. */
    public static ProcessTable of(HostAccess host) {
        String table = host.check(Command.of("ps", "-ww", "-e", "-o", "pid=,args=")).stdout();
        List<List<String>> processes = new ArrayList<>();
        for (String line : table.lines().toList()) {
            processes.add(List.of(line.strip().split("\\s+")));
        }
        return new ProcessTable(processes);
    }

    /** Process ids of the processes whose words match. */
    List<String> pids(Predicate<List<String>> matches) {
        return processes.stream().filter(matches).map(words -> words.get(0)).toList();
    }
}
