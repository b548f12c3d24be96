package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.HostAccess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Installs, starts, stops and removes MySQL-family storage instances on any machine, through
 * {@link HostAccess} only. Holds no state but a short-lived memo of which server each machine
 * has: every call finds what it needs on the machine, so any manager can stop or remove what
 * another started. Safe to share between threads.
 */
public final class StorageEngine {
    /**
     * How long a machine's server flavour, found from its program's {@code --version}, is used
     * again. Every call needs it, and asking costs two processes on the machine (the server
     * binary's start alone is about 50 ms of CPU): a health round would ask several times per
     * instance. An upgrade of the program is seen within this time, and at once by
     * {@link #detect}, which jobs use to vet a machine.
     */
    private static final Duration FLAVOUR_MEMO = Duration.ofSeconds(60);
    /** How often a member starting into its group asks whether the rest of the group still runs. */
    private static final Duration GROUP_CHECK_INTERVAL = Duration.ofSeconds(5);

    private final EngineConfig config;
    private final Transfers transfers;
    /**
     * Per machine connection (forgotten with it), shared by every engine made for it: the flavour
     * found, the program it was found for, and when.
     */
    private static final Map<HostAccess, FoundFlavour> FOUND = Collections.synchronizedMap(new WeakHashMap<>());

    private record FoundFlavour(String program, StorageFlavour flavour, long foundAtNanos) {
    }

    /** @param transfers where the receiving ends of seeds run */
    public StorageEngine(EngineConfig config, Transfers transfers) {
        this.config = config;
        this.transfers = transfers;
    }

    /**
     * The server program's flavour on that machine. Refuses a missing program and every flavour
     * but MariaDB 10.6 or later, saying which one it found.
     */
    public ServerVersion detect(HostAccess host) {
        return detectFlavour(host).version();
    }

    /**
     * Creates one instance: checks its ports are free, creates its directories for the instance
     * account, writes its configuration, initialises its data directory, starts it detached and
     * waits until it answers, then creates the cluster's accounts. Either the instance is running
     * when this returns, or nothing of it is left (directories deleted, process stopped); a
     * refusal because a directory exists already leaves that directory alone.
     */
    public void install(StorageInstall spec) {
        create(spec, (flavour, account) -> {
            StorageNode node = spec.node();
            flavour.initialise(spec, account);
            SqlClient client = flavour.client(node, account);
            if (spec.mode().joinsGroup()) {
                joinGroup(flavour, node, account);
            } else {
                process(node, account, flavour.firstStartArguments(spec.mode())).start(client::answers,
                        config.startTimeout());
                flavour.createUsers(client, spec.users());
            }
            return null;
        });
    }

    /**
     * Creates one instance like {@link #install}, but its data (accounts included) is a physical
     * backup of {@code source} taken now, streamed from the source's machine to the new
     * instance's; then starts it. Answers the backup's GTID position, from which the new
     * instance replicates ({@link #attachReplica(StorageNode, StorageNode, Credential, GtidPosition)}).
     * Either the instance is running when this returns, or nothing of it is left.
     */
    public GtidPosition seed(StorageInstall spec, StorageNode source) {
        InstanceAccount sourceAccount = InstanceAccount.of(source, config);
        return create(spec, (flavour, account) -> fillFromSource(flavour, spec.node(), account, source, sourceAccount));
    }

    /** Fills the instance's empty data directories with a backup of the source taken now, then starts it. */
    private GtidPosition fillFromSource(StorageFlavour flavour, StorageNode node, InstanceAccount account,
                                        StorageNode source, InstanceAccount sourceAccount) {
        GtidPosition position = flavour.restoreBackup(source, sourceAccount, node, account);
        startOnCopy(flavour, node, account, List.of());
        return position;
    }

    /**
     * Creates one instance like {@link #install}, but its data is a physical backup of another
     * cluster's instance kept in {@code file} on the {@code store} machine (compressed as
     * {@code compression} says), streamed to the new instance's machine; then starts it as
     * {@code spec}'s mode says (a group is bootstrapped from it) and replaces the backup's accounts
     * with {@code spec}'s users. Answers the GTID position the backup holds. Either the instance
     * is running when this returns, or nothing of it is left.
     */
    public GtidPosition restore(StorageInstall spec, HostAccess store, String file, String compression) {
        return create(spec, (flavour, account) -> fillFromStore(flavour, spec.node(), account, store, file, compression,
                flavour.firstStartArguments(spec.mode()), spec.users()));
    }

    /**
     * Replaces the data of an installed instance, accounts included, with a physical backup kept
     * in {@code file} on the {@code store} machine: stops it, empties its data, binlog and redo
     * log directories (its configuration and its own directory stay), fills them from the stored
     * stream as {@link #restore} does, starts it, as a new group of its own when
     * {@code bootstrapsGroup}, and replaces the backup's accounts with {@code users}. Answers the
     * GTID position the backup holds. A failure leaves the instance stopped or without the
     * accounts, never with its old data.
     */
    public GtidPosition restoreInPlace(StorageNode node, ClusterUsers users, HostAccess store, String file,
                                       String compression, boolean bootstrapsGroup) {
        StorageFlavour flavour = flavour(node.host());
        InstanceAccount account = emptied(node);
        return fillFromStore(flavour, node, account, store, file, compression,
                bootstrapsGroup ? flavour.groupBootstrapArguments() : List.of(), users);
    }

    /**
     * Replaces the data of an installed rbr replica with a physical backup of {@code source}
     * taken now, as {@link #seed} fills a new one, after stopping it and emptying its data, binlog
     * and redo log directories; then starts it. Answers the backup's GTID position, from which it
     * replicates ({@link #attachReplica(StorageNode, StorageNode, Credential, GtidPosition)}).
     */
    public GtidPosition reseedInPlace(StorageNode node, StorageNode source) {
        InstanceAccount sourceAccount = InstanceAccount.of(source, config);
        return fillFromSource(flavour(node.host()), node, emptied(node), source, sourceAccount);
    }

    /**
     * Stops the instance and moves its data, binary and relay logs and redo log into a new
     * directory of its instance directory, {@code kept-<label>} (subdirectories {@code data},
     * {@code binlog}, {@code redo}), deleting nothing, so that {@link #reseedInPlace} can fill it
     * again: an old primary holding transactions its shard's new primary lacks, whose data
     * someone may still need. Answers the directory.
     */
    public String keepDataAside(StorageNode node, String label) {
        InstanceAccount account = InstanceAccount.of(node, config);
        String keptAside = node.layout().instanceDir() + "/kept-" + label;
        process(node, account).stop(config.stopTimeout());
        InstanceDirectories.moveContents(node.host(), account, node.layout().dataDirectories(),
                List.of("data", "binlog", "redo"), keptAside);
        return keptAside;
    }

    /**
     * Makes an installed group member take all of its data from its group again: stops it,
     * empties its data, binlog and redo log directories and starts it, so that it joins by a full
     * state transfer; waits until it is synced.
     */
    public void rejoinGroupInPlace(StorageNode member) {
        joinGroup(flavour(member.host()), member, emptied(member));
    }

    /** Stops the instance and empties its data directories, as its account; answers the account. */
    private InstanceAccount emptied(StorageNode node) {
        HostAccess host = node.host();
        InstanceAccount account = InstanceAccount.of(node, config);
        process(node, account).stop(config.stopTimeout());
        InstanceDirectories.empty(host, account, node.layout().dataDirectories());
        host.check(account.command(List.of("rm", "-rf", "--", node.layout().stagingDir())));
        return account;
    }

    /**
     * Fills the instance's empty data directories from a stored backup, starts it with the
     * arguments and replaces the backup's accounts with {@code users}.
     */
    private GtidPosition fillFromStore(StorageFlavour flavour, StorageNode node, InstanceAccount account,
                                       HostAccess store, String file, String compression, List<String> startArguments,
                                       ClusterUsers users) {
        GtidPosition position = flavour.restoreStoredBackup(store, file, compression, node, account);
        startOnCopy(flavour, node, account, startArguments);
        flavour.replaceUsers(flavour.client(node, account), account, users);
        return position;
    }

    /**
     * Starts the instance on data copied from another one, letting its own account in first: the
     * copy's source may have run as another account (another cluster's, or the shared one).
     */
    private void startOnCopy(StorageFlavour flavour, StorageNode node, InstanceAccount account,
                             List<String> startArguments) {
        List<String> arguments = new ArrayList<>(startArguments);
        arguments.addAll(flavour.socketAdminArguments(node, account));
        process(node, account, arguments).start(flavour.client(node, account)::answers, config.startTimeout());
        node.host().check(account.command(List.of("rm", "-f", "--", node.layout().socketAdminFile())));
    }

    /** Starts a member without data, which the state transfer brings it, and waits until it is synced. */
    private void joinGroup(StorageFlavour flavour, StorageNode member, InstanceAccount account) {
        // The server answers once the state transfer brought it the group's data.
        process(member, account, List.of()).start(flavour.client(member, account)::answers,
                config.stateTransferTimeout());
        awaitGroupState(flavour, member, account, GroupStatus::synced, config.stateTransferTimeout());
    }

    /**
     * A physical backup of the running instance, taken now and streamed as xbstream (zstd-compressed
     * when both machines have zstd) from the instance's machine into {@code file} on the
     * destination machine, in a file named {@code fileStem} plus {@code .xbstream} or
     * {@code .xbstream.zst}; the source's machine keeps no copy. The file is created with mode 0600.
     * What runs on the source's machine carries {@code marker} ({@link MarkedProcesses}).
     */
    public StreamedBackup backup(StorageNode source, HostAccess destination, String fileStem, String marker) {
        HostAccess host = source.host();
        return flavour(host).streamBackup(source, InstanceAccount.of(source, config), destination,
                fileStem, marker);
    }

    /** What fills and starts a created instance: its data directory is empty, its configuration written. */
    private interface Filling<T> {
        T fill(StorageFlavour flavour, InstanceAccount account);
    }

    /**
     * The part of creating an instance that does not depend on where its data comes from: checks
     * ports and directories, creates them for the instance account, writes the configuration;
     * removes the instance again when filling it fails.
     */
    private <T> T create(StorageInstall spec, Filling<T> filling) {
        StorageNode node = spec.node();
        HostAccess host = node.host();
        StorageFlavour flavour = flavour(host);
        InstanceAccount account = InstanceAccount.of(node, config);
        InstancePaths.requireSocket(node.label(), node.layout().socket());
        PortProbe.requireFree(host, node.label(), node.ports().all());
        InstanceDirectories.requireAbsentOrEmpty(host, node.label(), node.layout().directoriesToCreate());
        try {
            InstanceDirectories.create(host, account, node.label(), node.layout().directoriesToCreate(), spec.maker());
            account.writeFile(host, node.layout().configFile(), flavour.configuration(spec, account));
            T filled = filling.fill(flavour, account);
            // Every rbr node starts read-only (its configuration says so); a new primary is opened
            // here, one that starts again by its caller (ControlInstance.start, RestoreCluster).
            if (spec.mode() instanceof ReplicationMode.Rbr rbr && !rbr.replica()) {
                flavour.setReadOnly(node, account, false);
            }
            return filled;
        } catch (RuntimeException e) {
            try {
                removeMade(node);
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
        InstanceAccount account = InstanceAccount.of(node, config);
        return process(node, account, List.of()).start(flavour.client(node, account)::answers, config.startTimeout());
    }

    /**
     * Starts a stopped group member on its data into its running group and waits until it is
     * synced. It answers only once a state transfer brought it what it missed, a full one after a
     * crash, so both waits have the state transfer timeout, not the start timeout. Every
     * {@link #GROUP_CHECK_INTERVAL} of the wait it also asks whether the rest of the group still
     * runs: a joiner whose donors all died waits for a state transfer that never comes, and its
     * caller (the keepalive) holds its cluster's lock meanwhile. Then, or when the start fails
     * while the rest of the group is down, the member started here is killed and the start
     * postponed ({@code groupStopped} says why): it starts again with its group.
     */
    public StartOutcome startInGroup(StorageNode member, BooleanSupplier groupRuns, String groupStopped) {
        HostAccess host = member.host();
        StorageFlavour flavour = flavour(host);
        InstanceAccount account = InstanceAccount.of(member, config);
        DetachedProcess process = process(member, account, List.of());
        Runnable requireGroup = new GroupWatch(groupRuns, groupStopped);
        // The readiness check runs only once start launched the server: a postponement from it stops what it launched.
        StartOutcome outcome = StartOutcome.STARTED;
        try {
            outcome = process.start(() -> {
                requireGroup.run();
                return flavour.client(member, account).answers();
            }, config.stateTransferTimeout());
            awaitGroupState(flavour, member, account, GroupStatus::synced, config.stateTransferTimeout(), requireGroup);
        } catch (ManagerException failed) {
            // A joiner that lost its donors may also give up by itself first (mariadbd exits): the group's doing too.
            boolean groupStoppedMeanwhile = failed instanceof GroupRestart.StartPostponed
                    || failed.code() != ManagerException.Code.INTERRUPTED && !groupRuns.getAsBoolean();
            if (!groupStoppedMeanwhile) {
                throw failed;
            }
            if (outcome == StartOutcome.STARTED) {
                process.stop(Duration.ZERO);
            }
            throw failed instanceof GroupRestart.StartPostponed ? failed
                    : new GroupRestart.StartPostponed(groupStopped + ": " + failed.getMessage());
        }
        return outcome;
    }

    /**
     * Starts a stopped group member as a new group of its own, on the data it has: the way back
     * after its whole group stopped, for the member with the most recent data (the others then
     * join it with {@link #start}). Waits until it is the synced primary component.
     */
    public void bootstrapGroup(StorageNode member) {
        HostAccess host = member.host();
        StorageFlavour flavour = flavour(host);
        InstanceAccount account = InstanceAccount.of(member, config);
        flavour.allowGroupBootstrap(member, account);
        process(member, account, flavour.groupBootstrapArguments()).start(flavour.client(member, account)::answers,
                config.startTimeout());
        awaitGroupState(flavour, member, account, GroupStatus::synced, config.startTimeout());
    }

    /** A stopped group member's last committed position (see {@link GroupPosition}). */
    public GroupPosition lastCommitted(StorageNode member) {
        return flavour(member.host()).lastCommitted(member,
                InstanceAccount.of(member, config));
    }

    /**
     * Shuts the instance down cleanly, killing it when it has not stopped within the stop
     * timeout. Answers whether it was running.
     */
    public boolean stop(StorageNode node) {
        InstanceAccount account = InstanceAccount.of(node, config);
        return process(node, account).stop(config.stopTimeout());
    }

    /** What the instance's directory says of who made it. */
    public InstanceMaker maker(StorageNode node) {
        return InstanceDirectories.maker(node.host(), InstanceAccount.of(node, config),
                node.layout().instanceDir());
    }

    /**
     * Removes the instance if job {@code maker} made it (see {@link #removeMade}); leaves alone an
     * instance directory that another job made or nobody marked, and answers what it found.
     */
    public InstanceMaker remove(StorageNode node, String maker) {
        return InstanceDirectories.removeIfMadeBy(maker(node), maker, () -> removeMade(node));
    }

    /**
     * Stops the instance, kills what else works in its directories (a seed's stream a dead
     * manager left running), and deletes them. Removing an instance that does not exist, or
     * exists only in part, succeeds: this is what undoes an install.
     */
    private void removeMade(StorageNode node) {
        stop(node);
        DetachedProcess.killCommandsIn(node.host(), node.label(), node.layout().directories());
        InstanceDirectories.remove(node.host(), InstanceAccount.of(node, config),
                node.label(), node.layout().directories());
    }

    public boolean isRunning(StorageNode node) {
        InstanceAccount account = InstanceAccount.of(node, config);
        return process(node, account).isRunning();
    }

    /** Whether the node's server is among the processes listed a moment ago on its machine. */
    public boolean isRunningIn(StorageNode node, ProcessTable processes) {
        return process(node, InstanceAccount.of(node, config)).isRunningIn(processes);
    }

    /**
     * Makes an installed rbr replica follow its primary from the primary's current position and
     * waits until both replication threads run; fails with the replica's last replication error
     * when they do not within the start timeout.
     */
    public void attachReplica(StorageNode replica, StorageNode primary, Credential replication) {
        attach(replica, primary, Optional.of(binlogPosition(primary).text()), replication);
    }

    /**
     * Makes an instance seeded from a backup follow its primary from the backup's position, and
     * waits like {@link #attachReplica(StorageNode, StorageNode, Credential)}.
     */
    public void attachReplica(StorageNode replica, StorageNode primary, Credential replication, GtidPosition from) {
        attach(replica, primary, Optional.of(from.text()), replication);
    }

    /**
     * Makes a replica follow another primary (its shard's new one) from where it stands, and
     * waits like {@link #attachReplica(StorageNode, StorageNode, Credential)}.
     */
    public void repointReplica(StorageNode replica, StorageNode primary, Credential replication) {
        attach(replica, primary, Optional.empty(), replication);
    }

    /** The GTIDs in the instance's binary log: how far along the shard's history it is. */
    public GtidPosition binlogPosition(StorageNode node) {
        return flavour(node.host()).binlogPosition(node, InstanceAccount.of(node, config));
    }

    /** See {@link StorageFlavour#adoptBinlogPosition}. */
    public void adoptBinlogPosition(StorageNode node) {
        flavour(node.host()).adoptBinlogPosition(node, InstanceAccount.of(node, config));
    }

    /** See {@link StorageFlavour#startHistoryAfter}. */
    public void startHistoryAfter(StorageNode node, GtidPosition replaced) {
        flavour(node.host()).startHistoryAfter(node, InstanceAccount.of(node, config),
                replaced);
    }

    /** The GTIDs a replica has applied. */
    public GtidPosition appliedPosition(StorageNode replica) {
        return flavour(replica.host()).appliedPosition(replica,
                InstanceAccount.of(replica, config));
    }

    /** Waits (the start timeout at most) until the replica applied the position; fails naming both otherwise. */
    public void awaitApplied(StorageNode replica, GtidPosition position) {
        if (!flavour(replica.host()).awaitApplied(replica,
                InstanceAccount.of(replica, config), position, config.startTimeout())) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, replica.label() + ": did not apply "
                    + position + " within " + config.startTimeoutSeconds() + " s; it has applied "
                    + appliedPosition(replica));
        }
    }

    /**
     * Makes a primary read-only to clients, so that its replicas can catch up with it for good,
     * or writable: again when it stays the primary after all, or once it started (every rbr node
     * starts read-only; see {@link #create}).
     */
    public void setReadOnly(StorageNode node, boolean readOnly) {
        flavour(node.host()).setReadOnly(node, InstanceAccount.of(node, config), readOnly);
    }

    /** Makes an rbr replica its shard's primary, now and across restarts. */
    public void promote(StorageNode replica) {
        flavour(replica.host()).promote(replica, InstanceAccount.of(replica, config));
    }

    /**
     * Makes an old rbr primary follow its shard's new one, now and across restarts: read-only,
     * replicating from where its own binary log stands (all of which the new primary applied
     * before its promotion), and waits like {@link #attachReplica(StorageNode, StorageNode, Credential)}.
     */
    public void demote(StorageNode oldPrimary, StorageNode newPrimary, Credential replication) {
        flavour(oldPrimary.host()).demote(oldPrimary, InstanceAccount.of(oldPrimary, config));
        attach(oldPrimary, newPrimary, Optional.of(binlogPosition(oldPrimary).text()), replication);
    }

    /**
     * Makes a running node that takes writes beside its shard's primary refuse them, now and
     * across restarts (a replica's settings), following nobody yet.
     */
    public void fence(StorageNode node) {
        flavour(node.host()).demote(node, InstanceAccount.of(node, config));
    }

    /**
     * Makes a replaced primary start read-only, a replica, when it starts again, and kills its
     * server if it still runs: it must never take writes beside the shard's new primary, and a
     * hung server (stopped, frozen) that wakes up would keep accepting them. Answers whether it ran.
     */
    public boolean fenceDown(StorageNode oldPrimary) {
        InstanceAccount account = InstanceAccount.of(oldPrimary, config);
        flavour(oldPrimary.host()).keepReplicaSettings(oldPrimary, account);
        return process(oldPrimary, account).kill();
    }

    /**
     * Points the replica at the primary, then waits until both replication threads run; fails
     * with the replica's last replication error when they do not within the start timeout.
     */
    private void attach(StorageNode replica, StorageNode primary, Optional<String> startPosition,
                        Credential replication) {
        StorageFlavour flavour = flavour(replica.host());
        InstanceAccount replicaAccount = InstanceAccount.of(replica, config);
        flavour.attachReplica(replica, replicaAccount, primary, startPosition, replication);
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        Poll poll = new Poll();
        ReplicaStatus status = flavour.replicaStatus(replica, replicaAccount);
        while (!status.running()) {
            if (System.nanoTime() > deadline) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, replica.label()
                        + ": replication from " + primary.label() + " did not start within "
                        + config.startTimeoutSeconds() + " s: " + status.lastError());
            }
            poll.pause();
            status = flavour.replicaStatus(replica, replicaAccount);
        }
    }

    /** Where the replica replicates from and whether it does. */
    public ReplicaStatus replicaStatus(StorageNode replica) {
        return flavour(replica.host()).replicaStatus(replica,
                InstanceAccount.of(replica, config));
    }

    /** The node's source and read_only, empty when it does not answer ({@link StorageFlavour#replicationState}). */
    public Optional<ReplicationState> replicationState(StorageNode node) {
        return flavour(node.host()).replicationState(node, InstanceAccount.of(node, config));
    }

    /**
     * Makes a group member look for the given members (itself included) when it restarts, after
     * the group gained or lost one.
     */
    public void setGroupMembers(StorageNode member, List<StorageNode> members) {
        flavour(member.host()).setGroupMembers(member, InstanceAccount.of(member, config),
                members);
    }

    /** This member's view of its group. */
    public GroupStatus groupStatus(StorageNode member) {
        return flavour(member.host()).groupStatus(member, InstanceAccount.of(member, config));
    }

    /** A running member's last committed position (see {@link GroupPosition}). */
    public GroupPosition runningPosition(StorageNode member) {
        return flavour(member.host()).runningPosition(member, InstanceAccount.of(member, config));
    }

    /**
     * Makes a running member outside its group's primary component the primary component of a
     * group of its own (see {@link StorageFlavour#bootstrapRunningMember}) and waits until it is
     * synced in it (the start timeout at most).
     */
    public void bootstrapRunningMember(StorageNode member) {
        StorageFlavour flavour = flavour(member.host());
        InstanceAccount account = InstanceAccount.of(member, config);
        flavour.bootstrapRunningMember(member, account);
        awaitGroupState(flavour, member, account, GroupStatus::synced, config.startTimeout());
    }

    /**
     * Waits until the member sees a group of {@code size} members and is synced with it (the
     * start timeout at most).
     */
    public void awaitGroup(StorageNode member, int size) {
        awaitGroupState(flavour(member.host()), member, InstanceAccount.of(member, config),
                status -> status.synced() && status.size() == size, config.startTimeout());
    }

    /** Whether the instance accepts a connection and answers a trivial query right now. */
    public boolean answers(StorageNode node) {
        return client(node).answers();
    }

    /** A global variable's value as the server shows it; fails with the server's reason for an unknown name. */
    public String variable(StorageNode node, String name) {
        return flavour(node.host()).variable(node, InstanceAccount.of(node, config), name);
    }

    /**
     * Sets a global variable on the running instance and in its configuration, so that it
     * survives a restart. Fails with the reason when the server refuses the value or does not show
     * it afterwards ({@code value} is an integer's digits when {@code integer}, else text).
     */
    public void setVariable(StorageNode node, String name, String value, boolean integer) {
        flavour(node.host()).setVariable(node, InstanceAccount.of(node, config), name,
                value, integer);
    }

    /**
     * Lets the cluster's accounts in from one more client network (an IPv4 CIDR block) on this
     * running instance, and on it alone (replicas do not replay it). Granting one that is
     * allowed already changes nothing.
     */
    public void allowNetwork(StorageNode node, ClusterUsers users, String network) {
        StorageFlavour flavour = flavour(node.host());
        flavour.allowNetwork(flavour.client(node, InstanceAccount.of(node, config)),
                users, network);
    }

    /**
     * Takes back {@link #allowNetwork} on this instance: the accounts of those user names no
     * longer come in from that network. Revoking what was never granted succeeds.
     */
    public void revokeNetwork(StorageNode node, List<String> userNames, String network) {
        StorageFlavour flavour = flavour(node.host());
        flavour.revokeNetwork(flavour.client(node, InstanceAccount.of(node, config)),
                userNames, network);
    }

    /** SQL as the instance's local superuser (for the manager's own work, not for clients). */
    public SqlClient client(StorageNode node) {
        HostAccess host = node.host();
        return flavour(host).client(node, InstanceAccount.of(node, config));
    }

    private DetachedProcess process(StorageNode node, InstanceAccount account) {
        return process(node, account, List.of());
    }

    /** The server reads only its configuration file, which must come first; a first start may add arguments. */
    private DetachedProcess process(StorageNode node, InstanceAccount account, List<String> extraArguments) {
        String identity = "--defaults-file=" + node.layout().configFile();
        List<String> argv = new ArrayList<>(List.of(config.storageServer(), identity));
        argv.addAll(extraArguments);
        return new DetachedProcess(node.host(), account, node.label(), argv, identity, node.layout().errorLog(), "TERM");
    }

    /**
     * Throws {@link GroupRestart.StartPostponed} once the rest of a group no longer runs; asks
     * ({@code groupRuns}, a query on every other member) at most every {@link #GROUP_CHECK_INTERVAL}.
     */
    private static final class GroupWatch implements Runnable {
        private final BooleanSupplier groupRuns;
        private final String groupStopped;
        private long nextCheck = System.nanoTime() + GROUP_CHECK_INTERVAL.toNanos();

        GroupWatch(BooleanSupplier groupRuns, String groupStopped) {
            this.groupRuns = groupRuns;
            this.groupStopped = groupStopped;
        }

        @Override
        public void run() {
            if (System.nanoTime() - nextCheck < 0) {
                return;
            }
            if (!groupRuns.getAsBoolean()) {
                throw new GroupRestart.StartPostponed(groupStopped);
            }
            nextCheck = System.nanoTime() + GROUP_CHECK_INTERVAL.toNanos();
        }
    }

    /**
     * Polls a group member until its status satisfies the condition. Fails with the member's
     * last status at the deadline, or with its error log when it stops running meanwhile.
     */
    private void awaitGroupState(StorageFlavour flavour, StorageNode member, InstanceAccount account,
                                 Predicate<GroupStatus> condition, Duration timeout) {
        awaitGroupState(flavour, member, account, condition, timeout, () -> { });
    }

    /** As above, running {@code stillWorthWaiting} between polls, which ends the wait by throwing. */
    private void awaitGroupState(StorageFlavour flavour, StorageNode member, InstanceAccount account,
                                 Predicate<GroupStatus> condition, Duration timeout, Runnable stillWorthWaiting) {
        DetachedProcess process = process(member, account);
        long deadline = System.nanoTime() + timeout.toNanos();
        Poll poll = new Poll();
        GroupStatus status = null;
        while (true) {
            try {
                status = flavour.groupStatus(member, account);
                if (condition.test(status)) {
                    return;
                }
            } catch (ManagerException unanswered) {
                if (!process.isRunning()) {
                    throw process.failure(process.programName() + " exited: " + process.logTail());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, member.label()
                        + ": the group did not settle within " + timeout.toSeconds() + " s: "
                        + (status == null ? "no answer" : "size " + status.size() + ", state " + status.state()
                        + (status.primaryComponent() ? "" : ", not in the primary component")));
            }
            stillWorthWaiting.run();
            poll.pause();
        }
    }

    private StorageFlavour flavour(HostAccess host) {
        FoundFlavour memo = FOUND.get(host);
        if (memo != null && memo.program().equals(config.storageServer())
                && System.nanoTime() - memo.foundAtNanos() < FLAVOUR_MEMO.toNanos()) {
            return memo.flavour();
        }
        return detectFlavour(host);
    }

    /** Asks the machine which server its program is; remembers a supported one. */
    private StorageFlavour detectFlavour(HostAccess host) {
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
        StorageFlavour flavour = new MariaDbFlavour(version, config, transfers);
        FOUND.put(host, new FoundFlavour(program, flavour, System.nanoTime()));
        return flavour;
    }
}
