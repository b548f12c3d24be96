package io.kunlun.core.engines;

import io.kunlun.core.hosts.HostAccess;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

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

    /**
     * Lets the instance's account in as its administrator over the socket at the next start, on
     * data copied from another instance (which lets in that instance's account, another
     * cluster's when the copy is another cluster's backup): writes what the start must run and
     * answers the server arguments that make it run that.
     */
    List<String> socketAdminArguments(StorageNode node, InstanceAccount account);

    /** Server arguments of the first start only: how a group is bootstrapped. */
    List<String> firstStartArguments(ReplicationMode mode);

    /** Server arguments that make a member start a new group of its own, on whatever data it has. */
    List<String> groupBootstrapArguments();

    /**
     * A stopped group member's last committed position: from its saved group state, or, when it
     * did not stop cleanly and saved none, recovered from its data files by the server program.
     */
    GroupPosition lastCommitted(StorageNode member, InstanceAccount account);

    /** Marks a stopped member's saved group state as safe to start a new group from. */
    void allowGroupBootstrap(StorageNode member, InstanceAccount account);

    /** The local superuser's client, over the instance's socket. */
    SqlClient client(StorageNode node, InstanceAccount account);

    /** Creates the cluster's accounts on a freshly started instance. */
    void createUsers(SqlClient client, ClusterUsers users);

    /**
     * Makes a running instance restored from another cluster's backup hold this cluster's
     * accounts only, and follow no primary.
     */
    void replaceUsers(SqlClient client, InstanceAccount account, ClusterUsers users);

    /**
     * Lets the cluster's accounts in from one more network (an IPv4 CIDR block) on this running
     * instance only, with the privileges {@link #createUsers} gives; what exists already stays.
     */
    void allowNetwork(SqlClient client, ClusterUsers users, String network);

    /** Takes back {@link #allowNetwork}: the named accounts no longer come in from that network. */
    void revokeNetwork(SqlClient client, List<String> userNames, String network);

    /**
     * Makes the replica follow the primary, read-only: from {@code startPosition} when given,
     * else from where the replica's own applier stands. Returns once it does not fail at once;
     * {@link #replicaStatus} tells whether it runs.
     */
    void attachReplica(StorageNode replica, InstanceAccount replicaAccount, StorageNode primary,
                       Optional<String> startPosition, Credential replication);

    /** The instance's position in the shard's history: the GTIDs it holds in its binary log. */
    GtidPosition binlogPosition(StorageNode node, InstanceAccount account);

    /**
     * Makes the position the instance stands at, as its copies record it, cover everything in its
     * binary log: after transactions were applied to it under their original ids (a replayed
     * archive), which the server takes for another server's, so that a replica seeded from it
     * starts after them instead of applying them twice.
     */
    void adoptBinlogPosition(StorageNode node, InstanceAccount account);

    /**
     * Starts the instance's binary log afresh, as a history of its own that goes on past every
     * transaction of {@code replaced} (the history its data replaced, which numbered its
     * transactions in the same domains): its binary logs go, and its next transaction is
     * numbered after both that history's and its own data's. A backup of the replaced history
     * then never passes for a point of the new one, nor the reverse.
     */
    void startHistoryAfter(StorageNode node, InstanceAccount account, GtidPosition replaced);

    /** The GTIDs a replica has applied from its primaries. */
    GtidPosition appliedPosition(StorageNode replica, InstanceAccount account);

    /** Waits until the replica has applied the position; false at the timeout. */
    boolean awaitApplied(StorageNode replica, InstanceAccount account, GtidPosition position, Duration timeout);

    /** Makes a group member look for the given members (itself included) when it restarts. */
    void setGroupMembers(StorageNode member, InstanceAccount account, List<StorageNode> members);

    /** Refuses (or accepts again) writes from every client but the manager's superuser. */
    void setReadOnly(StorageNode node, InstanceAccount account, boolean readOnly);

    /**
     * Makes a replica its shard's primary, now and across restarts: stops replicating, forgets
     * its primary, takes the primary's side of semi-synchronous replication, accepts writes.
     */
    void promote(StorageNode replica, InstanceAccount account);

    /**
     * Makes an old primary a replica's equal, now and across restarts: read-only, the replica's
     * side of semi-synchronous replication; it follows its new primary once attached.
     */
    void demote(StorageNode primary, InstanceAccount account);

    /** Writes a replica's settings (read-only, semi-sync's replica side) into a node's configuration, for its next start. */
    void keepReplicaSettings(StorageNode node, InstanceAccount account);

    /**
     * Fills the target's empty data directory with a physical backup of the source taken now
     * (streamed from the source's machine to the target's over TCP on the target's state
     * transfer port) and prepares it. Answers the backup's position.
     */
    GtidPosition restoreBackup(StorageNode source, InstanceAccount sourceAccount, StorageNode target,
                               InstanceAccount targetAccount);

    /**
     * Fills the target's empty data directory with a backup stored in a file on another machine
     * (xbstream, compressed as {@code compression} says: {@code zstd} or {@code none}), streamed
     * to the target's machine over TCP on its state transfer port, and prepares it. Answers the
     * backup's position.
     */
    GtidPosition restoreStoredBackup(HostAccess store, String file, String compression, StorageNode target,
                                     InstanceAccount targetAccount);

    /**
     * Streams a physical backup of the running source, taken now, into a file on the destination
     * machine named {@code fileStem} plus the suffix of its format, without a copy on the
     * source's machine. Answers the file, what it holds and the point in the source's history
     * the backup is consistent to. The processes on the source's machine carry {@code marker}
     * ({@link MarkedProcesses}).
     */
    StreamedBackup streamBackup(StorageNode source, InstanceAccount sourceAccount, HostAccess destination,
                                String fileStem, String marker);

    ReplicaStatus replicaStatus(StorageNode replica, InstanceAccount account);

    /**
     * An rbr node's source and {@code read_only}, in the one client run that also shows it answers:
     * empty when it does not. The health round's probe of a node, so that it costs one process.
     */
    Optional<ReplicationState> replicationState(StorageNode node, InstanceAccount account);

    GroupStatus groupStatus(StorageNode member, InstanceAccount account);

    /** A running member's last committed position in its group's history. */
    GroupPosition runningPosition(StorageNode member, InstanceAccount account);

    /**
     * Makes a running member that lost its group's quorum (outside the primary component) the
     * primary component of a group of its own, on its data, which the stopped members then join.
     */
    void bootstrapRunningMember(StorageNode member, InstanceAccount account);

    /** A global variable's value as the server shows it; fails with the server's reason for a name it has not. */
    String variable(StorageNode node, InstanceAccount account, String name);

    /**
     * Sets a global variable on the running server and keeps it for the next start. Fails with
     * the reason when the server refuses it or does not show the new value afterwards.
     */
    void setVariable(StorageNode node, InstanceAccount account, String name, String value, boolean integer);
}
