package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.HostAccess;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The processes running on one machine at one moment, each as its words ({@code pid program
 * args...}): one listing answers whether any number of a machine's servers run, so that a
 * health round asks each machine once instead of once per instance.
 */
public final class ProcessTable {
    /**
     * Every process's arguments, from {@code /proc/<pid>/cmdline}, by one grep that prints each
     * argument as {@code /proc/<pid>/cmdline:<argument>} and a NUL. It costs about half of a
     * {@code ps}, which reads several files of every process and joins the arguments with spaces;
     * here each argument stays whole. A process that ends while the files are read makes grep exit
     * 2 and is simply not listed; the listing shell's own command line is always there, so an
     * empty listing is a failure.
     */
    private static final String LIST = "grep -azHs '' /proc/[0-9]*/cmdline; status=$?;"
            + " [ \"$status\" -le 2 ] || exit \"$status\"";
    private static final String FILE_END = "/cmdline:";

    private final List<List<String>> processes;

    private ProcessTable(List<List<String>> processes) {
        this.processes = processes;
    }

    /** Lists the machine's processes now. */
    public static ProcessTable of(HostAccess host) {
        String listing = host.check(Command.of("sh", "-c", LIST)).stdout();
        ProcessTable table = parse(listing);
        if (table.processes.isEmpty()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, host.address()
                    + ": listing its processes printed nothing");
        }
        return table;
    }

    /** The table grep's records make, a process's arguments in order. */
    static ProcessTable parse(String listing) {
        Map<String, List<String>> byPid = new LinkedHashMap<>();
        for (String record : listing.split("\0")) {
            int end = record.indexOf(FILE_END);
            if (!record.startsWith("/proc/") || end < 0) {
                continue;
            }
            String pid = record.substring("/proc/".length(), end);
            byPid.computeIfAbsent(pid, first -> new ArrayList<>(List.of(first)))
                    .add(record.substring(end + FILE_END.length()));
        }
        return new ProcessTable(List.copyOf(byPid.values()));
    }

    /** Process ids of the processes whose words match. */
    List<String> pids(Predicate<List<String>> matches) {
        return processes.stream().filter(matches).map(words -> words.get(0)).toList();
    }
}
