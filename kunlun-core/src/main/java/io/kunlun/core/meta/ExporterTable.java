package io.kunlun.core.meta;

import io.kunlun.model.Role;
import org.jdbi.v3.core.Jdbi;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The Prometheus exporters the manager runs, one per database instance. */
public final class ExporterTable {
    private final Jdbi jdbi;

    ExporterTable(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** What an exporter reads: mysqld_exporter for storage instances, postgres_exporter for comps. */
    public enum Kind {
        MYSQLD, POSTGRES;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind fromWire(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * An exporter listening on {@code hostaddr:port} for the instance at
     * {@code instanceHostaddr:instancePort}. A storage instance's exporter has a shard and a role,
     * a comp's a comp name.
     */
    public record Exporter(String hostaddr, int port, Kind kind, String instanceHostaddr, int instancePort,
                           String clusterName, Optional<String> shardName, Optional<String> compName,
                           Optional<Role> role) {
        public String address() {
            return hostaddr + ":" + port;
        }
    }

    /** Records an exporter; false when one is already recorded at its address. */
    public boolean insert(Exporter exporter) {
        return jdbi.inTransaction(handle -> {
            boolean taken = handle.createQuery("SELECT COUNT(*) FROM exporter WHERE hostaddr = :h AND port = :p")
                    .bind("h", exporter.hostaddr()).bind("p", exporter.port()).mapTo(Integer.class).one() > 0;
            if (taken) {
                return false;
            }
            handle.createUpdate("INSERT INTO exporter (hostaddr, port, kind, instance_hostaddr, instance_port,"
                            + " cluster_name, shard_name, comp_name, role) VALUES (:host, :port, :kind, :ihost, :iport,"
                            + " :cluster, :shard, :comp, :role)")
                    .bind("host", exporter.hostaddr()).bind("port", exporter.port())
                    .bind("kind", exporter.kind().wireName())
                    .bind("ihost", exporter.instanceHostaddr()).bind("iport", exporter.instancePort())
                    .bind("cluster", exporter.clusterName())
                    .bind("shard", exporter.shardName().orElse(null)).bind("comp", exporter.compName().orElse(null))
                    .bind("role", exporter.role().map(Role::wireName).orElse(null))
                    .execute();
            return true;
        });
    }

    /** Forgets the exporter at an address; false when none was recorded there. */
    public boolean delete(String hostaddr, int port) {
        return jdbi.withHandle(handle -> handle.execute("DELETE FROM exporter WHERE hostaddr = ? AND port = ?",
                hostaddr, port)) > 0;
    }

    /** The exporters watching the instance at an address (one, or none). */
    public List<Exporter> forInstance(String instanceHostaddr, int instancePort) {
        return list().stream()
                .filter(e -> e.instanceHostaddr().equals(instanceHostaddr) && e.instancePort() == instancePort)
                .toList();
    }

    /**
     * Every exporter, by address. The role is the instance's current one (a failover changes it),
     * or the one recorded with the exporter when the instance is no longer known.
     */
    public List<Exporter> list() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT e.*, COALESCE(i.role, e.role) AS live_role"
                        + " FROM exporter e LEFT JOIN instance i"
                        + " ON i.hostaddr = e.instance_hostaddr AND i.port = e.instance_port"
                        + " ORDER BY e.hostaddr, e.port")
                .map((rs, ctx) -> exporter(rs)).list());
    }

    private static Exporter exporter(ResultSet rs) throws SQLException {
        return new Exporter(
                rs.getString("hostaddr"),
                rs.getInt("port"),
                Kind.fromWire(rs.getString("kind")),
                rs.getString("instance_hostaddr"),
                rs.getInt("instance_port"),
                rs.getString("cluster_name"),
                Optional.ofNullable(rs.getString("shard_name")),
                Optional.ofNullable(rs.getString("comp_name")),
                Optional.ofNullable(rs.getString("live_role")).map(r -> Role.valueOf(r.toUpperCase(Locale.ROOT))));
    }
}
