package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Duration;

/**
 * Where the database programs are on a machine, which account runs the instances, and how long
 * to wait for them. Every field has a default: Debian's package paths and the account
 * {@code kunlun}. Meant to be set for all machines and overridden per machine.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EngineConfig(
        @JsonProperty("storage_server") String storageServer,
        @JsonProperty("storage_install_db") String storageInstallDb,
        @JsonProperty("storage_client") String storageClient,
        @JsonProperty("galera_provider") String galeraProvider,
        @JsonProperty("postgres") String postgres,
        @JsonProperty("initdb") String initdb,
        @JsonProperty("psql") String psql,
        @JsonProperty("instance_account") String instanceAccount,
        @JsonProperty("start_timeout_seconds") int startTimeoutSeconds,
        @JsonProperty("stop_timeout_seconds") int stopTimeoutSeconds,
        @JsonProperty("state_transfer_timeout_seconds") int stateTransferTimeoutSeconds,
        @JsonProperty("mysqld_exporter") String mysqldExporter,
        @JsonProperty("postgres_exporter") String postgresExporter,
        @JsonProperty("mysqld_exporter_port_base") int mysqldExporterPortBase,
        @JsonProperty("postgres_exporter_port_base") int postgresExporterPortBase,
        @JsonProperty("storage_backup") String storageBackup,
        @JsonProperty("storage_port_base") int storagePortBase,
        @JsonProperty("comp_port_base") int compPortBase) {

    public EngineConfig {
        storageServer = orDefault(storageServer, "/usr/sbin/mariadbd");
        storageInstallDb = orDefault(storageInstallDb, "/usr/bin/mariadb-install-db");
        storageClient = orDefault(storageClient, "/usr/bin/mariadb");
        galeraProvider = orDefault(galeraProvider, "/usr/lib/galera/libgalera_smm.so");
        postgres = orDefault(postgres, "/usr/lib/postgresql/15/bin/postgres");
        initdb = orDefault(initdb, "/usr/lib/postgresql/15/bin/initdb");
        psql = orDefault(psql, "/usr/lib/postgresql/15/bin/psql");
        instanceAccount = orDefault(instanceAccount, "kunlun");
        startTimeoutSeconds = startTimeoutSeconds <= 0 ? 60 : startTimeoutSeconds;
        stopTimeoutSeconds = stopTimeoutSeconds <= 0 ? 30 : stopTimeoutSeconds;
        stateTransferTimeoutSeconds = stateTransferTimeoutSeconds <= 0 ? 3600 : stateTransferTimeoutSeconds;
        mysqldExporter = orDefault(mysqldExporter, "/usr/bin/prometheus-mysqld-exporter");
        postgresExporter = orDefault(postgresExporter, "/usr/bin/prometheus-postgres-exporter");
        mysqldExporterPortBase = portBase(mysqldExporterPortBase, 59104, "mysqld_exporter_port_base");
        postgresExporterPortBase = portBase(postgresExporterPortBase, 59187, "postgres_exporter_port_base");
        storageBackup = orDefault(storageBackup, "/usr/bin/mariadb-backup");
        storagePortBase = portBase(storagePortBase, 57330, "storage_port_base");
        compPortBase = portBase(compPortBase, 57030, "comp_port_base");
        for (String path : new String[] {storageServer, storageInstallDb, storageClient, galeraProvider, postgres, initdb, psql,
                mysqldExporter, postgresExporter, storageBackup}) {
            InstancePaths.requireSafe(path, "engine program path");
        }
        if (!instanceAccount.matches("[a-z_][a-z0-9_-]{0,31}")) {
            throw ManagerException.refused("instance_account must be a Unix account name, got \"" + instanceAccount + "\"");
        }
    }

    public static EngineConfig defaults() {
        return new EngineConfig(null, null, null, null, null, null, null, null, 0, 0, 0, null, null, 0, 0, null, 0, 0);
    }

    public EngineConfig withStorageServer(String path) {
        return new EngineConfig(path, storageInstallDb, storageClient, galeraProvider, postgres, initdb, psql,
                instanceAccount, startTimeoutSeconds, stopTimeoutSeconds, stateTransferTimeoutSeconds, mysqldExporter,
                postgresExporter, mysqldExporterPortBase, postgresExporterPortBase, storageBackup, storagePortBase,
                compPortBase);
    }

    public EngineConfig withPostgres(String path) {
        return new EngineConfig(storageServer, storageInstallDb, storageClient, galeraProvider, path, initdb, psql,
                instanceAccount, startTimeoutSeconds, stopTimeoutSeconds, stateTransferTimeoutSeconds, mysqldExporter,
                postgresExporter, mysqldExporterPortBase, postgresExporterPortBase, storageBackup, storagePortBase,
                compPortBase);
    }

    public EngineConfig withInstanceAccount(String account) {
        return new EngineConfig(storageServer, storageInstallDb, storageClient, galeraProvider, postgres, initdb, psql,
                account, startTimeoutSeconds, stopTimeoutSeconds, stateTransferTimeoutSeconds, mysqldExporter,
                postgresExporter, mysqldExporterPortBase, postgresExporterPortBase, storageBackup, storagePortBase,
                compPortBase);
    }

    /**
     * The physical backup program; its stream extractor {@code mbstream} ships in the same
     * package and is taken from the same directory.
     */
    public EngineConfig withStorageBackup(String path) {
        return new EngineConfig(storageServer, storageInstallDb, storageClient, galeraProvider, postgres, initdb, psql,
                instanceAccount, startTimeoutSeconds, stopTimeoutSeconds, stateTransferTimeoutSeconds, mysqldExporter,
                postgresExporter, mysqldExporterPortBase, postgresExporterPortBase, path, storagePortBase,
                compPortBase);
    }

    /**
     * Where the manager starts looking for free ports on the machine: storage instances (four
     * ports each), comps, and the exporters of each kind. Managers sharing a host (on loopback
     * machines, one kernel) each need bases of their own, or two of them may plan the same free
     * port at once.
     */
    public EngineConfig withPortBases(int storage, int comp, int mysqldExporterPorts, int postgresExporterPorts) {
        return new EngineConfig(storageServer, storageInstallDb, storageClient, galeraProvider, postgres, initdb, psql,
                instanceAccount, startTimeoutSeconds, stopTimeoutSeconds, stateTransferTimeoutSeconds, mysqldExporter,
                postgresExporter, mysqldExporterPorts, postgresExporterPorts, storageBackup, storage, comp);
    }

    Duration startTimeout() {
        return Duration.ofSeconds(startTimeoutSeconds);
    }

    Duration stopTimeout() {
        return Duration.ofSeconds(stopTimeoutSeconds);
    }

    Duration stateTransferTimeout() {
        return Duration.ofSeconds(stateTransferTimeoutSeconds);
    }

    /** 0 (absent) takes the default; otherwise a port, leaving room above it for the ports planned from it. */
    private static int portBase(int value, int fallback, String field) {
        if (value == 0) {
            return fallback;
        }
        if (value < 1024 || value > 65000) {
            throw ManagerException.refused(field + " must be between 1024 and 65000, got " + value);
        }
        return value;
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
