package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.Sha256Shell;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * MariaDB 10.6 and later. mariadb-install-db reads the instance's configuration, so its server
 * writes to the instance's error log: a failed initialisation is explained from both.
 */
final class MariaDbFlavour implements StorageFlavour {
    /** An rbr primary's role settings, accepting writes last: semi-sync's primary side (AFTER_SYNC). */
    private static final Map<String, String> PRIMARY_SETTINGS = orderedSettings(
            "rpl_semi_sync_slave_enabled", "OFF", "rpl_semi_sync_master_wait_point", "AFTER_SYNC",
            "rpl_semi_sync_master_enabled", "ON", "read_only", "OFF");
    /** An rbr replica's role settings, refusing writes first: semi-sync's replica side. */
    private static final Map<String, String> REPLICA_SETTINGS = orderedSettings(
            "read_only", "ON", "rpl_semi_sync_master_enabled", "OFF", "rpl_semi_sync_slave_enabled", "ON");

    /**
     * How long a replica's receiver waits for anything from its primary before it drops the
     * connection and connects again ({@code Slave_IO_Running: Connecting}, which is how a replica
     * confirms a lost primary to the failover). The primary sends a heartbeat every
     * {@link #HEARTBEAT_PERIOD_SECONDS} when it has nothing else to send, so only a primary that
     * hangs (stopped, frozen, cut off) stays silent that long; MariaDB's default is 60 s.
     */
    private static final int REPLICA_NET_TIMEOUT_SECONDS = 4;
    private static final int HEARTBEAT_PERIOD_SECONDS = 1;
    private static final Duration INITIALISE_TIMEOUT = Duration.ofMinutes(5);
    /** How long the listening end of a backup stream waits for the other end to connect. */
    private static final Duration STREAM_ACCEPT_TIMEOUT = Duration.ofSeconds(30);
    /**
     * A backup of the running server streamed as xbstream to standard output: mariadb-backup
     * ("$1") with the instance's option file ("$2"), as the instance account ("$3", let in by
     * unix_socket) over its socket ("$4").
     */
    private static final String STREAM_BACKUP =
            "\"$1\" --defaults-file=\"$2\" --user=\"$3\" --socket=\"$4\" --backup --stream=xbstream";
    private static final Pattern LOGGED_BINLOG_POSITION = Pattern.compile(
            "MySQL binlog position: filename '([^']*)', position '(\\d+)'(?:, GTID of the last change '([^']*)')?");
    /**
     * Values kept in my.cnf: what needs no quoting there (no spaces, quotes, comment signs or
     * backslash escapes), which is every numeric, boolean, enumerated and path value.
     */
    private static final Pattern OPTION_VALUE = Pattern.compile("[A-Za-z0-9_.,:/@+=-]{1,255}");
    /** An option in {@code mariadbd --verbose --help}: {@code   --max-connections=#}, {@code   -C, --character-set-server=name}. */
    private static final Pattern STARTUP_OPTION = Pattern.compile("(?m)^  (?:-\\w, )?--([A-Za-z0-9_-]+)");
    /** What applications do with their data: every database-level privilege. */
    private static final String APPLICATION_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES,"
            + " INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE,"
            + " ALTER ROUTINE, EVENT, TRIGGER, DELETE HISTORY";
    /** Account statements stay on the instance that runs them: each instance makes its own accounts. */
    private static final String UNLOGGED = "SET SESSION sql_log_bin = 0;\n";
    /** The lines of grastate.dat, the group state a Galera member saves when it stops. */
    private static final Pattern SAVED_UUID = Pattern.compile("(?m)^uuid:\\s*(\\S+)");
    private static final Pattern SAVED_SEQNO = Pattern.compile("(?m)^seqno:\\s*(-?\\d+)");
    /** The line {@code --wsrep-recover} logs; MariaDB may append the GTID after a comma. */
    private static final Pattern RECOVERED_POSITION =
            Pattern.compile("WSREP: Recovered position:\\s*([0-9a-f-]{36}):(-?\\d+)");

    private final ServerVersion version;
    private final EngineConfig config;
    private final Transfers transfers;

    MariaDbFlavour(ServerVersion version, EngineConfig config, Transfers transfers) {
        this.version = version;
        this.config = config;
        this.transfers = transfers;
    }

    @Override
    public ServerVersion version() {
        return version;
    }

    @Override
    public String configuration(StorageInstall spec, InstanceAccount account) {
        StorageNode node = spec.node();
        StorageLayout layout = node.layout();
        StorageSettings settings = spec.settings();
        StringBuilder cnf = new StringBuilder();
        cnf.append("# ").append(node.label()).append(", written by the cluster manager.\n");
        cnf.append("[mysqld]\n");
        line(cnf, "datadir", layout.dataDir());
        line(cnf, "tmpdir", layout.tmpDir());
        line(cnf, "socket", layout.socket());
        line(cnf, "pid-file", layout.pidFile());
        line(cnf, "log-error", layout.errorLog());
        // LOAD DATA INFILE and SELECT ... INTO OUTFILE reach this empty directory of the instance only.
        line(cnf, "secure_file_priv", layout.fileExchangeDir());
        line(cnf, "bind-address", node.host().address());
        line(cnf, "port", node.ports().sql());
        line(cnf, "skip-name-resolve", "ON");
        line(cnf, "max_connections", settings.maxConnections());
        line(cnf, "innodb_buffer_pool_size", settings.bufferPoolMb() + "M");
        line(cnf, "innodb_log_group_home_dir", layout.redoDir());
        line(cnf, "character_set_server", "utf8mb4");
        line(cnf, "collation_server", "utf8mb4_general_ci");
        line(cnf, "server_id", settings.serverId());
        line(cnf, "log_bin", layout.binlogDir() + "/binlog");
        line(cnf, "log_bin_index", layout.binlogDir() + "/binlog.index");
        line(cnf, "relay_log", layout.binlogDir() + "/relay");
        line(cnf, "relay_log_index", layout.binlogDir() + "/relay.index");
        line(cnf, "binlog_format", "ROW");
        // A replayed binlog archive arrives as statements as large as its largest transaction.
        line(cnf, "max_allowed_packet", "1G");
        // Replicas get rows, so a routine need not be deterministic; without it only SUPER could create routines and triggers.
        line(cnf, "log_bin_trust_function_creators", "ON");
        line(cnf, "log_slave_updates", "ON");
        if (spec.mode() instanceof ReplicationMode.Group group) {
            galeraSettings(cnf, node, group, account);
        } else {
            // Galera numbers its own transactions; binary-log replication relies on GTIDs that never diverge.
            line(cnf, "gtid_strict_mode", "ON");
            if (spec.mode() instanceof ReplicationMode.Rbr rbr) {
                rbrSettings(cnf, rbr);
            }
        }
        return cnf.toString();
    }

    @Override
    public void initialise(StorageInstall spec, InstanceAccount account) {
        if (spec.mode().joinsGroup()) {
            return;
        }
        StorageNode node = spec.node();
        // The server appends to an error log that exists, keeping its mode: the account's alone.
        account.writeFile(node.host(), node.layout().errorLog(), "");
        List<String> argv = List.of("env", "MYSQLD_BOOTSTRAP=" + config.storageServer(), config.storageInstallDb(),
                "--defaults-file=" + node.layout().configFile(), "--auth-root-socket-user=" + account.name(),
                "--skip-test-db", "--skip-name-resolve");
        CommandResult result = node.host().run(account.command(argv).withTimeout(INITIALISE_TIMEOUT));
        if (!result.succeeded()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, node.label() + ": "
                    + ServerProgram.fileName(config.storageInstallDb()) + " exited with " + result.exitCode() + ": "
                    + ServerProgram.failureSummary(result.stdout() + "\n" + result.stderr() + "\n"
                    + node.host().run(account.command(List.of("tail", "-n", "20", "--", node.layout().errorLog()))).stdout()));
        }
    }

    /**
     * Semi-synchronous replication, built into MariaDB since 10.3: the primary waits, up to the
     * default 10 s, for a replica to have a transaction before it commits it (AFTER_SYNC: no
     * client sees a commit the replicas could lose). Only the primary waits: a replica with
     * the primary side enabled would stall its own applier waiting for replicas it has not.
     */
    private static void rbrSettings(StringBuilder cnf, ReplicationMode.Rbr rbr) {
        // Every node: a primary becomes a replica when a failover replaces it.
        line(cnf, "slave_net_timeout", REPLICA_NET_TIMEOUT_SECONDS);
        // Every node starts refusing writes, the primary too: only the manager opens the node its
        // metadata records as primary, once it answers (StorageEngine.create, ControlInstance.start).
        // A primary that a failover replaced while it was cut off, started again by anyone, takes
        // no write.
        line(cnf, "read_only", "ON");
        if (rbr.replica()) {
            line(cnf, "rpl_semi_sync_slave_enabled", "ON");
        } else {
            line(cnf, "rpl_semi_sync_master_enabled", "ON");
            line(cnf, "rpl_semi_sync_master_wait_point", "AFTER_SYNC");
        }
    }

    /**
     * Galera 4. Every listener is bound to the node's own address, on its own ports: group
     * communication, IST, and the SST stream (mariabackup through socat, which handles a redo
     * log outside the data directory; Debian's rsync SST sends the redo log from the data
     * directory and loses it). The donor's mariabackup logs in as the instance account through
     * the socket, so no password is written anywhere.
     */
    private void galeraSettings(StringBuilder cnf, StorageNode node, ReplicationMode.Group group,
                                InstanceAccount account) {
        String address = node.host().address();
        StoragePorts ports = node.ports();
        line(cnf, "innodb_autoinc_lock_mode", 2);
        line(cnf, "wsrep_on", "ON");
        line(cnf, "wsrep_provider", config.galeraProvider());
        line(cnf, "wsrep_cluster_name", group.name());
        line(cnf, "wsrep_cluster_address", clusterAddress(group.members()));
        line(cnf, "wsrep_node_name", node.label());
        line(cnf, "wsrep_node_address", address + ":" + ports.groupCommunication());
        line(cnf, "wsrep_node_incoming_address", node.label());
        line(cnf, "wsrep_provider_options", "\"gmcast.listen_addr=tcp://" + address + ":" + ports.groupCommunication()
                + ";ist.recv_addr=" + address + ":" + ports.incrementalTransfer() + "\"");
        line(cnf, "wsrep_sst_method", "mariabackup");
        line(cnf, "wsrep_sst_auth", account.name() + ":");
        line(cnf, "wsrep_sst_receive_address", address + ":" + ports.stateTransfer());
        // The SST scripts would otherwise keep each transfer's log under /tmp/sst_log_archive.
        cnf.append("[sst]\n");
        line(cnf, "sst-log-archive", 0);
    }

    /** Where a restarting member looks for its group: every member's group communication address. */
    private static String clusterAddress(List<StorageNode> members) {
        return "gcomm://" + members.stream()
                .map(member -> member.host().address() + ":" + member.ports().groupCommunication())
                .collect(Collectors.joining(","));
    }

    /** Only the configuration file: the running member keeps its connections to the group. */
    @Override
    public void setGroupMembers(StorageNode member, InstanceAccount account, List<StorageNode> members) {
        keepSettings(member, account, Map.of("wsrep_cluster_address", clusterAddress(members)));
    }

    @Override
    public List<String> firstStartArguments(ReplicationMode mode) {
        return mode instanceof ReplicationMode.Group group && group.bootstrap() ? groupBootstrapArguments() : List.of();
    }

    @Override
    public List<String> socketAdminArguments(StorageNode node, InstanceAccount account) {
        String admin = account(account.name(), "localhost");
        account.writeFile(node.host(), node.layout().socketAdminFile(), UNLOGGED
                + "CREATE USER IF NOT EXISTS " + admin + " IDENTIFIED VIA unix_socket;\n"
                + "GRANT ALL PRIVILEGES ON *.* TO " + admin + " WITH GRANT OPTION;\n");
        return List.of("--init-file=" + node.layout().socketAdminFile());
    }

    @Override
    public List<String> groupBootstrapArguments() {
        return List.of("--wsrep-new-cluster");
    }

    /**
     * grastate.dat's uuid and seqno. Its seqno is -1 while the server runs and after a crash:
     * then {@code mariadbd --wsrep-recover} reads the position from the InnoDB data files and
     * logs it ("WSREP: Recovered position: uuid:seqno"), to a log of its own so that an older
     * recovery in the error log cannot be mistaken for this one.
     */
    @Override
    public GroupPosition lastCommitted(StorageNode member, InstanceAccount account) {
        HostAccess host = member.host();
        String state = account.readFile(host, groupStateFile(member));
        Matcher uuid = SAVED_UUID.matcher(state);
        Matcher seqno = SAVED_SEQNO.matcher(state);
        if (!uuid.find() || !seqno.find()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, member.label() + ": "
                    + groupStateFile(member) + " holds no uuid and seqno: " + ServerProgram.failureSummary(state));
        }
        if (Long.parseLong(seqno.group(1)) >= 0) {
            return new GroupPosition(uuid.group(1), Long.parseLong(seqno.group(1)));
        }
        String recoveryLog = member.layout().instanceDir() + "/wsrep-recover.log";
        host.check(account.command(List.of("rm", "-f", "--", recoveryLog)));
        CommandResult recovery = host.run(account.command(List.of(config.storageServer(),
                "--defaults-file=" + member.layout().configFile(), "--wsrep-recover", "--log-error=" + recoveryLog))
                .withTimeout(config.startTimeout()));
        String log = host.run(account.command(List.of("cat", "--", recoveryLog))).stdout();
        host.check(account.command(List.of("rm", "-f", "--", recoveryLog)));
        Matcher recovered = RECOVERED_POSITION.matcher(log);
        if (!recovery.succeeded() || !recovered.find()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, member.label() + ": "
                    + ServerProgram.fileName(config.storageServer()) + " --wsrep-recover exited with "
                    + recovery.exitCode() + " and recovered no position: "
                    + ServerProgram.failureSummary(recovery.stderr() + "\n" + log));
        }
        return new GroupPosition(recovered.group(1), Long.parseLong(recovered.group(2)));
    }

    @Override
    public void allowGroupBootstrap(StorageNode member, InstanceAccount account) {
        account.editFile(member.host(), groupStateFile(member),
                state -> state.replaceAll("(?m)^safe_to_bootstrap:.*$", "safe_to_bootstrap: 1"));
    }

    private static String groupStateFile(StorageNode member) {
        return member.layout().dataDir() + "/grastate.dat";
    }

    @Override
    public MariaDbClient client(StorageNode node, InstanceAccount account) {
        return new MariaDbClient(node.host(), account, node.label(), config.storageClient(), node.layout().socket());
    }

    /**
     * The accounts, each for loopback and every client network. Not written to the binary log:
     * every instance creates its own, so replicas must not replay the primary's.
     */
    @Override
    public void createUsers(SqlClient client, ClusterUsers users) {
        StringBuilder sql = new StringBuilder(UNLOGGED);
        accountsAt(sql, users, "127.%");
        users.clientNetworks().forEach(network -> accountsAt(sql, users, Ipv4Network.parse(network).mysqlHost()));
        client.execute(sql.toString());
    }

    /**
     * Drops every account but the ones the data directory's initialisation makes (root, mariadb.sys
     * and the instance account, at localhost), forgets any primary the data still names, then
     * creates the accounts like {@link #createUsers}: what a restored copy of another cluster's
     * instance needs to hold this cluster's accounts and none of the other's.
     */
    @Override
    public void replaceUsers(SqlClient client, InstanceAccount account, ClusterUsers users) {
        StringBuilder sql = new StringBuilder(UNLOGGED);
        for (List<String> row : client.rows("SELECT User, Host FROM mysql.user WHERE is_role = 'N' AND NOT (Host ="
                + " 'localhost' AND User IN ('root', 'mariadb.sys', " + SqlText.mysqlString(account.name()) + "));")) {
            sql.append("DROP USER ").append(account(row.get(0), row.get(1))).append(";\n");
        }
        sql.append("STOP SLAVE;\nRESET SLAVE ALL;\n");
        client.execute(sql.toString());
        createUsers(client, users);
    }

    /** The accounts from one more network, made like {@link #createUsers} and, like them, on this instance only. */
    @Override
    public void allowNetwork(SqlClient client, ClusterUsers users, String network) {
        StringBuilder sql = new StringBuilder(UNLOGGED);
        accountsAt(sql, users, Ipv4Network.parse(network).mysqlHost());
        client.execute(sql.toString());
    }

    /** Drops the accounts of that network only; the same users at other hosts stay. */
    @Override
    public void revokeNetwork(SqlClient client, List<String> userNames, String network) {
        String host = Ipv4Network.parse(network).mysqlHost();
        client.execute(UNLOGGED + "DROP USER IF EXISTS " + userNames.stream().map(user -> account(user, host))
                .collect(Collectors.joining(", ")) + ";\n");
    }

    /**
     * The three accounts at one host, or what is missing of them. admin is the applications'
     * account (and what comps log in as through mysql_fdw): everything on data, in every
     * database but {@code mysql}, and a look at replication status; nothing that reaches the
     * machine or the server itself (FILE, SUPER, PROCESS, RELOAD, SHUTDOWN, CREATE USER, GRANT
     * OPTION, READ_ONLY ADMIN: it cannot write on a read-only replica). MariaDB has no partial
     * revoke, so its data privileges are database-level on the pattern {@code %}, and the
     * {@code mysql} database gets a grant of its own that holds only SHOW VIEW: the server takes
     * the most specific database entry alone, so admin cannot write the privilege tables (and be
     * anything at the next start). The manager itself works as the instance account over the
     * socket. replication may only read the binary log; monitoring may only look. An account
     * that exists keeps its password; its privileges are set again, exactly.
     */
    private static void accountsAt(StringBuilder sql, ClusterUsers users, String host) {
        String admin = account(users.admin().user(), host);
        String replication = account(users.replication().user(), host);
        String monitoring = account(users.monitoring().user(), host);
        sql.append("CREATE USER IF NOT EXISTS ").append(admin).append(" IDENTIFIED BY ")
                .append(SqlText.mysqlString(users.admin().password())).append(";\n");
        sql.append("REVOKE ALL PRIVILEGES, GRANT OPTION FROM ").append(admin).append(";\n");
        sql.append("GRANT ").append(APPLICATION_PRIVILEGES).append(" ON `%`.* TO ").append(admin).append(";\n");
        sql.append("GRANT SHOW VIEW ON `mysql`.* TO ").append(admin).append(";\n");
        sql.append("GRANT SLAVE MONITOR ON *.* TO ").append(admin).append(";\n");
        sql.append("CREATE USER IF NOT EXISTS ").append(replication).append(" IDENTIFIED BY ")
                .append(SqlText.mysqlString(users.replication().password())).append(";\n");
        sql.append("GRANT REPLICATION SLAVE ON *.* TO ").append(replication).append(";\n");
        sql.append("CREATE USER IF NOT EXISTS ").append(monitoring).append(" IDENTIFIED BY ")
                .append(SqlText.mysqlString(users.monitoring().password()))
                .append(" WITH MAX_USER_CONNECTIONS 3;\n");
        sql.append("GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO ").append(monitoring).append(";\n");
        sql.append("GRANT SELECT ON performance_schema.* TO ").append(monitoring).append(";\n");
    }

    /**
     * Over the replication account, read-only, with GTIDs, from the given position or else from
     * the replica's own slave position. A position is needed the first time: the accounts every
     * instance made for itself are in no binary log, so replaying from the start would fail.
     */
    @Override
    public void attachReplica(StorageNode replica, InstanceAccount replicaAccount, StorageNode primary,
                              Optional<String> startPosition, Credential replication) {
        client(replica, replicaAccount).execute("STOP SLAVE;\n"
                + startPosition.map(position -> "SET GLOBAL gtid_slave_pos = " + SqlText.mysqlString(position) + ";\n")
                        .orElse("")
                + "CHANGE MASTER TO MASTER_HOST = " + SqlText.mysqlString(primary.host().address())
                + ", MASTER_PORT = " + primary.ports().sql()
                + ", MASTER_USER = " + SqlText.mysqlString(replication.user())
                + ", MASTER_PASSWORD = " + SqlText.mysqlString(replication.password())
                + ", MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1"
                + ", MASTER_HEARTBEAT_PERIOD = " + HEARTBEAT_PERIOD_SECONDS + ";\n"
                + "SET GLOBAL read_only = ON;\n"
                + "START SLAVE;\n");
    }

    @Override
    public GtidPosition binlogPosition(StorageNode node, InstanceAccount account) {
        return new GtidPosition(client(node, account).value("SELECT @@GLOBAL.gtid_binlog_pos;"));
    }

    /**
     * mariadb-backup records gtid_current_pos, which takes a domain's GTID from the binary log
     * only when the server itself wrote it; replayed transactions carry the source's server id,
     * so gtid_slave_pos, which copies fall back to, is moved to the binary log's position (per
     * domain, the further of the two).
     */
    @Override
    public void adoptBinlogPosition(StorageNode node, InstanceAccount account) {
        SqlClient client = client(node, account);
        GtidPosition furthest = GtidPosition.furthest(List.of(
                new GtidPosition(client.value("SELECT @@GLOBAL.gtid_slave_pos;")),
                new GtidPosition(client.value("SELECT @@GLOBAL.gtid_binlog_pos;"))));
        client.execute("SET GLOBAL gtid_slave_pos = " + SqlText.mysqlString(furthest.text()) + ";");
    }

    /**
     * RESET MASTER empties the binary log, which is what lets gtid_binlog_state be set; the new
     * state, one transaction beyond the furthest of the replaced history's end and the
     * instance's own positions, is its replica position too, so that replicas seeded from it
     * start there.
     */
    @Override
    public void startHistoryAfter(StorageNode node, InstanceAccount account, GtidPosition replaced) {
        SqlClient client = client(node, account);
        GtidPosition start = GtidPosition.furthest(List.of(replaced,
                new GtidPosition(client.value("SELECT @@GLOBAL.gtid_slave_pos;")),
                new GtidPosition(client.value("SELECT @@GLOBAL.gtid_binlog_pos;")))).beyond();
        if (start.text().isEmpty()) {
            return;
        }
        client.execute("RESET MASTER;\n"
                + "SET GLOBAL gtid_binlog_state = " + SqlText.mysqlString(start.text()) + ";\n"
                + "SET GLOBAL gtid_slave_pos = " + SqlText.mysqlString(start.text()) + ";\n");
    }

    @Override
    public GtidPosition appliedPosition(StorageNode replica, InstanceAccount account) {
        return new GtidPosition(client(replica, account).value("SELECT @@GLOBAL.gtid_slave_pos;"));
    }

    @Override
    public boolean awaitApplied(StorageNode replica, InstanceAccount account, GtidPosition position, Duration timeout) {
        return "0".equals(client(replica, account).value("SELECT MASTER_GTID_WAIT("
                + SqlText.mysqlString(position.text()) + ", " + timeout.toSeconds() + ");"));
    }

    @Override
    public void setReadOnly(StorageNode node, InstanceAccount account, boolean readOnly) {
        client(node, account).execute("SET GLOBAL read_only = " + (readOnly ? "ON" : "OFF") + ";\n");
    }

    /**
     * The configuration file changes first, so a restart keeps the role (but for {@code read_only},
     * which stays ON there: see {@link #rbrSettings}); accepting writes comes last, so a failure
     * on the way leaves the replica read-only.
     */
    @Override
    public void promote(StorageNode replica, InstanceAccount account) {
        Map<String, String> kept = new LinkedHashMap<>(PRIMARY_SETTINGS);
        kept.remove("read_only");
        keepSettings(replica, account, kept);
        client(replica, account).execute("STOP SLAVE;\n" + "RESET SLAVE ALL;\n" + setGlobal(PRIMARY_SETTINGS));
    }

    /** Refusing writes comes first, then the configuration file, so a restart keeps the role. */
    @Override
    public void demote(StorageNode primary, InstanceAccount account) {
        client(primary, account).execute(setGlobal(REPLICA_SETTINGS));
        keepReplicaSettings(primary, account);
    }

    @Override
    public void keepReplicaSettings(StorageNode node, InstanceAccount account) {
        keepSettings(node, account, REPLICA_SETTINGS);
    }

    private static Map<String, String> orderedSettings(String... namesAndValues) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            settings.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(settings);
    }

    /** The statements that give the running server the settings, in their order. */
    private static String setGlobal(Map<String, String> settings) {
        StringBuilder sql = new StringBuilder();
        settings.forEach((name, value) -> sql.append("SET GLOBAL ").append(name).append(" = ").append(value)
                .append(";\n"));
        return sql.toString();
    }

    /** Writes settings into the [mysqld] section of the instance's my.cnf, for its next start. */
    private static void keepSettings(StorageNode node, InstanceAccount account, Map<String, String> settings) {
        account.editFile(node.host(), node.layout().configFile(), configuration -> {
            String edited = configuration;
            for (Map.Entry<String, String> setting : settings.entrySet()) {
                edited = OptionFile.withSetting(edited, "mysqld", setting.getKey(), setting.getValue());
            }
            return edited;
        });
    }

    /**
     * mariadb-backup on the source's machine, as its instance account over its socket, streams
     * xbstream through socat to a socat listening on the target's machine (see
     * {@link #receiveBackup}). Both ends run at once; the listener gives up when no stream arrives
     * in time, so a source that fails at once does not leave it waiting.
     */
    @Override
    public GtidPosition restoreBackup(StorageNode source, InstanceAccount sourceAccount, StorageNode target,
                                      InstanceAccount targetAccount) {
        String sender = "set -o pipefail; " + STREAM_BACKUP
                + " | socat -u STDIN TCP:\"$5\":\"$6\",retry=\"$7\",interval=0.2";
        Command send = sourceAccount.command(script(sender, streamBackupArguments(source, sourceAccount),
                        List.of(target.host().address(), String.valueOf(target.ports().stateTransfer()),
                                String.valueOf(STREAM_ACCEPT_TIMEOUT.toSeconds() * 5))))
                .withTimeout(config.stateTransferTimeout());
        return receiveBackup("the backup of " + source.label(), source.host(), send, "cat", target, targetAccount);
    }

    /**
     * The stored file is sent from the store's machine, as the account the manager reaches it as
     * (the file is that account's alone), by socat to the target's listener; zstd decompresses it
     * in the target's pipe, so neither machine holds a second copy.
     */
    @Override
    public GtidPosition restoreStoredBackup(HostAccess store, String file, String compression, StorageNode target,
                                            InstanceAccount targetAccount) {
        Command send = Command.of("socat", "-u", "OPEN:" + socatPath(file) + ",rdonly",
                        "TCP:" + target.host().address() + ":" + target.ports().stateTransfer() + ",retry="
                                + STREAM_ACCEPT_TIMEOUT.toSeconds() * 5 + ",interval=0.2")
                .withTimeout(config.stateTransferTimeout());
        String decompressor = switch (compression) {
            case "zstd" -> "zstd -dc";
            case "none" -> "cat";
            default -> throw ManagerException.refused(target.label() + ": the stored backup " + store.address() + ":"
                    + file + " has compression " + compression + ", which is neither zstd nor none");
        };
        return receiveBackup("the stored backup " + store.address() + ":" + file, store, send, decompressor, target,
                targetAccount);
    }

    /** A path as a socat address takes it: no character socat reads as an address separator. */
    private static String socatPath(String file) {
        if (!file.matches("/[A-Za-z0-9_./+@-]+")) {
            throw ManagerException.refused("cannot stream " + file + ": a stored backup's path must be absolute and"
                    + " of letters, digits and _./+@-");
        }
        return file;
    }

    /**
     * Runs {@code send} on {@code sender} while a socat listening on the target's state transfer
     * port feeds what arrives through {@code decompressor} into mbstream, which extracts it into a
     * staging directory of the target. The backup is prepared there, then moved into the places
     * the target's configuration names (data directory, redo log directory), owned by the
     * target's account. Answers the GTID position the backup holds.
     */
    private GtidPosition receiveBackup(String what, HostAccess sender, Command send, String decompressor,
                                       StorageNode target, InstanceAccount targetAccount) {
        String backup = config.storageBackup();
        String extractor = backup.substring(0, backup.lastIndexOf('/') + 1) + "mbstream";
        String staging = target.layout().stagingDir();
        HostAccess targetHost = target.host();
        targetHost.check(targetAccount.command(List.of("mkdir", "--", staging)));
        String listener = "set -o pipefail; socat -u TCP-LISTEN:\"$1\",bind=\"$2\",reuseaddr,accept-timeout=\"$3\" STDOUT"
                + " | " + decompressor + " | \"$4\" -x -C \"$5\"";
        Command receive = targetAccount.command(List.of("bash", "-c", listener, "bash",
                        String.valueOf(target.ports().stateTransfer()), targetHost.address(),
                        String.valueOf(STREAM_ACCEPT_TIMEOUT.toSeconds()), extractor, staging))
                .withTimeout(config.stateTransferTimeout());
        CompletableFuture<CommandResult> received = transfers.start(target.label(), () -> targetHost.run(receive));
        CommandResult sent = runBeside(sender, send, received);
        CommandResult receiving = received.join();
        if (!sent.succeeded()) {
            throw seedFailure(target, "sending " + what + " failed", sent);
        }
        if (!receiving.succeeded()) {
            throw seedFailure(target, "receiving " + what + " failed", receiving);
        }
        CommandResult prepared = targetHost.run(targetAccount.command(List.of(backup, "--prepare",
                "--use-memory=256M", "--target-dir=" + staging)).withTimeout(config.stateTransferTimeout()));
        if (!prepared.succeeded()) {
            throw seedFailure(target, "preparing " + what + " failed", prepared);
        }
        GtidPosition position = backupPosition(targetHost, targetAccount, staging);
        CommandResult moved = targetHost.run(targetAccount.command(List.of(backup,
                "--defaults-file=" + target.layout().configFile(), "--move-back", "--target-dir=" + staging))
                .withTimeout(config.stateTransferTimeout()));
        if (!moved.succeeded()) {
            throw seedFailure(target, "moving " + what + " into place failed", moved);
        }
        targetHost.check(targetAccount.command(List.of("rm", "-rf", "--", staging)));
        return position;
    }

    /**
     * mariadb-backup on the source's machine, as its instance account over its socket, streams
     * xbstream (through zstd when both machines have it) into a socat listening on the source's
     * state transfer port; the destination's machine connects to it and writes what arrives into
     * the file, hashing it on the way. Nothing is written on the source's machine. The binlog
     * coordinates are the ones mariadb-backup logs when it writes its binlog information file
     * into the stream: the same values, read without extracting the stream. The sending end
     * carries the marker ({@link MarkedProcesses}), for a rollback to stop it once the manager
     * that waited for it is gone.
     */
    @Override
    public StreamedBackup streamBackup(StorageNode source, InstanceAccount sourceAccount, HostAccess destination,
                                       String fileStem, String marker) {
        String compression = hasZstd(source.host()) && hasZstd(destination) ? "zstd" : "none";
        String file = fileStem + (compression.equals("zstd") ? ".xbstream.zst" : ".xbstream");
        // zstd at level 1: the copy runs at the compressor's pace, and level 1 keeps up with a disk
        // while still shrinking what compresses; what does not compress passes nearly as fast as cat.
        String sender = "set -o pipefail; " + STREAM_BACKUP + " | $5 | socat -u STDIN"
                + " TCP-LISTEN:\"$6\",bind=\"$7\",reuseaddr,accept-timeout=\"$8\"";
        List<String> arguments = new ArrayList<>(streamBackupArguments(source, sourceAccount));
        arguments.addAll(List.of(compression.equals("zstd") ? "zstd -q -1" : "cat",
                String.valueOf(source.ports().stateTransfer()), source.host().address(),
                String.valueOf(STREAM_ACCEPT_TIMEOUT.toSeconds())));
        Command send = sourceAccount.command(MarkedProcesses.script(marker, sender, arguments))
                .withTimeout(config.stateTransferTimeout());
        String receiver = Sha256Shell.FUNCTION + "set -o pipefail; umask 077;"
                + " socat -u TCP:\"$1\":\"$2\",retry=\"$3\",interval=0.2 STDOUT | tee -- \"$4\" | sha256";
        Command receive = Command.of("bash", "-c", receiver, "bash", source.host().address(),
                        String.valueOf(source.ports().stateTransfer()),
                        String.valueOf(STREAM_ACCEPT_TIMEOUT.toSeconds() * 5), file)
                .withTimeout(config.stateTransferTimeout());
        CompletableFuture<CommandResult> received = transfers.start(source.label(), () -> destination.run(receive));
        CommandResult sent = runBeside(source.host(), send, received);
        CommandResult receiving = received.join();
        if (!sent.succeeded()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, source.label() + ": mariadb-backup exited "
                    + sent.exitCode() + ": " + ServerProgram.failureSummary(sent.stderr() + "\n" + sent.stdout()));
        }
        if (!receiving.succeeded()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, source.label() + ": receiving its backup"
                    + " into " + destination.address() + ":" + file + " failed (exit " + receiving.exitCode() + "): "
                    + ServerProgram.failureSummary(receiving.stderr() + "\n" + receiving.stdout()));
        }
        String sha256 = receiving.stdout().strip().split("\\s+")[0];
        long bytes = Long.parseLong(destination.check(Command.of("stat", "-c", "%s", "--", file)).stdout().strip());
        return new StreamedBackup(file, bytes, sha256, compression, loggedCoordinates(source, sent.stderr()));
    }

    /** The coordinates mariadb-backup logs as {@code MySQL binlog position: filename '…', position '…'[, GTID of the last change '…']}. */
    private static BinlogCoordinates loggedCoordinates(StorageNode source, String log) {
        Matcher logged = LOGGED_BINLOG_POSITION.matcher(log);
        if (!logged.find()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, source.label()
                    + ": mariadb-backup did not log the binlog position of its backup (is log_bin on?)");
        }
        return new BinlogCoordinates(logged.group(1), Long.parseLong(logged.group(2)),
                new GtidPosition(logged.group(3)));
    }

    private static boolean hasZstd(HostAccess host) {
        return host.run(Command.of("sh", "-c", "command -v zstd")).succeeded();
    }

    /** The values of {@link #STREAM_BACKUP}'s $1 to $4 for a backup of the source as its instance account. */
    private List<String> streamBackupArguments(StorageNode source, InstanceAccount sourceAccount) {
        return List.of(config.storageBackup(), source.layout().configFile(), sourceAccount.name(),
                source.layout().socket());
    }

    /** Runs the sending end of a stream while its receiving end runs, and waits for both before answering. */
    private static CommandResult runBeside(HostAccess host, Command send, CompletableFuture<CommandResult> received) {
        try {
            return host.run(send);
        } finally {
            received.join();
        }
    }

    /** {@code bash -c script} with the script's positional arguments: the stream's, then the rest. */
    private static List<String> script(String script, List<String> streamArguments, List<String> rest) {
        List<String> argv = new ArrayList<>(List.of("bash", "-c", script, "bash"));
        argv.addAll(streamArguments);
        argv.addAll(rest);
        return argv;
    }

    /**
     * The third column of the binlog information file: the GTID position the backup holds
     * (absent when the source had written no transaction yet). MariaDB 10.8 renamed the file.
     */
    private static GtidPosition backupPosition(HostAccess host, InstanceAccount account, String staging) {
        for (String name : List.of("mariadb_backup_binlog_info", "xtrabackup_binlog_info")) {
            CommandResult info = host.run(account.command(List.of("cat", "--", staging + "/" + name)));
            if (info.succeeded()) {
                String[] columns = info.stdout().strip().split("\t");
                return new GtidPosition(columns.length > 2 ? columns[2] : "");
            }
        }
        throw new ManagerException(ManagerException.Code.COMMAND_FAILED, host.address() + ": the backup in "
                + staging + " has no binlog information file");
    }

    private static ManagerException seedFailure(StorageNode target, String what, CommandResult result) {
        return new ManagerException(ManagerException.Code.COMMAND_FAILED, target.label() + ": " + what
                + " (exit " + result.exitCode() + "): " + ServerProgram.failureSummary(result.stderr() + "\n"
                + result.stdout()));
    }

    @Override
    public ReplicaStatus replicaStatus(StorageNode replica, InstanceAccount account) {
        List<Map<String, String>> records = client(replica, account).records("SHOW SLAVE STATUS;");
        if (records.isEmpty()) {
            return new ReplicaStatus("", 0, false, false, false, "not a replica", new GtidPosition(""));
        }
        Map<String, String> status = records.get(0);
        String ioError = status.getOrDefault("Last_IO_Error", "");
        String sqlError = status.getOrDefault("Last_SQL_Error", "");
        return new ReplicaStatus(status.get("Master_Host"), Integer.parseInt(status.get("Master_Port")),
                "Yes".equals(status.get("Slave_IO_Running")), "Connecting".equals(status.get("Slave_IO_Running")),
                "Yes".equals(status.get("Slave_SQL_Running")),
                ioError == null || ioError.isEmpty() ? (sqlError == null ? "" : sqlError) : ioError,
                new GtidPosition(status.getOrDefault("Gtid_IO_Pos", "")));
    }

    @Override
    public Optional<ReplicationState> replicationState(StorageNode node, InstanceAccount account) {
        return client(node, account).probeValueThenRecords("SELECT @@GLOBAL.read_only", "SHOW SLAVE STATUS")
                .map(state -> {
                    String source = state.records().isEmpty() ? null : state.records().get(0).get("Master_Host");
                    // SELECT shows a boolean variable as 1 or 0
                    return new ReplicationState(source == null ? "" : source, "1".equals(state.value()));
                });
    }

    @Override
    public GroupStatus groupStatus(StorageNode member, InstanceAccount account) {
        Map<String, String> status = globalStatus(member, account,
                "wsrep_cluster_size", "wsrep_local_state_comment", "wsrep_cluster_status");
        return new GroupStatus(Integer.parseInt(status.getOrDefault("wsrep_cluster_size", "0")),
                status.getOrDefault("wsrep_local_state_comment", ""),
                "Primary".equals(status.get("wsrep_cluster_status")));
    }

    @Override
    public GroupPosition runningPosition(StorageNode member, InstanceAccount account) {
        Map<String, String> status = globalStatus(member, account, "wsrep_local_state_uuid", "wsrep_last_committed");
        return new GroupPosition(status.getOrDefault("wsrep_local_state_uuid", ""),
                Long.parseLong(status.getOrDefault("wsrep_last_committed", "-1")));
    }

    /** The global status variables named, by name; a name the server does not know is left out. */
    private Map<String, String> globalStatus(StorageNode member, InstanceAccount account, String... names) {
        Map<String, String> status = new HashMap<>();
        for (List<String> row : client(member, account).rows("SHOW GLOBAL STATUS WHERE Variable_name IN ("
                + Arrays.stream(names).map(SqlText::mysqlString).collect(Collectors.joining(", ")) + ");")) {
            status.put(row.get(0), row.get(1));
        }
        return status;
    }

    @Override
    public void bootstrapRunningMember(StorageNode member, InstanceAccount account) {
        client(member, account).execute("SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES';");
    }

    /**
     * SHOW GLOBAL VARIABLES gives the value as the configuration spells it (ON rather than 1); a
     * name it does not list is asked for directly, so that the server says why it has no such
     * global variable.
     */
    @Override
    public String variable(StorageNode node, InstanceAccount account, String name) {
        String variable = SqlText.mysqlVariable(name);
        MariaDbClient client = client(node, account);
        List<List<String>> rows = client.rows("SHOW GLOBAL VARIABLES WHERE Variable_name = "
                + SqlText.mysqlString(variable) + ";");
        if (rows.isEmpty()) {
            return client.value("SELECT @@GLOBAL." + variable + ";");
        }
        return rows.get(0).get(1);
    }

    /**
     * SET GLOBAL, then the value the server shows is written to the [mysqld] section of the
     * instance's my.cnf (MariaDB has no SET PERSIST). Refused before anything changes: a
     * forbidden variable ({@link ForbiddenSettings#MARIADB}), a value my.cnf could not hold
     * unquoted, and a variable the server has no startup option for (gtid_slave_pos, time_zone):
     * written to my.cnf, it would stop the next start. Names are kept in lower case, as the
     * server's options are spelt.
     */
    @Override
    public void setVariable(StorageNode node, InstanceAccount account, String name, String value, boolean integer) {
        String variable = SqlText.mysqlVariable(name).toLowerCase(Locale.ROOT);
        ForbiddenSettings.MARIADB.requireAllowed(node.label(), variable);
        if (!OPTION_VALUE.matcher(value).matches()) {
            throw ManagerException.refused(node.label() + ": " + variable + " cannot be kept in my.cnf as \"" + value
                    + "\": values are 1 to 255 letters, digits or _.,:/@+=-");
        }
        // Asked first so that a name the server does not know is refused with the server's own reason.
        variable(node, account, variable);
        requireStartupOption(node, account, variable);
        client(node, account).execute("SET GLOBAL " + variable + " = "
                + (integer ? SqlText.integer(value) : SqlText.mysqlString(value)) + ";");
        String shown = variable(node, account, variable);
        if (!shows(shown, value)) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, node.label() + ": " + variable
                    + " is " + shown + " after setting it to " + value);
        }
        keepSettings(node, account, Map.of(variable, shown));
    }

    /**
     * Refuses a variable that is no startup option of the server program: the options its
     * {@code --verbose --help} lists (without the instance's configuration, so an option a
     * plugin adds counts only when the plugin is built in).
     */
    private void requireStartupOption(StorageNode node, InstanceAccount account, String variable) {
        String help = node.host().check(account.command(List.of(config.storageServer(), "--no-defaults", "--verbose",
                "--help"))).stdout();
        Matcher option = STARTUP_OPTION.matcher(help);
        while (option.find()) {
            if (option.group(1).replace('-', '_').equals(variable)) {
                return;
            }
        }
        throw ManagerException.refused(node.label() + ": " + variable + " cannot be kept across restarts: "
                + ServerProgram.fileName(config.storageServer()) + " has no startup option --"
                + variable.replace('_', '-') + "; nothing was changed");
    }

    /** Whether the server shows the value it was given: the same text, or ON/OFF for a boolean set as 1/0. */
    private static boolean shows(String shown, String value) {
        return value.equalsIgnoreCase(shown) || (shown.equals("ON") && value.equals("1"))
                || (shown.equals("OFF") && value.equals("0"));
    }

    private static String account(String user, String host) {
        return SqlText.mysqlString(user) + "@" + SqlText.mysqlString(host);
    }

    private static void line(StringBuilder cnf, String name, Object value) {
        cnf.append(name).append(" = ").append(value).append('\n');
    }
}
