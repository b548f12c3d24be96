package io.kunlun.core.meta;

import io.kunlun.core.ManagerException;
import io.kunlun.model.Cluster;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Clusters, shards, instances, their credentials, and the ports held on machines. */
public final class ClusterTable {
    private final Jdbi jdbi;

    ClusterTable(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** A generated account of a cluster: admin, repl or monitor. */
    public record Credential(String purpose, String user, String password) {
    }

    /** Records a new cluster and its accounts; refuses a name in use. */
    public void insertCluster(String name, ClusterSpec spec, String jobId, List<Credential> credentials) {
        jdbi.useTransaction(handle -> {
            if (findCluster(handle, name).isPresent()) {
                throw ManagerException.conflict("cluster " + name + " already exists");
            }
            handle.createUpdate("INSERT INTO cluster (name, ha_mode, nodes, max_storage_size_gb, max_connections,"
                            + " cpu_cores, innodb_size_gb, created_at, job_id) VALUES (:name, :mode, :nodes, :storage,"
                            + " :connections, :cpu, :innodb, :now, :job)")
                    .bind("name", name).bind("mode", spec.haMode().wireName()).bind("nodes", spec.nodes())
                    .bind("storage", spec.maxStorageSizeGb()).bind("connections", spec.maxConnections())
                    .bind("cpu", spec.cpuCores()).bind("innodb", spec.innodbSizeGb())
                    .bind("now", System.currentTimeMillis()).bind("job", jobId)
                    .execute();
            for (Credential credential : credentials) {
                handle.execute("INSERT INTO cluster_credential (cluster_name, purpose, user_name, password)"
                        + " VALUES (?, ?, ?, ?)", name, credential.purpose(), credential.user(), credential.password());
            }
        });
    }

    public Optional<Cluster> findCluster(String name) {
        return jdbi.withHandle(handle -> findCluster(handle, name));
    }

    /** Whether a cluster of that name is recorded (without counting its shards and comps as findCluster does). */
    public boolean clusterExists(String name) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM cluster WHERE name = :n")
                .bind("n", name).mapTo(Integer.class).one()) > 0;
    }

    /** The cluster a request names; not found, naming it, when there is none. */
    public Cluster requireCluster(String name) {
        return findCluster(name).orElseThrow(() -> ManagerException.notFound("no cluster named " + name));
    }

    /**
     * Every cluster, oldest first. Its shards and comps are counted in one pass over each table
     * for all clusters: counted per cluster (as {@link #findCluster} does for one), 1 000 clusters
     * of 100 instances took a minute, a scan of the instances per cluster.
     */
    public List<Cluster> listClusters() {
        return jdbi.withHandle(handle -> handle.createQuery(ALL_CLUSTERS_SELECT + " ORDER BY c.created_at, c.name")
                .map((rs, ctx) -> cluster(rs)).list());
    }

    public Map<String, Credential> credentials(String clusterName) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT purpose, user_name, password FROM cluster_credential WHERE cluster_name = :c")
                .bind("c", clusterName)
                .map((rs, ctx) -> new Credential(rs.getString(1), rs.getString(2), rs.getString(3)))
                .list().stream().collect(Collectors.toMap(Credential::purpose, c -> c)));
    }

    public void insertShard(String clusterName, String shardName) {
        jdbi.useHandle(handle -> handle.execute("INSERT INTO shard (cluster_name, name) VALUES (?, ?)",
                clusterName, shardName));
    }

    public List<String> shards(String clusterName) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT name FROM shard WHERE cluster_name = :c")
                .bind("c", clusterName).mapTo(String.class).list()).stream()
                .sorted(ClusterTable::byNumber).toList();
    }

    /** Forgets a shard of a cluster (its instances are forgotten one by one, with their ports). */
    public void deleteShard(String clusterName, String shardName) {
        jdbi.useHandle(handle -> handle.execute("DELETE FROM shard WHERE cluster_name = ? AND name = ?",
                clusterName, shardName));
    }

    public void insertInstance(Instance instance) {
        jdbi.useHandle(handle -> handle.createUpdate("INSERT INTO instance (hostaddr, port, cluster_name, kind,"
                        + " shard_name, comp_name, role, status, sst_port, group_port, data_dir, log_dir, wal_dir,"
                        + " os_account) VALUES (:host, :port, :cluster, :kind, :shard, :comp, :role, :status, :sst,"
                        + " :group, :data, :log, :wal, :account)")
                .bind("host", instance.hostaddr()).bind("port", instance.port())
                .bind("cluster", instance.clusterName()).bind("kind", instance.kind().wireName())
                .bind("shard", instance.shardName().orElse(null)).bind("comp", instance.compName().orElse(null))
                .bind("role", instance.role().map(Role::wireName).orElse(null))
                .bind("status", instance.status().wireName())
                .bind("sst", instance.sstPort()).bind("group", instance.groupPort())
                .bind("data", instance.dataDir()).bind("log", instance.logDir()).bind("wal", instance.walDir())
                .bind("account", instance.osAccount())
                .execute());
    }

    /** Forgets one instance and the ports it held. */
    public void deleteInstance(String hostaddr, int port, Collection<Integer> ports) {
        jdbi.useTransaction(handle -> {
            handle.execute("DELETE FROM instance WHERE hostaddr = ? AND port = ?", hostaddr, port);
            for (int held : ports) {
                handle.execute("DELETE FROM port_allocation WHERE hostaddr = ? AND port = ?", hostaddr, held);
            }
        });
    }

    public void setStatus(String hostaddr, int port, InstanceStatus status) {
        jdbi.useHandle(handle -> handle.execute("UPDATE instance SET status = ? WHERE hostaddr = ? AND port = ?",
                status.wireName(), hostaddr, port));
    }

    /**
     * Sets the status only while it is still {@code expected}, so that an observer never
     * overwrites what a job recorded meanwhile; answers whether it did.
     */
    public boolean replaceStatus(String hostaddr, int port, InstanceStatus expected, InstanceStatus status) {
        return jdbi.withHandle(handle -> handle.execute("UPDATE instance SET status = ? WHERE hostaddr = ? AND port = ?"
                + " AND status = ?", status.wireName(), hostaddr, port, expected.wireName())) > 0;
    }

    public void setRole(String hostaddr, int port, Role role) {
        jdbi.useHandle(handle -> handle.execute("UPDATE instance SET role = ? WHERE hostaddr = ? AND port = ?",
                role.wireName(), hostaddr, port));
    }

    /** A cluster's instances: storage nodes by shard number then primary first, then comps by number. */
    public List<Instance> instances(String clusterName) {
        return jdbi.withHandle(handle -> handle.createQuery(INSTANCES_OF_CLUSTER)
                .bind("c", clusterName).map((rs, ctx) -> instance(rs)).list()).stream()
                .sorted(ClusterTable::inClusterOrder).toList();
    }

    /**
     * Every cluster's instances by cluster name, each cluster's in {@link #instances} order: one
     * query for the whole fleet (a health round), not one per cluster.
     */
    public Map<String, List<Instance>> instancesByCluster() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT * FROM instance")
                        .map((rs, ctx) -> instance(rs)).list()).stream()
                .sorted(ClusterTable::inClusterOrder)
                .collect(Collectors.groupingBy(Instance::clusterName, Collectors.toList()));
    }

    public Optional<Instance> findInstance(String hostaddr, int port) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT * FROM instance WHERE hostaddr = :h AND port = :p")
                .bind("h", hostaddr).bind("p", port).map((rs, ctx) -> instance(rs)).findOne());
    }

    /** How many instances have each status; every status is present, 0 when no instance has it. */
    public Map<InstanceStatus, Integer> countByStatus() {
        Map<InstanceStatus, Integer> counts = new java.util.EnumMap<>(InstanceStatus.class);
        for (InstanceStatus status : InstanceStatus.values()) {
            counts.put(status, 0);
        }
        jdbi.useHandle(handle -> handle.createQuery("SELECT status, COUNT(*) FROM instance GROUP BY status")
                .map((rs, ctx) -> Map.entry(InstanceStatus.fromWire(rs.getString(1)), rs.getInt(2)))
                .forEach(entry -> counts.put(entry.getKey(), entry.getValue())));
        return counts;
    }

    /** Instances on a machine, with the memory their clusters give each storage node. */
    public List<Instance> instancesOn(String hostaddr) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT * FROM instance WHERE hostaddr = :h")
                .bind("h", hostaddr).map((rs, ctx) -> instance(rs)).list());
    }

    /** Memory the storage nodes on a machine are given: their clusters' innodb size each, in MB. */
    public int storageMemoryMbOn(String hostaddr) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COALESCE(SUM(c.innodb_size_gb), 0) * 1024"
                        + " FROM instance i JOIN cluster c ON c.name = i.cluster_name"
                        + " WHERE i.hostaddr = :h AND i.kind = 'storage'")
                .bind("h", hostaddr).mapTo(Integer.class).one());
    }

    /** Removes a cluster and everything recorded under its name, ports included. */
    public void deleteCluster(String name) {
        jdbi.useTransaction(handle -> {
            handle.execute("DELETE FROM instance WHERE cluster_name = ?", name);
            handle.execute("DELETE FROM shard WHERE cluster_name = ?", name);
            handle.execute("DELETE FROM cluster_credential WHERE cluster_name = ?", name);
            handle.execute("DELETE FROM port_allocation WHERE owner = ?", name);
            handle.execute("DELETE FROM cluster WHERE name = ?", name);
        });
    }

    /**
     * Holds ports on a registered machine for an owner (a cluster name) and the job reserving
     * them; all or none. Fails when another job already holds one of them, or the machine was
     * deleted since the job planned.
     */
    public void reservePorts(String hostaddr, Collection<Integer> ports, String owner, String jobId) {
        try {
            jdbi.useTransaction(handle -> {
                for (int port : ports) {
                    handle.execute("INSERT INTO port_allocation (hostaddr, port, owner, job_id) VALUES (?, ?, ?, ?)",
                            hostaddr, port, owner, jobId);
                }
            });
        } catch (UnableToExecuteStatementException e) {
            boolean registered = jdbi.withHandle(handle -> handle.createQuery(
                    "SELECT COUNT(*) FROM machine WHERE hostaddr = :h").bind("h", hostaddr).mapTo(Integer.class).one()) > 0;
            throw registered ? ManagerException.conflict(hostaddr + ": ports " + ports + " are no longer free")
                             : ManagerException.notFound("machine " + hostaddr + " was deleted while the job planned");
        }
    }

    public void releasePorts(String hostaddr, Collection<Integer> ports) {
        jdbi.useTransaction(handle -> {
            for (int port : ports) {
                handle.execute("DELETE FROM port_allocation WHERE hostaddr = ? AND port = ?", hostaddr, port);
            }
        });
    }

    /** Who holds a port on a machine: the owner (a cluster name) and the job that reserved it. */
    public record PortHolder(String owner, String jobId) {
    }

    public Optional<PortHolder> portHolder(String hostaddr, int port) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT owner, job_id FROM port_allocation WHERE hostaddr = :h AND port = :p")
                .bind("h", hostaddr).bind("p", port)
                .map((rs, ctx) -> new PortHolder(rs.getString("owner"), rs.getString("job_id"))).findOne());
    }

    public List<Integer> heldPorts(String hostaddr) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT port FROM port_allocation WHERE hostaddr = :h ORDER BY port")
                .bind("h", hostaddr).mapTo(Integer.class).list());
    }

    /** A cluster's instances (:c), through the index instance_by_cluster. */
    static final String INSTANCES_OF_CLUSTER = "SELECT * FROM instance WHERE cluster_name = :c";

    /** Clusters with their shard and comp counts, each count through an index (instance_by_cluster for comps). */
    static final String CLUSTER_SELECT = "SELECT c.*,"
            + " (SELECT COUNT(*) FROM shard s WHERE s.cluster_name = c.name) AS shard_count,"
            + " (SELECT COUNT(*) FROM instance i WHERE i.cluster_name = c.name AND i.kind = 'comp') AS comp_count"
            + " FROM cluster c";

    private static final String ALL_CLUSTERS_SELECT = "SELECT c.*,"
            + " COALESCE(s.n, 0) AS shard_count, COALESCE(i.n, 0) AS comp_count FROM cluster c"
            + " LEFT JOIN (SELECT cluster_name, COUNT(*) AS n FROM shard GROUP BY cluster_name) s"
            + " ON s.cluster_name = c.name"
            + " LEFT JOIN (SELECT cluster_name, COUNT(*) AS n FROM instance WHERE kind = 'comp' GROUP BY cluster_name) i"
            + " ON i.cluster_name = c.name";

    private static Optional<Cluster> findCluster(Handle handle, String name) {
        return handle.createQuery(CLUSTER_SELECT + " WHERE c.name = :n").bind("n", name)
                .map((rs, ctx) -> cluster(rs)).findOne();
    }

    private static Cluster cluster(ResultSet rs) throws SQLException {
        ClusterSpec spec = new ClusterSpec(HaMode.fromWire("ha_mode", rs.getString("ha_mode")), rs.getInt("nodes"),
                rs.getInt("max_storage_size_gb"), rs.getInt("max_connections"), rs.getInt("cpu_cores"),
                rs.getInt("innodb_size_gb"));
        return new Cluster(rs.getString("name"), spec, rs.getInt("shard_count"), rs.getInt("comp_count"),
                rs.getLong("created_at"));
    }

    private static Instance instance(ResultSet rs) throws SQLException {
        return new Instance(
                rs.getString("hostaddr"),
                rs.getInt("port"),
                rs.getString("cluster_name"),
                InstanceKind.fromWire(rs.getString("kind")),
                Optional.ofNullable(rs.getString("shard_name")),
                Optional.ofNullable(rs.getString("comp_name")),
                Optional.ofNullable(rs.getString("role")).map(r -> Role.valueOf(r.toUpperCase())),
                InstanceStatus.fromWire(rs.getString("status")),
                rs.getInt("sst_port"),
                rs.getInt("group_port"),
                rs.getString("data_dir"),
                rs.getString("log_dir"),
                rs.getString("wal_dir"),
                rs.getString("os_account"));
    }

    /** shard2 before shard10. Sorts every getter's instances: plain loops, no regular expression per comparison. */
    static int byNumber(String a, String b) {
        String digitsA = only(a, true);
        String digitsB = only(b, true);
        if (!digitsA.isEmpty() && !digitsB.isEmpty() && only(a, false).equals(only(b, false))) {
            return Long.compare(Long.parseLong(digitsA), Long.parseLong(digitsB));
        }
        return a.compareTo(b);
    }

    /** The ASCII digits of {@code text} (what a pattern's digit class matches), or all its other characters. */
    private static String only(String text, boolean digits) {
        StringBuilder kept = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c >= '0' && c <= '9') == digits) {
                kept.append(c);
            }
        }
        return kept.toString();
    }

    private static int inClusterOrder(Instance a, Instance b) {
        if (a.kind() != b.kind()) {
            return a.kind().compareTo(b.kind());
        }
        String groupA = a.shardName().or(a::compName).orElse("");
        String groupB = b.shardName().or(b::compName).orElse("");
        int byGroup = byNumber(groupA, groupB);
        if (byGroup != 0) {
            return byGroup;
        }
        int byRole = a.role().map(Enum::ordinal).orElse(0) - b.role().map(Enum::ordinal).orElse(0);
        return byRole != 0 ? byRole : a.address().compareTo(b.address());
    }
}
