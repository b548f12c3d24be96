package io.kunlun.core.meta;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.model.HaMode;
import io.kunlun.model.MetaNode;
import io.kunlun.model.MetaStoreInfo;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.mariadb.jdbc.MariaDbPoolDataSource;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The metadata store: machines, clusters, instances, jobs. An H2 file under the manager's home by
 * default, or a MySQL/MariaDB database (the metadata cluster) given by a JDBC URL.
 */
public final class MetadataStore implements AutoCloseable {
    private final Jdbi jdbi;
    private final DataSource dataSource;
    private final MetadataConfig config;
    private final MetaNode embeddedNode;
    private final MachineTable machines;
    private final JobTable jobs;
    private final ClusterTable clusters;
    private final ExporterTable exporters;

    private MetadataStore(DataSource dataSource, MetadataConfig config, MetaNode embeddedNode) {
        this.dataSource = dataSource;
        this.config = config;
        this.embeddedNode = embeddedNode;
        this.jdbi = Jdbi.create(dataSource);
        this.machines = new MachineTable(jdbi);
        this.jobs = new JobTable(jdbi);
        this.clusters = new ClusterTable(jdbi);
        this.exporters = new ExporterTable(jdbi);
    }

    /**
     * Opens the store and brings its schema up to date. {@code embeddedNode} is the address that
     * get_meta reports for the embedded store: the manager itself.
     */
    public static MetadataStore open(MetadataConfig config, Path home, MetaNode embeddedNode) {
        DataSource source = config.isEmbedded() ? embedded(home) : external(config);
        MetadataStore store = new MetadataStore(source, config, embeddedNode);
        try {
            Migrations.apply(store.jdbi);
        } catch (RuntimeException e) {
            store.close();
            throw new ManagerException(ManagerException.Code.METADATA,
                    "metadata store " + store.describeLocation() + ": cannot apply schema: " + rootMessage(e), e);
        }
        return store;
    }

    private static DataSource embedded(Path home) {
        Path file = home.toAbsolutePath().resolve("meta").resolve("kunlun");
        // MariaDB mode lets the one schema serve both stores; lower-case names match MariaDB's.
        String url = "jdbc:h2:file:" + file + ";MODE=MariaDB;DATABASE_TO_LOWER=TRUE;DB_CLOSE_ON_EXIT=FALSE";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "kunlun", "");
        pool.setMaxConnections(32);
        try {
            pool.getConnection().close();
        } catch (SQLException e) {
            pool.dispose();
            String reason = e.getMessage().contains("Database may be already in use")
                    ? "it is in use by another manager process" : e.getMessage();
            throw new ManagerException(ManagerException.Code.METADATA,
                    "cannot open the embedded metadata store " + file + ".mv.db: " + reason, e);
        }
        return pool;
    }

    private static DataSource external(MetadataConfig config) {
        try {
            MariaDbPoolDataSource pool = new MariaDbPoolDataSource(config.jdbcUrl());
            if (config.user() != null) {
                pool.setUser(config.user());
            }
            if (config.password() != null) {
                pool.setPassword(config.password());
            }
            pool.getConnection().close();
            return pool;
        } catch (SQLException e) {
            throw new ManagerException(ManagerException.Code.METADATA,
                    "cannot connect to the metadata store " + config.jdbcUrl() + ": " + e.getMessage(), e);
        }
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

    public ExporterTable exporters() {
        return exporters;
    }

    /** Direct access for tables added by later features; one Jdbi for the whole store. */
    public Jdbi jdbi() {
        return jdbi;
    }

    public boolean isEmbedded() {
        return config.isEmbedded();
    }

    /** get_meta_mode and get_meta: how the store replicates and which nodes it has. */
    public MetaStoreInfo describe() {
        if (config.isEmbedded()) {
            return new MetaStoreInfo(HaMode.NO_REP, List.of(embeddedNode));
        }
        return jdbi.withHandle(handle -> {
            Map<String, String> status = new java.util.HashMap<>();
            handle.createQuery("SHOW GLOBAL STATUS WHERE Variable_name IN "
                            + "('wsrep_cluster_size', 'wsrep_incoming_addresses', 'wsrep_ready')")
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
                    .forEach(e -> status.put(e.getKey().toLowerCase(), e.getValue()));
            String selfHost = handle.createQuery("SELECT @@report_host").mapTo(String.class).findOne().orElse(null);
            int selfPort = handle.createQuery("SELECT @@port").mapTo(Integer.class).one();
            MetaNode self = new MetaNode(selfHost != null ? selfHost : jdbcHost(), selfPort);
            if (status.containsKey("wsrep_cluster_size") && !"0".equals(status.get("wsrep_cluster_size"))
                    && !"OFF".equalsIgnoreCase(status.getOrDefault("wsrep_ready", "OFF"))) {
                return new MetaStoreInfo(HaMode.MGR, galeraNodes(status.get("wsrep_incoming_addresses"), self));
            }
            List<MetaNode> groupMembers = groupReplicationMembers(handle);
            if (!groupMembers.isEmpty()) {
                return new MetaStoreInfo(HaMode.MGR, groupMembers);
            }
            List<MetaNode> replicas = handle.createQuery("SHOW SLAVE HOSTS")
                    .map((rs, ctx) -> new MetaNode(rs.getString("Host"), rs.getInt("Port"))).list();
            List<MetaNode> sources = handle.createQuery("SHOW SLAVE STATUS")
                    .map((rs, ctx) -> new MetaNode(rs.getString("Master_Host"), rs.getInt("Master_Port"))).list();
            if (!replicas.isEmpty() || !sources.isEmpty()) {
                List<MetaNode> nodes = new ArrayList<>(sources);
                nodes.add(self);
                nodes.addAll(replicas);
                return new MetaStoreInfo(HaMode.RBR, nodes.stream().distinct().toList());
            }
            return new MetaStoreInfo(HaMode.NO_REP, List.of(self));
        });
    }

    private static List<MetaNode> galeraNodes(String incoming, MetaNode self) {
        List<MetaNode> nodes = new ArrayList<>();
        if (incoming != null) {
            for (String address : incoming.split(",")) {
                int colon = address.lastIndexOf(':');
                if (colon > 0) {
                    nodes.add(new MetaNode(address.substring(0, colon).trim(),
                            Integer.parseInt(address.substring(colon + 1).trim())));
                }
            }
        }
        return nodes.isEmpty() ? List.of(self) : nodes;
    }

    /** MySQL Group Replication members; the table does not exist on MariaDB. */
    private static List<MetaNode> groupReplicationMembers(org.jdbi.v3.core.Handle handle) {
        try {
            return handle.createQuery("SELECT MEMBER_HOST, MEMBER_PORT FROM performance_schema.replication_group_members"
                            + " WHERE MEMBER_STATE = 'ONLINE'")
                    .map((rs, ctx) -> new MetaNode(rs.getString(1), rs.getInt(2))).list();
        } catch (UnableToExecuteStatementException noGroupReplication) {
            return List.of();
        }
    }

    private String jdbcHost() {
        String rest = config.jdbcUrl().replaceFirst("^jdbc:[a-z]+://", "");
        int end = rest.length();
        for (char stop : new char[] {':', '/', ',', '?'}) {
            int at = rest.indexOf(stop);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        return rest.substring(0, end);
    }

    public String describeLocation() {
        return config.isEmbedded() ? "embedded H2" : config.jdbcUrl();
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
        if (dataSource instanceof JdbcConnectionPool pool) {
            pool.dispose();
            // H2 keeps the file open while the database is open; closing it releases the lock.
        } else if (dataSource instanceof MariaDbPoolDataSource pool) {
            pool.close();
        }
    }
}
