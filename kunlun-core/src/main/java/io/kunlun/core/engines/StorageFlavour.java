package io.kunlun.core.engines;

import java.util.List;

/**
 * What differs between MySQL-family servers: how a data directory is initialised, what goes
 * into the configuration file, which client speaks to the server, the SQL of accounts and
 * replication. The process lifecycle, directories and ports are the same for all and stay in
 * {@link StorageEngine}. One implementation per supported flavour, chosen by
 * {@link StorageEngine#detect} from the server's {@code --version}.
 */
interface StorageFlavour {
    ServerVersion version();

    /** The instance's whole configuration file. */
    String configuration(StorageInstall spec, InstanceAccount account);

    /**
     * Fills the empty data directory, as the account, before the first start; a member joining
     * a group receives its data from the group instead.
     */
    void initialise(StorageInstall spec, InstanceAccount account);

    /** Server arguments of the first start only: how a group is bootstrapped. */
    List<String> firstStartArguments(ReplicationMode mode);

    /** The local superuser's client, over the instance's socket. */
    SqlClient client(StorageNode node, InstanceAccount account);

    /** Creates the cluster's accounts on a freshly started instance. */
    void createUsers(SqlClient client, ClusterUsers users);

    /**
     * Makes the replica follow the primary from the primary's current position, read-only.
     * Returns once it does not fail at once; {@link #replicaStatus} tells whether it runs.
     */
    void attachReplica(StorageNode replica, InstanceAccount replicaAccount, StorageNode primary,
                       InstanceAccount primaryAccount, Credential replication);

    ReplicaStatus replicaStatus(StorageNode replica, InstanceAccount account);

    GroupStatus groupStatus(StorageNode member, InstanceAccount account);

    /** A global variable's value as the server shows it; fails with the server's reason for a name it has not. */
    String variable(StorageNode node, InstanceAccount account, String name);

    /**
     * Sets a global variable on the running server and keeps it for the next start. Fails with
     * the reason when the server refuses it or does not show the new value afterwards.
     */
    void setVariable(StorageNode node, InstanceAccount account, String name, String value, boolean integer);
}
