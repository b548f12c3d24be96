package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.HostAccess;

import java.util.List;

/**
 * Installs, starts, stops and removes MySQL-family storage instances on any machine, through
 * {@link HostAccess} only. Holds no state: every call finds what it needs on the machine, so any
 * manager can stop or remove what another started. Safe to share between threads.
 */
public final class StorageEngine {
    private final EngineConfig config;

    public StorageEngine(EngineConfig config) {
        this.config = config;
    }

    /**
     * The server program's flavour on that machine. Refuses a missing program and every flavour
     * but MariaDB 10.6 or later, saying which one it found.
     */
    public ServerVersion detect(HostAccess host) {
        return flavour(host).version();
    }

    /**
     * Creates one instance: checks its ports are free, creates its directories for the instance
     * account, writes its configuration, initialises its data directory, starts it detached and
     * waits until it answers, then creates the cluster's accounts. Either the instance is running
     * when this returns, or nothing of it is left (directories deleted, process stopped); a
     * refusal because a directory exists already leaves that directory alone.
     */
    public void install(StorageInstall spec) {
        StorageNode node = spec.node();
        HostAccess host = node.host();
        StorageFlavour flavour = flavour(host);
        InstanceAccount account = InstanceAccount.resolve(host, config.instanceAccount());
        InstancePaths.requireSocket(node.label(), node.layout().socket());
        PortProbe.requireFree(host, node.label(), node.ports().all());
        InstanceDirectories.requireAbsentOrEmpty(host, node.label(), node.layout().directoriesToCreate());
        try {
            InstanceDirectories.create(host, account, node.label(), node.layout().directoriesToCreate());
            host.writeFile(node.layout().configFile(), flavour.configuration(spec, account));
            account.own(host, List.of(node.layout().configFile()));
            flavour.initialise(spec, account);
            SqlClient client = flavour.client(node, account);
            process(node, account).start(client::answers, config.startTimeout());
            flavour.createUsers(client, spec.users());
        } catch (RuntimeException e) {
            try {
                remove(node);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Starts an installed instance on its existing data and waits until it answers. */
    public StartOutcome start(StorageNode node) {
        HostAccess host = node.host();
        StorageFlavour flavour = flavour(host);
        InstanceAccount account = InstanceAccount.resolve(host, config.instanceAccount());
        return process(node, account).start(flavour.client(node, account)::answers, config.startTimeout());
    }

    /**
     * Shuts the instance down cleanly, killing it when it has not stopped within the stop
     * timeout. Answers whether it was running.
     */
    public boolean stop(StorageNode node) {
        InstanceAccount account = InstanceAccount.resolve(node.host(), config.instanceAccount());
        return process(node, account).stop(config.stopTimeout());
    }

    /**
     * Stops the instance and deletes its directories. Removing an instance that does not exist,
     * or exists only in part, succeeds: this is what undoes an install.
     */
    public void remove(StorageNode node) {
        stop(node);
        InstanceDirectories.remove(node.host(), node.layout().directories());
    }

    public boolean isRunning(StorageNode node) {
        InstanceAccount account = InstanceAccount.resolve(node.host(), config.instanceAccount());
        return process(node, account).isRunning();
    }

    /**
     * Makes an installed rbr replica follow its primary from the primary's current position and
     * waits until both replication threads run; fails with the replica's last replication error
     * when they do not within the start timeout.
     */
    public void attachReplica(StorageNode replica, StorageNode primary, Credential replication) {
        StorageFlavour flavour = flavour(replica.host());
        InstanceAccount replicaAccount = InstanceAccount.resolve(replica.host(), config.instanceAccount());
        flavour.attachReplica(replica, replicaAccount, primary,
                InstanceAccount.resolve(primary.host(), config.instanceAccount()), replication);
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        ReplicaStatus status = flavour.replicaStatus(replica, replicaAccount);
        while (!status.running()) {
            if (System.nanoTime() > deadline) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, replica.label()
                        + ": replication from " + primary.label() + " did not start within "
                        + config.startTimeoutSeconds() + " s: " + status.lastError());
            }
            DetachedProcess.pause();
            status = flavour.replicaStatus(replica, replicaAccount);
        }
    }

    /** Where the replica replicates from and whether it does. */
    public ReplicaStatus replicaStatus(StorageNode replica) {
        return flavour(replica.host()).replicaStatus(replica,
                InstanceAccount.resolve(replica.host(), config.instanceAccount()));
    }

    /** SQL as the instance's local superuser (for the manager's own work, not for clients). */
    public SqlClient client(StorageNode node) {
        HostAccess host = node.host();
        return flavour(host).client(node, InstanceAccount.resolve(host, config.instanceAccount()));
    }

    private DetachedProcess process(StorageNode node, InstanceAccount account) {
        String identity = "--defaults-file=" + node.layout().configFile();
        return new DetachedProcess(node.host(), account, node.label(), List.of(config.storageServer(), identity),
                identity, node.layout().errorLog(), "TERM");
    }

    private StorageFlavour flavour(HostAccess host) {
        String program = config.storageServer();
        String line = ServerProgram.versionLine(host, program, "storage server");
        ServerVersion version = ServerVersion.parseMysqlFamily(ServerProgram.fileName(program), line)
                .orElseThrow(() -> ManagerException.refused(host.address() + ": cannot tell which server " + program
                        + " is from its --version: " + line));
        if (!version.product().equals("MariaDB")) {
            throw ManagerException.refused(host.address() + ": " + version + " is not supported yet; supported: "
                    + "MariaDB >= 10.6");
        }
        if (!version.atLeast(10, 6)) {
            throw ManagerException.refused(host.address() + ": " + version + " is too old; supported: MariaDB >= 10.6");
        }
        return new MariaDbFlavour(version, config);
    }
}
