package io.kunlun.core.meta;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.model.HaMode;
import io.kunlun.model.MetaNode;
import io.kunlun.model.MetaStoreInfo;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.mariadb.jdbc.MariaDbDataSource;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The metadata store: machines, clusters, instances, jobs. An H2 file under the manager's home by
 * default, or a MySQL/MariaDB database (the metadata cluster) given by a JDBC URL. Its connections
 * come from {@link StoreConnections}: one pool for the manager's own work, one for API requests.
 */
public final class MetadataStore implements AutoCloseable {
    private final Jdbi jdbi;
    private final StoreConnections connections;
    private final MetadataConfig config;
    private final MetaNode embeddedNode;
    private final MachineTable machines;
    private final JobTable jobs;
    private final ClusterTable clusters;
    private final ExporterTable exporters;
    private final OsAccountTable osAccounts;
    private final EventTable events;
    private volatile ManagerLease lease;

    private MetadataStore(StoreConnections connections, MetadataConfig config, MetaNode embeddedNode) {
        this.connections = connections;
        this.config = config;
        this.embeddedNode = embeddedNode;
        this.jdbi = Jdbi.create(connections.dataSource());
        StatementCache.install(jdbi);
        // A stale connection fails at its first statement; a quarter of a request's wait for a
        // connection tells that apart from a wait the pool spent failing to make one.
        new RetryOnTransientFailure(describeLocation(), Duration.ofSeconds(config.managerWaitSeconds()),
                connections::servingRequest, Duration.ofMillis(config.requestWaitMillis() / 4)).install(jdbi);
        // A manager that lost the lease (or cannot tell whether it still holds it) writes nothing
        // and reads nothing: another manager may be running its jobs. Only the lease's own
        // statements, on a Jdbi of their own, go on.
        jdbi.addCustomizer(new StatementCustomizer() {
            @Override
            public void beforeExecution(PreparedStatement statement, StatementContext context) {
                refusal().ifPresent(refusal -> {
                    throw new ManagerException(ManagerException.Code.NOT_LEASE_HOLDER, refusal);
                });
            }
        });
        this.machines = new MachineTable(jdbi);
        this.jobs = new JobTable(jdbi);
        this.clusters = new ClusterTable(jdbi);
        this.exporters = new ExporterTable(jdbi);
        this.osAccounts = new OsAccountTable(jdbi);
        this.events = new EventTable(jdbi);
    }

    /**
     * Opens the store and brings its schema up to date. {@code embeddedNode} is the address that
     * get_meta reports for the embedded store: the manager itself.
     */
    public static MetadataStore open(MetadataConfig config, Path home, MetaNode embeddedNode) {
        StoreConnections connections = config.isEmbedded() ? embedded(config, home) : external(config);
        MetadataStore store = new MetadataStore(connections, config, embeddedNode);
        if (!config.isEmbedded()) {
            store.requireUnicodeDatabase();
        }
        try {
            Migrations.apply(store.jdbi, !config.isEmbedded());
        } catch (RuntimeException e) {
            store.close();
            throw new ManagerException(ManagerException.Code.METADATA,
                    "metadata store " + store.describeLocation() + ": cannot apply schema: " + rootMessage(e), e);
        }
        return store;
    }

    /**
     * The tables take the database's character set: in any other than utf8mb4, non-ASCII paths,
     * names and messages would be stored as '?'. Refused before a table is made in it.
     */
    private void requireUnicodeDatabase() {
        String charset = jdbi.withHandle(handle -> handle.createQuery("SELECT @@character_set_database")
                .mapTo(String.class).one());
        if (!"utf8mb4".equalsIgnoreCase(charset)) {
            close();
            throw new ManagerException(ManagerException.Code.METADATA, "metadata store " + config.jdbcUrl()
                    + ": its database has character set " + charset + "; create it with CHARACTER SET utf8mb4"
                    + " (or ALTER DATABASE ... CHARACTER SET utf8mb4 before the manager's first start)");
        }
    }

    private static StoreConnections embedded(MetadataConfig config, Path home) {
        Path file = home.toAbsolutePath().resolve("meta").resolve("kunlun");
        // MariaDB mode lets the one schema serve both stores; lower-case names match MariaDB's.
        // WRITE_DELAY=0: a commit reaches the file before it returns (H2 otherwise writes up to
        // 500 ms later, and a kill -9 in between loses jobs that were already answered).
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + file + ";MODE=MariaDB;DATABASE_TO_LOWER=TRUE;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0");
        h2.setUser("kunlun");
        h2.setPassword("");
        try {
            return StoreConnections.open(config, h2, "embedded H2");
        } catch (SQLException e) {
            String reason = e.getMessage().contains("Database may be already in use")
                    ? "it is in use by another manager process" : e.getMessage();
            throw new ManagerException(ManagerException.Code.METADATA,
                    "cannot open the embedded metadata store " + file + ".mv.db: " + reason, e);
        }
    }

    private static StoreConnections external(MetadataConfig config) {
        try {
            String url = withSocketTimeout(config.jdbcUrl(), config.socketTimeoutSeconds());
            List<String> members = SequentialMembers.memberUrls(url);
            List<DataSource> sources = new ArrayList<>();
            for (String member : members.isEmpty() ? List.of(url) : members) {
                sources.add(mariadb(config, member));
            }
            DataSource physical = members.isEmpty() ? sources.get(0) : new SequentialMembers(sources, System::nanoTime);
            return StoreConnections.open(config, physical, config.jdbcUrl());
        } catch (SQLException e) {
            throw new ManagerException(ManagerException.Code.METADATA,
                    "cannot connect to the metadata store " + config.jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    private static MariaDbDataSource mariadb(MetadataConfig config, String url) throws SQLException {
        MariaDbDataSource mariadb = new MariaDbDataSource();
        if (config.user() != null) {
            mariadb.setUser(config.user());
        }
        if (config.password() != null) {
            mariadb.setPassword(config.password());
        }
        mariadb.setLoginTimeout(config.connectTimeoutSeconds());
        mariadb.setUrl(url);
        return mariadb;
    }

    /**
     * The URL with the driver's {@code socketTimeout} added, unless it sets one: without it, a
     * statement sent to a member that stopped answering (paused, or cut off without a reset)
     * waits for ever, holding its thread and its pooled connection.
     */
    static String withSocketTimeout(String jdbcUrl, int seconds) {
        if (jdbcUrl.matches("(?i).*[?&]socketTimeout=.*")) {
            return jdbcUrl;
        }
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "socketTimeout=" + seconds * 1000L;
    }

    /**
     * Runs {@code work} as an API request: its connections come from the request pool, which
     * answers "no connection" quickly instead of making the caller wait behind a burst.
     */
    public <T> T servingRequest(Supplier<T> work) {
        return connections.servingRequest(work);
    }

    /**
     * Runs {@code work} on one connection of the store: every read and write of its tables inside
     * it (Jdbi reuses a thread's open handle) shares that connection and its handle, instead of
     * borrowing one from the pool and setting a handle up for each. For short work only (a getter):
     * the connection is held until it returns.
     */
    public <T> T onOneConnection(Supplier<T> work) {
        return jdbi.withHandle(handle -> work.get());
    }

    /**
     * Enters this manager, reachable at {@code address}, on the store's list of managers and has
     * it compete for the lead ({@link ManagerLease}): {@code listener} hears when it becomes
     * leader and when it stops leading. Left on close.
     */
    public void joinManagers(String address, ManagerLease.Listener listener) {
        lease = ManagerLease.join(Jdbi.create(connections.dataSource()), describeLocation(), address,
                Duration.ofSeconds(config.leaseSeconds()), config.isEmbedded(), listener);
    }

    /**
     * Why this manager must not act on its own now: it follows, or it leads but cannot tell
     * whether it still does (after waiting up to the lease's duration for a late renewal). Empty
     * while it leads, before it joined, and on a thread serving an API request (requests are
     * answered by every manager). Every statement of this store's tables is refused with it
     * meanwhile.
     */
    public Optional<String> refusal() {
        ManagerLease held = lease;
        return held == null || connections.isServingRequest() ? Optional.empty() : held.refusalAfterWaiting();
    }

    /** Whether {@code e} is (or was caused by) the refusal of a statement for want of the lead. */
    public static boolean refusedForTheLease(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ManagerException refused && refused.code() == ManagerException.Code.NOT_LEASE_HOLDER) {
                return true;
            }
        }
        return false;
    }

    /** The fencing number of this manager's term while it leads and may act; empty otherwise. */
    public Optional<Long> leading() {
        ManagerLease held = lease;
        return held == null ? Optional.empty() : held.leading();
    }

    /** Every manager on the store (list_managers), the leader first. */
    public List<ManagerLease.Member> managers() {
        return ManagerLease.members(jdbi, config.isEmbedded());
    }

    /** Reachability, outages, pools and the lead, for the manager's metrics. */
    public StoreStatus status() {
        ManagerLease held = lease;
        return new StoreStatus(connections.up(), connections.outages(), connections.pools(),
                held != null && held.leader(), held == null ? 0 : held.renewals());
    }

    public MachineTable machines() {
        return machines;
    }

    public JobTable jobs() {
        return jobs;
    }

    public ClusterTable clusters() {
        return clusters;
    }

    /** What the manager did on its own: see {@link EventTable}. */
    public EventTable events() {
        return events;
    }

    public ExporterTable exporters() {
        return exporters;
    }

    public OsAccountTable osAccounts() {
        return osAccounts;
    }

    /** Direct access for tables added by later features; one Jdbi for the whole store. */
    public Jdbi jdbi() {
        return jdbi;
    }

    public boolean isEmbedded() {
        return config.isEmbedded();
    }

    /**
     * get_meta_mode and get_meta: how the store replicates and which nodes it has. The embedded
     * store is the manager itself; a MySQL/MariaDB store is read as {@link ReplicationTopology} says.
     */
    public MetaStoreInfo describe() {
        if (config.isEmbedded()) {
            return new MetaStoreInfo(HaMode.NO_REP, List.of(embeddedNode));
        }
        try {
            return jdbi.withHandle(handle -> ReplicationTopology.read(handle, jdbcMembers()));
        } catch (JdbiException e) {
            throw new ManagerException(ManagerException.Code.METADATA, "metadata store " + config.jdbcUrl()
                    + ": cannot read how it replicates: " + rootMessage(e), e);
        }
    }

    /** The migrations this store has applied, oldest first, e.g. {@code V1__foundation}. */
    public List<String> appliedMigrations() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT name FROM schema_version ORDER BY version")
                .mapTo(String.class).list());
    }

    /** Every migration this version of the manager applies, oldest first. */
    public static List<String> knownMigrations() {
        return Migrations.ALL;
    }

    /**
     * The hosts the JDBC URL names, in its order:
     * {@code jdbc:mariadb:sequential://host1:3306,host2:3306/db} → host1:3306, host2:3306 (a host
     * without a port has the default 3306).
     */
    private List<MetaNode> jdbcMembers() {
        String url = config.jdbcUrl();
        String rest = url.substring(url.indexOf("://") + 3);
        int end = rest.length();
        for (char stop : new char[] {'/', '?'}) {
            int at = rest.indexOf(stop);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        List<MetaNode> members = new java.util.ArrayList<>();
        for (String host : rest.substring(0, end).split(",")) {
            List<MetaNode> withPort = ReplicationTopology.hostPorts(host);
            members.add(withPort.isEmpty() ? new MetaNode(host.strip(), 3306) : withPort.get(0));
        }
        return members;
    }

    public String describeLocation() {
        return config.isEmbedded() ? "embedded H2" : config.jdbcUrl();
    }

    /**
     * When {@code e} comes from a connection that could not be had in time, why, for the client:
     * "the metadata store is busy: …" or "the metadata store is unreachable: …" (no address).
     */
    public static Optional<String> unavailability(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof StoreUnavailableException unavailable) {
                return Optional.of("the metadata store is " + unavailable.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The innermost cause's message: what the database itself said. */
    public static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return Optional.ofNullable(root.getMessage()).orElse(root.getClass().getSimpleName());
    }

    @Override
    public void close() {
        ManagerLease held = lease;
        if (held != null) {
            held.close();
        }
        // H2 keeps the file open while a connection is; closing the pools releases its lock.
        connections.close();
    }
}
