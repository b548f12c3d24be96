package io.kunlun.testkit.mariadb;

import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.TempDirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A MariaDB server for tests, started on a loopback address and a free port, with everything it
 * writes (data, config, socket, pid and log files) in its own temporary directory. When the test
 * JVM runs as root the server runs as the unprivileged account {@value #RUN_AS}, which owns that
 * directory. {@link #close()} kills it and removes the directory.
 *
 * <p>Three shapes: a standalone server with binary logging (which can be a replication primary),
 * a GTID replica of another server, and a Galera node (the first bootstraps a new cluster, the
 * others join it by rsync state transfer). The first server of a data set gets a database and a
 * user granted from {@code '127.%'}; replicas and Galera nodes receive both from it.
 *
 * <pre>{@code
 * try (MariaDbTestServer server = MariaDbTestServer.start("127.0.0.40")) {
 *     MetadataConfig config = new MetadataConfig(server.jdbcUrl(), server.user(), server.password());
 * }
 * }</pre>
 */
public final class MariaDbTestServer implements AutoCloseable {
    /** The account servers run as when the tests run as root (./run-tests creates it). */
    public static final String RUN_AS = "kunlun";
    /** The database the first server of a data set creates, and its user. */
    public static final String DATABASE = "kunlun_meta";
    public static final String USER = "kunlun_meta";
    /**
     * What the user may do beyond its database: read the replication state, as the manager does
     * to answer get_meta_mode and get_meta (SHOW SLAVE STATUS, SHOW SLAVE HOSTS).
     */
    public static final String USER_GLOBAL_PRIVILEGES = "REPLICA MONITOR, REPLICATION MASTER ADMIN";

    private static final String MARIADBD = "/usr/sbin/mariadbd";
    private static final String INSTALL_DB = "/usr/bin/mariadb-install-db";
    private static final String GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so";
    private static final String ADMIN = "kunlun_admin";
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,63}");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration REPLICATION_TIMEOUT = Duration.ofSeconds(30);

    /** The accounts of one data set: the same on a primary and its replicas, on every Galera node. */
    record Accounts(String adminPassword, String userPassword) {
        static Accounts generate() {
            return new Accounts(secret(), secret());
        }

        private static String secret() {
            byte[] bytes = new byte[16];
            new SecureRandom().nextBytes(bytes);
            return HexFormat.of().formatHex(bytes);
        }
    }

    /** How the server takes part in replication. */
    private sealed interface Role {
    }

    private record Standalone() implements Role {
    }

    private record ReplicaOf(MariaDbTestServer primary) implements Role {
    }

    /** A Galera node; with no members it bootstraps a new cluster. */
    private record GaleraNode(List<MariaDbTestServer> members, String clusterName) implements Role {
        boolean bootstraps() {
            return members.isEmpty();
        }
    }

    /** The ports a Galera node listens on besides its SQL port. */
    private record GaleraPorts(int group, int incrementalTransfer, int snapshotTransfer) {
    }

    private final String address;
    private final int port;
    private final Path dir;
    private final Accounts accounts;
    private final Role role;
    private final GaleraPorts galeraPorts;
    private final ManagedProcesses processes = ManagedProcesses.create();
    private Process mariadbd;
    private boolean closed;

    private MariaDbTestServer(String address, int port, Path dir, Accounts accounts, Role role,
                              GaleraPorts galeraPorts) {
        this.address = address;
        this.port = port;
        this.dir = dir;
        this.accounts = accounts;
        this.role = role;
        this.galeraPorts = galeraPorts;
    }

    /** A standalone server with binary logging on, with {@link #DATABASE} and {@link #USER}. */
    public static MariaDbTestServer start(String address) {
        return launch(address, Accounts.generate(), new Standalone());
    }

    /** A GTID replica of {@code primary}, started and caught up with it. */
    public static MariaDbTestServer startReplica(String address, MariaDbTestServer primary) {
        return launch(address, primary.accounts, new ReplicaOf(primary));
    }

    /**
     * A Galera node: the first node of a new cluster when {@code members} is empty, else a node
     * joining the cluster those members form. Answers once the node is synced.
     */
    public static MariaDbTestServer startGaleraNode(String address, List<MariaDbTestServer> members) {
        if (members.isEmpty()) {
            return launch(address, Accounts.generate(),
                    new GaleraNode(List.of(), "kunlun_test_" + HexFormat.of().toHexDigits(new SecureRandom().nextInt())));
        }
        if (!(members.get(0).role instanceof GaleraNode first)) {
            throw new IllegalArgumentException(members.get(0) + " is not a Galera node");
        }
        return launch(address, members.get(0).accounts, new GaleraNode(List.copyOf(members), first.clusterName()));
    }

    /** A Galera cluster with one node per address, started one after the other. */
    public static GaleraTestCluster startGaleraCluster(List<String> addresses) {
        List<MariaDbTestServer> nodes = new ArrayList<>();
        try {
            for (String nodeAddress : addresses) {
                nodes.add(startGaleraNode(nodeAddress, nodes));
            }
            return new GaleraTestCluster(nodes);
        } catch (RuntimeException e) {
            nodes.forEach(MariaDbTestServer::close);
            throw e;
        }
    }

    private static MariaDbTestServer launch(String address, Accounts accounts, Role role) {
        Path dir = TempDirs.create("kunlun-mariadb-" + address + "-");
        MariaDbTestServer server = null;
        try {
            GaleraPorts galeraPorts = null;
            int port;
            if (role instanceof GaleraNode) {
                int[] ports = freePorts(address, 4);
                port = ports[0];
                galeraPorts = new GaleraPorts(ports[1], ports[2], ports[3]);
            } else {
                port = freePorts(address, 1)[0];
            }
            server = new MariaDbTestServer(address, port, dir, accounts, role, galeraPorts);
            server.prepare();
            server.run();
            server.awaitReady();
            server.join();
            return server;
        } catch (RuntimeException | IOException | SQLException e) {
            String where = "mariadbd on " + address + (server == null ? "" : ":" + server.port);
            String logs = server == null || server.mariadbd == null ? "" : ": " + server.logTail();
            if (server != null) {
                server.close();
            } else {
                deleteQuietly(dir);
            }
            throw new IllegalStateException(where + ": " + e.getMessage() + logs, e);
        }
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    /** The JDBC URL of {@link #DATABASE}. */
    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    public String jdbcUrl(String database) {
        return "jdbc:mariadb://" + address + ":" + port + "/" + database;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return accounts.userPassword();
    }

    /** Galera's group communication address, {@code host:port}. */
    String groupAddress() {
        return address + ":" + galeraPorts.group();
    }

    /**
     * Creates another database that {@link #USER} owns, e.g. one per test, and answers its JDBC
     * URL. Create it on a primary or on any Galera node: the other servers get it by replication.
     */
    public String createDatabase(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name " + name + " must match " + DATABASE_NAME);
        }
        try (Connection admin = connectAsAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE `" + name + "`");
            statement.execute("GRANT ALL PRIVILEGES ON `" + name + "`.* TO '" + USER + "'@'127.%'");
            return jdbcUrl(name);
        } catch (SQLException e) {
            throw new IllegalStateException(this + ": cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    /** A connection as the administrator, who may do anything, from 127.0.0.1. */
    public Connection connectAsAdmin() throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + address + ":" + port + "/?connectTimeout=2000",
                ADMIN, accounts.adminPassword());
    }

    /** Waits until this replica has applied everything {@code primary} had written when called. */
    public void awaitReplicationOf(MariaDbTestServer primary) {
        try (Connection source = primary.connectAsAdmin(); Connection replica = connectAsAdmin()) {
            String position = queryString(source, "SELECT @@gtid_binlog_pos");
            try (PreparedStatement wait = replica.prepareStatement("SELECT MASTER_GTID_WAIT(?, ?)")) {
                wait.setString(1, position);
                wait.setLong(2, REPLICATION_TIMEOUT.toSeconds());
                try (ResultSet rs = wait.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) != 0) {
                        throw new IllegalStateException(this + " did not reach " + primary + "'s position "
                                + position + " in " + REPLICATION_TIMEOUT.toSeconds() + " s: "
                                + replicationErrors(replica));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(this + ": cannot wait for replication: " + e.getMessage(), e);
        }
    }

    private void prepare() throws IOException {
        UserPrincipal owner = runAs();
        if (owner != null) {
            Files.setOwner(dir, owner);
        }
        Files.writeString(dir.resolve("my.cnf"), config(), StandardCharsets.UTF_8);
        if (role instanceof GaleraNode node && !node.bootstraps()) {
            // A joining node receives its whole data directory from a donor by state transfer.
            Path data = Files.createDirectory(dir.resolve("data"));
            if (owner != null) {
                Files.setOwner(data, owner);
            }
            return;
        }
        installSystemTables(owner);
    }

    /** mariadb-install-db, plus the administrator of the data set (who reaches the server over TCP). */
    private void installSystemTables(UserPrincipal owner) throws IOException {
        Path adminSql = dir.resolve("admin.sql");
        // The bootstrap runs without the grant tables loaded; CREATE USER needs them.
        Files.writeString(adminSql, String.join("\n",
                "FLUSH PRIVILEGES;",
                "CREATE USER '" + ADMIN + "'@'127.%' IDENTIFIED BY '" + accounts.adminPassword() + "';",
                "GRANT ALL PRIVILEGES ON *.* TO '" + ADMIN + "'@'127.%' WITH GRANT OPTION;",
                ""), StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(INSTALL_DB, "--no-defaults",
                "--datadir=" + dir.resolve("data"), "--skip-test-db", "--skip-name-resolve",
                "--extra-file=" + adminSql, "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M"));
        if (owner != null) {
            command.add("--user=" + RUN_AS);
        }
        Path log = dir.resolve("install.log");
        Process install = processes.start(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()));
        try {
            int exit = install.waitFor();
            if (exit != 0) {
                throw new IllegalStateException("mariadb-install-db exited with " + exit + ": " + tail(log, 15));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while mariadb-install-db ran", e);
        } finally {
            processes.kill(install.toHandle());
        }
    }

    private String config() {
        List<String> lines = new ArrayList<>(List.of(
                "[mysqld]",
                "datadir=" + dir.resolve("data"),
                "bind-address=" + address,
                "port=" + port,
                "socket=" + dir.resolve("mariadbd.sock"),
                "pid-file=" + dir.resolve("mariadbd.pid"),
                "log-error=" + dir.resolve("error.log"),
                "skip-name-resolve",
                "server_id=" + serverId(),
                "report_host=" + address,
                "report_port=" + port,
                "character_set_server=utf8mb4",
                "performance_schema=OFF",
                "innodb_buffer_pool_size=32M",
                "innodb_log_file_size=16M",
                "innodb_flush_log_at_trx_commit=2",
                "binlog_format=ROW"));
        if (role instanceof GaleraNode node) {
            lines.addAll(List.of(
                    "innodb_autoinc_lock_mode=2",
                    "wsrep_on=ON",
                    "wsrep_provider=" + GALERA_PROVIDER,
                    "wsrep_cluster_name=" + node.clusterName(),
                    "wsrep_cluster_address=gcomm://" + node.members().stream()
                            .map(MariaDbTestServer::groupAddress).collect(Collectors.joining(",")),
                    "wsrep_node_name=" + address + "_" + port,
                    "wsrep_node_address=" + groupAddress(),
                    "wsrep_node_incoming_address=" + address + ":" + port,
                    "wsrep_sst_method=rsync",
                    "wsrep_sst_receive_address=" + address + ":" + galeraPorts.snapshotTransfer(),
                    "wsrep_provider_options=\"gmcast.listen_addr=tcp://" + groupAddress()
                            + ";ist.recv_addr=" + address + ":" + galeraPorts.incrementalTransfer()
                            + ";gcache.size=16M\""));
        } else {
            lines.addAll(List.of("log_bin=mariadb-bin", "log_slave_updates=ON"));
        }
        return String.join("\n", lines) + "\n";
    }

    /** Unique among the servers of one test run: address and port tell them apart. */
    private long serverId() {
        long lastOctet = Long.parseLong(address.substring(address.lastIndexOf('.') + 1));
        return (lastOctet << 16) | port;
    }

    private void run() throws IOException {
        List<String> command = new ArrayList<>(List.of(MARIADBD, "--defaults-file=" + dir.resolve("my.cnf")));
        if (runAs() != null) {
            command.add("--user=" + RUN_AS);
        }
        if (role instanceof GaleraNode node && node.bootstraps()) {
            command.add("--wsrep-new-cluster");
        }
        mariadbd = processes.start(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("mariadbd.out").toFile()));
    }

    /** Until the server answers over JDBC (and a Galera node is synced with its cluster). */
    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String lastProblem = "it never answered";
        while (mariadbd.isAlive()) {
            try (Connection admin = connectAsAdmin()) {
                if (!(role instanceof GaleraNode)) {
                    return;
                }
                String state = status(admin, "wsrep_local_state_comment");
                if ("Synced".equals(state)) {
                    return;
                }
                lastProblem = "its Galera state is " + state;
            } catch (SQLException notYet) {
                lastProblem = notYet.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not ready after " + START_TIMEOUT.toSeconds() + " s: " + lastProblem);
            }
            sleep(Duration.ofMillis(100));
        }
        throw new IllegalStateException("mariadbd exited with " + mariadbd.exitValue());
    }

    /** What the server does once it answers: create the data set's database, or replicate it. */
    private void join() throws SQLException {
        if (role instanceof ReplicaOf replicaOf) {
            MariaDbTestServer primary = replicaOf.primary();
            try (Connection admin = connectAsAdmin();
                 PreparedStatement change = admin.prepareStatement("CHANGE MASTER TO MASTER_HOST = ?,"
                         + " MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos,"
                         + " MASTER_CONNECT_RETRY = 1")) {
                change.setString(1, primary.address);
                change.setInt(2, primary.port);
                change.setString(3, ADMIN);
                change.setString(4, accounts.adminPassword());
                change.execute();
                try (Statement statement = admin.createStatement()) {
                    statement.execute("START SLAVE");
                }
            }
            awaitReplicationOf(primary);
        } else if (!(role instanceof GaleraNode node) || node.bootstraps()) {
            try (Connection admin = connectAsAdmin(); Statement statement = admin.createStatement()) {
                statement.execute("CREATE DATABASE `" + DATABASE + "`");
                statement.execute("CREATE USER '" + USER + "'@'127.%' IDENTIFIED BY '"
                        + accounts.userPassword() + "'");
                statement.execute("GRANT ALL PRIVILEGES ON `" + DATABASE + "`.* TO '" + USER + "'@'127.%'");
                statement.execute("GRANT " + USER_GLOBAL_PRIVILEGES + " ON *.* TO '" + USER + "'@'127.%'");
            }
        }
    }

    private static String replicationErrors(Connection replica) throws SQLException {
        try (Statement statement = replica.createStatement();
             ResultSet rs = statement.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                return "replication is not configured";
            }
            return "IO " + rs.getString("Slave_IO_Running") + " " + rs.getString("Last_IO_Error")
                    + ", SQL " + rs.getString("Slave_SQL_Running") + " " + rs.getString("Last_SQL_Error");
        }
    }

    private static String status(Connection connection, String variable) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SHOW GLOBAL STATUS LIKE ?")) {
            query.setString(1, variable);
            try (ResultSet rs = query.executeQuery()) {
                return rs.next() ? rs.getString(2) : null;
            }
        }
    }

    private static String queryString(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The last lines of the server's error log, to say why it failed. */
    private String logTail() {
        Path errorLog = dir.resolve("error.log");
        return tail(Files.exists(errorLog) ? errorLog : dir.resolve("mariadbd.out"), 15);
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The account to run as, when we are root; null when we run as ourselves. */
    private static UserPrincipal runAs() throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) {
            return null;
        }
        try {
            return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(RUN_AS);
        } catch (IOException e) {
            throw new IOException("the account " + RUN_AS + " is missing (./run-tests creates it): "
                    + e.getMessage(), e);
        }
    }

    /** Ports free on {@code address} now; held together while picking so that they differ. */
    private static int[] freePorts(String address, int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(address));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for mariadbd", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            TempDirs.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    /**
     * Shuts a standalone server down as a restart does (SIGTERM, then a clean shutdown), keeping
     * its data; {@link #startAgain} brings it back on the same address and port.
     */
    public synchronized void stop() {
        if (!(role instanceof Standalone)) {
            throw new IllegalStateException(this + ": only a standalone server is stopped and started again");
        }
        mariadbd.destroy();
        try {
            if (!mariadbd.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException(this + " did not shut down within " + START_TIMEOUT.toSeconds()
                        + " s: " + logTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + this + " shut down", e);
        } finally {
            processes.kill(mariadbd.toHandle());
        }
    }

    /** Starts a server that {@link #stop} shut down, and waits until it answers. */
    public synchronized void startAgain() {
        if (mariadbd.isAlive()) {
            throw new IllegalStateException(this + " is running");
        }
        try {
            run();
        } catch (IOException e) {
            throw new UncheckedIOException(this + ": cannot start mariadbd again", e);
        }
        awaitReady();
    }

    /** Kills the server (and any state transfer it runs) and removes its directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            processes.close();
        } finally {
            deleteQuietly(dir);
        }
    }

    @Override
    public String toString() {
        return "mariadbd on " + address + ":" + port;
    }
}
