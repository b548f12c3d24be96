package io.kunlun.core.meta;

import io.kunlun.model.HaMode;
import io.kunlun.model.MetaNode;
import io.kunlun.model.MetaStoreInfo;
import org.jdbi.v3.core.Handle;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a MySQL/MariaDB metadata store replicates, read from the server the store is connected to:
 * <ul>
 * <li>Galera (wsrep on, with a provider): mgr, its members as they advertise themselves, online,
 *     and the members the JDBC URL names that are not among them, offline (a member that is
 *     down or cut off);</li>
 * <li>MySQL Group Replication: mgr, its online members;</li>
 * <li>binlog replication, from either end: rbr, the primary first, then this server, then the
 *     replicas registered with it (by their report_host, else the address they connect from);</li>
 * <li>else no_rep, this server alone.</li>
 * </ul>
 * This server is named by its report_host when it has one, else by the first host of the JDBC URL.
 * Reading the replication state takes REPLICA MONITOR and REPLICATION MASTER ADMIN on MariaDB
 * (REPLICATION CLIENT and REPLICATION SLAVE on MySQL).
 */
final class ReplicationTopology {
    private ReplicationTopology() {
    }

    /** {@code configured}: the hosts and ports the JDBC URL names, in its order. */
    static MetaStoreInfo read(Handle handle, List<MetaNode> configured) {
        String connectedHost = configured.get(0).ip();
        Map<String, String> variables = pairs(handle, "SHOW GLOBAL VARIABLES WHERE Variable_name IN"
                + " ('port', 'report_host', 'wsrep_on', 'wsrep_provider')");
        MetaNode self = new MetaNode(
                Optional.ofNullable(variables.get("report_host")).filter(host -> !host.isBlank()).orElse(connectedHost),
                Integer.parseInt(variables.get("port")));
        if ("ON".equalsIgnoreCase(variables.get("wsrep_on"))
                && !"none".equalsIgnoreCase(variables.getOrDefault("wsrep_provider", "none"))) {
            String incoming = pairs(handle, "SHOW GLOBAL STATUS WHERE Variable_name = 'wsrep_incoming_addresses'")
                    .get("wsrep_incoming_addresses");
            return new MetaStoreInfo(HaMode.MGR, galeraMembers(incoming, self, configured));
        }
        List<MetaNode> group = groupReplicationMembers(handle);
        if (!group.isEmpty()) {
            return new MetaStoreInfo(HaMode.MGR, group);
        }
        List<MetaNode> sources = handle.createQuery("SHOW SLAVE STATUS")
                .map((rs, ctx) -> new MetaNode(rs.getString("Master_Host"), rs.getInt("Master_Port"))).list();
        List<MetaNode> replicas = handle.createQuery("SHOW SLAVE HOSTS")
                .map((rs, ctx) -> new MetaNode(rs.getString("Host"), rs.getInt("Port"))).list();
        if (sources.isEmpty() && replicas.isEmpty()) {
            return new MetaStoreInfo(HaMode.NO_REP, List.of(self));
        }
        List<MetaNode> nodes = new ArrayList<>(sources);
        nodes.add(self);
        replicas.stream().sorted(BY_ADDRESS).forEach(nodes::add);
        return new MetaStoreInfo(HaMode.RBR, nodes.stream().distinct().toList());
    }

    private static final Comparator<MetaNode> BY_ADDRESS = Comparator.comparing(MetaNode::ip)
            .thenComparingInt(MetaNode::port);

    /**
     * {@code wsrep_incoming_addresses}: "host:port,host:port"; members that advertise none are
     * left out. The configured members missing from it are listed offline.
     */
    private static List<MetaNode> galeraMembers(String incoming, MetaNode self, List<MetaNode> configured) {
        List<MetaNode> members = new ArrayList<>(hostPorts(Optional.ofNullable(incoming).orElse("")));
        if (members.isEmpty()) {
            members.add(self);
        }
        for (MetaNode named : configured) {
            if (members.stream().noneMatch(member -> member.ip().equals(named.ip()) && member.port() == named.port())) {
                members.add(new MetaNode(named.ip(), named.port(), MetaNode.OFFLINE));
            }
        }
        return members.stream().sorted(BY_ADDRESS).distinct().toList();
    }

    /** "host:port,host:port" as online nodes; an entry without a numeric port is left out. */
    static List<MetaNode> hostPorts(String list) {
        List<MetaNode> nodes = new ArrayList<>();
        for (String address : list.split(",")) {
            int colon = address.lastIndexOf(':');
            String port = colon < 0 ? "" : address.substring(colon + 1).trim();
            if (colon > 0 && !port.isEmpty() && port.length() <= 5 && port.chars().allMatch(Character::isDigit)) {
                nodes.add(new MetaNode(address.substring(0, colon).trim(), Integer.parseInt(port)));
            }
        }
        return nodes;
    }

    /** MySQL Group Replication's online members; MariaDB has no such table. */
    private static List<MetaNode> groupReplicationMembers(Handle handle) {
        boolean hasTable = handle.createQuery("SELECT COUNT(*) FROM information_schema.TABLES"
                        + " WHERE TABLE_SCHEMA = 'performance_schema' AND TABLE_NAME = 'replication_group_members'")
                .mapTo(Integer.class).one() > 0;
        if (!hasTable) {
            return List.of();
        }
        return handle.createQuery("SELECT MEMBER_HOST, MEMBER_PORT FROM performance_schema.replication_group_members"
                        + " WHERE MEMBER_STATE = 'ONLINE' ORDER BY MEMBER_HOST, MEMBER_PORT")
                .map((rs, ctx) -> new MetaNode(rs.getString(1), rs.getInt(2))).list();
    }

    /** A two-column answer (SHOW VARIABLES, SHOW STATUS) as a map, names lower-cased. */
    private static Map<String, String> pairs(Handle handle, String sql) {
        Map<String, String> pairs = new HashMap<>();
        handle.createQuery(sql)
                .map((rs, ctx) -> Map.entry(rs.getString(1).toLowerCase(java.util.Locale.ROOT),
                        Optional.ofNullable(rs.getString(2)).orElse("")))
                .forEach(pair -> pairs.put(pair.getKey(), pair.getValue()));
        return pairs;
    }
}
