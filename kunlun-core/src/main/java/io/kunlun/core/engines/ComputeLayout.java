package io.kunlun.core.engines;

/**
 * Where one compute instance keeps its files: its own directory holds the data directory
 * {@code data}, the server's log and its Unix socket. Deleted with the instance.
 */
public record ComputeLayout(String instanceDir) {
    public ComputeLayout {
        InstancePaths.requireInstanceDirectory(instanceDir, "the instance directory");
    }

    /** The reference system's layout: {@code <comp_datadir>/instance_data/comp_datadir/<port>}. */
    public static ComputeLayout under(String compDatadir, int port) {
        return new ComputeLayout(compDatadir + InstancePaths.INSTANCE_DATA + "comp_datadir/" + port);
    }

    public String dataDir() {
        return instanceDir + "/data";
    }

    public String logFile() {
        return instanceDir + "/postgres.log";
    }

    String socketDirectory() {
        return instanceDir;
    }
}
