package io.kunlun.model;

import java.util.List;

/**
 * A machine the manager places instances on. Each directory list holds root paths that exist on
 * the machine; instances go under the path with the most free space.
 */
public record Machine(
        String hostaddr,
        String rackId,
        List<String> datadir,
        List<String> logdir,
        List<String> walLogDir,
        List<String> compDatadir,
        int totalMemMb,
        int totalCpuCores) {

    public Machine {
        datadir = List.copyOf(datadir);
        logdir = List.copyOf(logdir);
        walLogDir = List.copyOf(walLogDir);
        compDatadir = List.copyOf(compDatadir);
    }

    /** Every distinct root path of the machine, in the order the lists give them. */
    public List<String> allPaths() {
        return java.util.stream.Stream.of(datadir, logdir, walLogDir, compDatadir)
                .flatMap(List::stream).distinct().toList();
    }
}
