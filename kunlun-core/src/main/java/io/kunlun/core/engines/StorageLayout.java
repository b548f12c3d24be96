package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.List;

/**
 * Where one storage instance keeps its files: its own directory (configuration, socket, pid
 * file, error log, the data directory {@code data} and the temporary directory {@code tmp}), its
 * binary and relay logs, and its InnoDB redo log. The three directories are the instance's alone and are deleted with it.
 */
public record StorageLayout(String instanceDir, String binlogDir, String redoDir) {
    public StorageLayout {
        InstancePaths.requireInstanceDirectory(instanceDir, "the instance directory");
        InstancePaths.requireInstanceDirectory(binlogDir, "the binlog directory");
        InstancePaths.requireInstanceDirectory(redoDir, "the redo log directory");
        if (List.of(instanceDir, binlogDir, redoDir).stream().distinct().count() < 3) {
            throw ManagerException.refused("the instance, binlog and redo log directories must differ, got "
                    + instanceDir + ", " + binlogDir + ", " + redoDir);
        }
    }

    /**
     * The reference system's layout: {@code <datadir>/instance_data/data_dir_path/<port>},
     * {@code <logdir>/instance_data/log_dir_path/<port>} and
     * {@code <wal_log_dir>/instance_data/innodb_log_dir_path/<port>}.
     */
    public static StorageLayout under(String datadir, String logdir, String walLogDir, int port) {
        return new StorageLayout(instanceDirUnder(datadir, port), binlogDirUnder(logdir, port),
                redoDirUnder(walLogDir, port));
    }

    public static String instanceDirUnder(String datadir, int port) {
        return datadir + InstancePaths.INSTANCE_DATA + "data_dir_path/" + port;
    }

    public static String binlogDirUnder(String logdir, int port) {
        return logdir + InstancePaths.INSTANCE_DATA + "log_dir_path/" + port;
    }

    public static String redoDirUnder(String walLogDir, int port) {
        return walLogDir + InstancePaths.INSTANCE_DATA + "innodb_log_dir_path/" + port;
    }

    public String dataDir() {
        return instanceDir + "/data";
    }

    /**
     * The instance's own temporary directory: a MariaDB server deletes every {@code #sql*} file
     * in its tmpdir when it starts, which breaks any other instance sharing that directory in
     * the middle of its work (seen with parallel installs sharing /tmp).
     */
    public String tmpDir() {
        return instanceDir + "/tmp";
    }

    /**
     * The only directory server-side file statements may use ({@code secure_file_priv}): empty,
     * the instance account's, so that no such statement reads or writes anything else.
     */
    String fileExchangeDir() {
        return instanceDir + "/files";
    }

    public String configFile() {
        return instanceDir + "/my.cnf";
    }

    public String errorLog() {
        return instanceDir + "/server.err";
    }

    /** What the first start on data copied from another instance runs, to let this instance's account in. */
    String socketAdminFile() {
        return instanceDir + "/socket-admin.sql";
    }

    String socket() {
        return instanceDir + "/server.sock";
    }

    String pidFile() {
        return instanceDir + "/server.pid";
    }

    /**
     * Where a backup streamed into the instance is extracted and prepared before it is moved
     * into place.
     */
    String stagingDir() {
        return instanceDir + "/seed";
    }

    /**
     * What holds the instance's data and logs: everything its data is made of, emptied when the
     * data is replaced while its configuration and identity stay.
     */
    List<String> dataDirectories() {
        return List.of(dataDir(), binlogDir, redoDir);
    }

    /** What install creates, parents first. */
    List<String> directoriesToCreate() {
        return List.of(instanceDir, dataDir(), tmpDir(), fileExchangeDir(), binlogDir, redoDir);
    }

    /** What remove deletes. */
    List<String> directories() {
        return List.of(instanceDir, binlogDir, redoDir);
    }
}
