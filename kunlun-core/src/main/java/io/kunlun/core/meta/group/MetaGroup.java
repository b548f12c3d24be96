package io.kunlun.core.meta.group;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.Credential;
import io.kunlun.core.engines.GroupRestart;
import io.kunlun.core.engines.InstancePaths;
import io.kunlun.core.engines.PortProbe;
import io.kunlun.core.engines.ReplicationMode;
import io.kunlun.core.engines.SqlClient;
import io.kunlun.core.engines.SqlText;
import io.kunlun.core.engines.StartOutcome;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageInstall;
import io.kunlun.core.engines.StorageLayout;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.engines.StoragePorts;
import io.kunlun.core.engines.StorageSettings;
import io.kunlun.core.engines.Transfers;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.ops.Names;
import io.kunlun.model.InvalidRequestException;
import io.kunlun.model.job.RequestFields;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The metadata group: the MariaDB servers that hold the managers' metadata, made, grown, shrunk
 * and started again by {@code kunlunctl meta bootstrap | add-member | remove-member | start}. A
 * group of three or more members is a Galera group (get_meta_mode {@code mgr}); a group of one is
 * a single server ({@code no_rep}). Its instances are made by the same engine code as a cluster's
 * storage nodes ({@link StorageEngine}, Galera as in {@code mgr} shards), on the machines reached
 * as the manager reaches machines ({@link Hosts}: loopback locally, others over SSH), each under
 * the same {@code datadir} with the same ports. Its accounts are generated here; the manager's is
 * written only to the configuration file (mode 0600, {@link MetaGroupFile}).
 *
 * <p>Each change checks everything it can before it makes anything (no side effects in the
 * checks): a refusal leaves nothing behind, and a bootstrap that fails half-way removes what it
 * made.
 */
public final class MetaGroup implements AutoCloseable {
    /** The Galera group's name, and how refusals name it ("metadata group is down; ..."). */
    static final String GROUP_NAME = "kunlun_meta";
    private static final String GROUP_LABEL = "metadata";
    static final String MANAGER_USER = "kunlun_meta";
    static final String REPLICATION_USER = "kunlun_meta_repl";
    static final String MONITORING_USER = "kunlun_meta_monitor";
    private static final int MAX_CONNECTIONS = 500;
    /** The first SQL port of a group's members when none is given. */
    public static final int DEFAULT_PORT = 57300;
    public static final int DEFAULT_BUFFER_POOL_MB = 256;

    private final ManagerConfig config;
    private final Hosts hosts;
    private final Transfers transfers = new Transfers();

    /** {@code config}: how machines are reached ({@code ssh}) and where the programs are ({@code engines}). */
    public MetaGroup(ManagerConfig config) {
        this.config = config;
        this.hosts = new Hosts(config.ssh());
    }

    /** What {@code kunlunctl meta bootstrap} asks for; {@code baseConfig} may be null. */
    public record Bootstrap(List<String> machines, String datadir, int port, int bufferPoolMb,
                            List<String> clientNetworks, Path configOut, Path baseConfig) {
        public Bootstrap {
            machines = List.copyOf(machines);
            clientNetworks = List.copyOf(clientNetworks);
        }
    }

    /**
     * Makes the group on the machines, the first bootstrapping it and each other one joining it
     * by state transfer, then writes the configuration file. Answers the file.
     */
    public MetaGroupFile bootstrap(Bootstrap request) {
        MetaGroupSpec spec = checkBootstrap(request);
        Set<String> withoutDatadir = new HashSet<>();
        for (String machine : spec.machines()) {
            if (!hosts.get(machine).exists(spec.datadir())) {
                withoutDatadir.add(machine);
            }
        }
        ClusterUsers users = users(spec, Names.newPassword());
        List<StorageNode> nodes = nodes(spec);
        MetaGroupFile file = new MetaGroupFile(request.configOut(), MetaGroupFile.base(request.baseConfig()))
                .with(spec, users.admin().user(), users.admin().password());
        List<StorageNode> installed = new ArrayList<>();
        try {
            for (StorageNode node : nodes) {
                ReplicationMode mode = !spec.replicated() ? new ReplicationMode.Standalone()
                        : new ReplicationMode.Group(GROUP_NAME, nodes, installed.isEmpty());
                installed.add(node);
                install(spec, node, mode, users);
                if (installed.size() == 1) {
                    createDatabase(node, users);
                }
            }
            if (spec.replicated()) {
                engine(nodes.get(0)).awaitGroup(nodes.get(0), nodes.size());
            }
            file.create();
            return file;
        } catch (RuntimeException e) {
            for (int i = installed.size() - 1; i >= 0; i--) {
                StorageNode node = installed.get(i);
                try {
                    remove(spec, node, withoutDatadir.contains(node.host().address()));
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    private MetaGroupSpec checkBootstrap(Bootstrap request) {
        List<String> machines = request.machines();
        if (machines.size() != 1 && (machines.size() < 3 || machines.size() % 2 == 0)) {
            throw ManagerException.refused("a metadata group has 1 member or an odd number of at least 3, got "
                    + machines.size() + ": with an even number, half of the group cannot tell whether it is the"
                    + " part that may go on");
        }
        machines.forEach(MetaGroup::requireHostaddr);
        if (machines.stream().distinct().count() < machines.size()) {
            throw ManagerException.refused("the metadata group's machines must differ, got " + machines);
        }
        InstancePaths.requireSafe(request.datadir(), "the metadata group's datadir");
        int lastPort = 65535 - StoragePorts.COUNT * machines.size();
        if (request.port() < 1 || request.port() > lastPort) {
            throw ManagerException.refused("the metadata group's port must be from 1 to " + lastPort + ", got "
                    + request.port());
        }
        if (Files.exists(request.configOut())) {
            throw ManagerException.refused(request.configOut() + " already exists; give a new file for the"
                    + " configuration");
        }
        List<MetaGroupSpec.Member> members = new ArrayList<>();
        for (String machine : machines) {
            members.add(new MetaGroupSpec.Member(machine, portFor(machine, request.port(), members)));
        }
        MetaGroupSpec spec = new MetaGroupSpec(GROUP_NAME, members, request.datadir(), request.port(),
                request.bufferPoolMb(), request.clientNetworks(),
                "metadata-group-" + UUID.randomUUID(), Names.newPassword(), Names.newPassword());
        // Accounts and settings are checked before any machine is asked.
        users(spec, Names.newPassword());
        settings(spec, machines.get(0));
        for (MetaGroupSpec.Member member : members) {
            checkMachine(spec, member, true);
        }
        return spec;
    }

    /**
     * Can the machine take a member: reachable, with MariaDB 10.6 or later, the four ports free,
     * and for a new group the datadir absent or empty (a member added later may share the
     * datadir with members on the same host: its own directories must be absent or empty, which
     * the install checks).
     */
    private void checkMachine(MetaGroupSpec spec, MetaGroupSpec.Member member, boolean newGroup) {
        String machine = member.hostaddr();
        StorageNode node = node(spec, member);
        engine(node).detect(node.host());
        if (newGroup) {
            CommandResult listing = node.host().run(Command.of("ls", "-A", "--", spec.datadir()));
            if (listing.succeeded() && !listing.stdout().isBlank()) {
                throw ManagerException.refused(machine + ": " + spec.datadir() + " is not empty; the metadata"
                        + " group's instances go into an empty or new directory");
            }
        }
        PortProbe.requireFree(node.host(), node.label(), node.ports().all());
    }

    /**
     * Adds a member on {@code machine} to a running group: it joins by state transfer from a
     * member; every member then looks for the new one when it restarts, and the file names it.
     */
    public MetaGroupFile addMember(Path path, String machine) {
        MetaGroupFile file = MetaGroupFile.read(path);
        MetaGroupSpec spec = file.spec();
        requireHostaddr(machine);
        if (!spec.replicated()) {
            throw ManagerException.refused("the metadata store of " + path + " is a single server, not a group:"
                    + " members join a group bootstrapped with 3 or more");
        }
        if (spec.machines().contains(machine)) {
            throw ManagerException.refused(machine + " is a member of the metadata group already");
        }
        List<MetaGroupSpec.Member> grown = new ArrayList<>(spec.members());
        MetaGroupSpec.Member joining = new MetaGroupSpec.Member(machine, portFor(machine, spec.port(), grown));
        grown.add(joining);
        MetaGroupSpec next = spec.withMembers(grown);
        checkMachine(next, joining, false);
        List<StorageNode> running = running(spec);
        if (running.isEmpty()) {
            throw ManagerException.refused("no member of the metadata group runs (" + addresses(spec)
                    + "): start the group first (kunlunctl meta start)");
        }
        ClusterUsers users = users(next, file.password());
        List<String> newNetworks = networksOnlyIn(next, spec);
        for (StorageNode member : running) {
            for (String network : newNetworks) {
                engine(member).allowNetwork(member, users, network);
            }
        }
        List<StorageNode> nodes = nodes(next);
        StorageNode added = nodes.get(nodes.size() - 1);
        boolean hadDatadir = added.host().exists(spec.datadir());
        try {
            install(next, added, new ReplicationMode.Group(spec.name(), nodes, false), users);
        } catch (RuntimeException e) {
            removeDirectories(added.host(), spec.datadir(), !hadDatadir);
            revokeNetworks(running, users, newNetworks);
            throw e;
        }
        MetaGroupFile updated = file.with(next, file.user(), file.password());
        updated.replace();
        pointMembersAt(nodes);
        return updated;
    }

    /**
     * Takes {@code machine} out of the group: stops and deletes its instance (only what this
     * group made there) when its machine answers, forgets it when the machine is lost; the other
     * members then no longer look for it nor let its machine's network in (unless another member
     * or a client network needs it), and the file no longer names it.
     */
    public MetaGroupFile removeMember(Path path, String machine) {
        MetaGroupFile file = MetaGroupFile.read(path);
        MetaGroupSpec spec = file.spec();
        MetaGroupSpec.Member leaving = spec.members().stream().filter(member -> member.hostaddr().equals(machine))
                .findFirst().orElseThrow(() -> ManagerException.refused(machine + " is not a member of the metadata"
                        + " group (members: " + addresses(spec) + ")"));
        if (spec.members().size() == 1) {
            throw ManagerException.refused(machine + " is the metadata store's only server; it is not removed");
        }
        StorageNode node = node(spec, leaving);
        try {
            remove(spec, node, false);
        } catch (ManagerException e) {
            if (e.code() != ManagerException.Code.HOST_UNREACHABLE) {
                throw e;
            }
            // A lost machine: forgotten. Its instance must not come back (see docs/metadata.md).
        }
        MetaGroupSpec next = spec.withMembers(spec.members().stream().filter(member -> member != leaving).toList());
        revokeNetworks(running(next), users(spec, file.password()), networksOnlyIn(spec, next));
        MetaGroupFile updated = file.with(next, file.user(), file.password());
        updated.replace();
        pointMembersAt(nodes(next));
        return updated;
    }

    /**
     * Starts every member that does not run: into its group when a member runs, else the whole
     * group again from the member with the most recent data ({@link GroupRestart}). Answers the
     * members it started.
     */
    public List<String> start(Path path) {
        MetaGroupSpec spec = MetaGroupFile.read(path).spec();
        List<StorageNode> nodes = nodes(spec);
        if (!spec.replicated()) {
            StorageNode server = nodes.get(0);
            return engine(server).start(server) == StartOutcome.STARTED ? List.of(server.label()) : List.of();
        }
        return GroupRestart.startAll(GROUP_LABEL, nodes.stream()
                .map(node -> new GroupRestart.Member(engine(node), node)).toList());
    }

    /** The members in the group now, which a change of accounts or members reaches. */
    private List<StorageNode> running(MetaGroupSpec spec) {
        return nodes(spec).stream().filter(node -> new GroupRestart.Member(engine(node), node).inGroup()).toList();
    }

    /**
     * Takes the networks back on each of {@code members}: the accounts are made per member
     * (unlogged, not replicated), so each revokes its own; a member that does not run keeps them.
     */
    private void revokeNetworks(List<StorageNode> members, ClusterUsers users, List<String> networks) {
        for (StorageNode member : members) {
            for (String network : networks) {
                engine(member).revokeNetwork(member, users.userNames(), network);
            }
        }
    }

    /**
     * Makes every member that answers look for exactly these members when it restarts (its
     * configuration file only). A member that cannot be reached is left: it is refused nothing
     * by the group, and gets the list the next time it is given one.
     */
    private void pointMembersAt(List<StorageNode> members) {
        for (StorageNode member : members) {
            try {
                engine(member).setGroupMembers(member, members);
            } catch (ManagerException unreachable) {
                if (unreachable.code() != ManagerException.Code.HOST_UNREACHABLE) {
                    throw unreachable;
                }
            }
        }
    }

    private void install(MetaGroupSpec spec, StorageNode node, ReplicationMode mode, ClusterUsers users) {
        engine(node).install(new StorageInstall(node, settings(spec, node.host().address()), mode, users,
                spec.maker()));
    }

    /**
     * The manager's database, and on a single server the right to look at its replication
     * (get_meta_mode reads SHOW SLAVE HOSTS there); a group answers from its wsrep status.
     */
    private void createDatabase(StorageNode node, ClusterUsers users) {
        SqlClient client = engine(node).client(node);
        StringBuilder sql = new StringBuilder("CREATE DATABASE IF NOT EXISTS `" + MetaGroupFile.DATABASE
                + "` CHARACTER SET utf8mb4;\n");
        for (List<String> row : client.rows("SELECT Host FROM mysql.user WHERE User = "
                + SqlText.mysqlString(users.admin().user()) + ";")) {
            sql.append("GRANT REPLICATION MASTER ADMIN ON *.* TO ").append(SqlText.mysqlString(users.admin().user()))
                    .append("@").append(SqlText.mysqlString(row.get(0))).append(";\n");
        }
        client.execute(sql.toString());
    }

    /** Stops and deletes the member's instance if this group made it, then the directories above it left empty. */
    private void remove(MetaGroupSpec spec, StorageNode node, boolean datadirToo) {
        engine(node).remove(node, spec.maker());
        removeDirectories(node.host(), spec.datadir(), datadirToo);
    }

    /** The layout's empty directories under datadir (and datadir itself when the group made it); rmdir leaves any other. */
    private static void removeDirectories(HostAccess host, String datadir, boolean datadirToo) {
        String instanceData = datadir + "/instance_data";
        List<String> argv = new ArrayList<>(List.of("rmdir", "--ignore-fail-on-non-empty", "--",
                instanceData + "/data_dir_path", instanceData + "/log_dir_path", instanceData + "/innodb_log_dir_path",
                instanceData));
        if (datadirToo) {
            argv.add(datadir);
        }
        host.run(new Command(argv, null, Command.DEFAULT_TIMEOUT));
    }

    private List<StorageNode> nodes(MetaGroupSpec spec) {
        return spec.members().stream().map(member -> node(spec, member)).toList();
    }

    /** Members run as the configured instance account (an empty account): the group belongs to no cluster. */
    private StorageNode node(MetaGroupSpec spec, MetaGroupSpec.Member member) {
        return new StorageNode(hosts.get(member.hostaddr()), StoragePorts.from(member.port()),
                StorageLayout.under(spec.datadir(), spec.datadir(), spec.datadir(), member.port()), "");
    }

    /**
     * A new member's SQL port: {@code port}, or on a loopback address the first block of four
     * from it that no loopback member takes (loopback addresses share this host's ports; a
     * state transfer listens on every address).
     */
    private static int portFor(String machine, int port, List<MetaGroupSpec.Member> members) {
        if (!Hosts.isLocal(machine)) {
            return port;
        }
        int candidate = port;
        while (taken(candidate, members)) {
            candidate += StoragePorts.COUNT;
        }
        return candidate;
    }

    private static boolean taken(int port, List<MetaGroupSpec.Member> members) {
        return members.stream().anyMatch(member -> Hosts.isLocal(member.hostaddr())
                && Math.abs(member.port() - port) < StoragePorts.COUNT);
    }

    private static String addresses(MetaGroupSpec spec) {
        return String.join(", ", spec.members().stream().map(MetaGroupSpec.Member::address).toList());
    }

    private StorageEngine engine(StorageNode node) {
        return new StorageEngine(config.enginesOn(node.host().address()), transfers);
    }

    private static StorageSettings settings(MetaGroupSpec spec, String machine) {
        // Distinct between members whatever joins or leaves; Galera itself does not use it.
        long serverId = Math.floorMod((long) machine.hashCode(), 4_000_000_000L) + 1;
        return new StorageSettings(serverId, spec.bufferPoolMb(), MAX_CONNECTIONS);
    }

    private static ClusterUsers users(MetaGroupSpec spec, String managerPassword) {
        return new ClusterUsers(new Credential(MANAGER_USER, managerPassword),
                new Credential(REPLICATION_USER, spec.replicationPassword()),
                new Credential(MONITORING_USER, spec.monitoringPassword()), networks(spec));
    }

    /** The networks {@code spec}'s accounts come in from that {@code other}'s do not. */
    static List<String> networksOnlyIn(MetaGroupSpec spec, MetaGroupSpec other) {
        List<String> others = networks(other);
        return networks(spec).stream().filter(network -> !others.contains(network)).toList();
    }

    /**
     * The networks the accounts come in from besides loopback: the client networks asked for, and
     * every member's machine given by its IPv4 address that is not loopback (a manager there
     * reaches every member from that address). A member named by a host name brings no network.
     */
    private static List<String> networks(MetaGroupSpec spec) {
        List<String> networks = new ArrayList<>(spec.clientNetworks());
        spec.machines().stream().filter(machine -> !Hosts.isLocal(machine) && machine.matches("[0-9]+(\\.[0-9]+){3}"))
                .map(machine -> machine + "/32")
                .filter(network -> !networks.contains(network)).forEach(networks::add);
        return networks;
    }

    private static void requireHostaddr(String machine) {
        try {
            RequestFields.checkHost("machine", machine);
        } catch (InvalidRequestException e) {
            throw ManagerException.refused(e.getMessage());
        }
    }

    @Override
    public void close() {
        transfers.close();
        hosts.close();
    }

}
