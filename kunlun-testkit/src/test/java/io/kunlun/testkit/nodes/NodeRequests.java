package io.kunlun.testkit.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

/** add_nodes and delete_node requests, and reading a node's SQL state, for the node tests. */
final class NodeRequests {
    private NodeRequests() {
    }

    static ObjectNode addNodes(String cluster, String shard, int nodes) {
        return addNodesToEveryShard(cluster, nodes).put("shard_name", shard);
    }

    static ObjectNode addNodesToEveryShard(String cluster, int nodes) {
        return JsonNodeFactory.instance.objectNode()
                .put("job_id", "an-" + UUID.randomUUID()).put("job_type", "add_nodes").put("user_name", "tester")
                .put("cluster_name", cluster).put("nodes", Integer.toString(nodes));
    }

    static ObjectNode deleteNode(String cluster, String shard, String ip, int port) {
        return JsonNodeFactory.instance.objectNode()
                .put("job_id", "dn-" + UUID.randomUUID()).put("job_type", "delete_node").put("user_name", "tester")
                .put("cluster_name", cluster).put("shard_name", shard).put("ip", ip).put("port", Integer.toString(port));
    }

    static List<JsonNode> storage(TestManager manager, String cluster) {
        return ClusterFixture.entries(ClusterFixture.query(manager, "get_storage", cluster));
    }

    static String address(JsonNode node) {
        return node.get("ip").asText() + ":" + node.get("port").asText();
    }

    /** The first column of the query's first row, as the cluster's admin on the node. */
    static String value(JsonNode node, String sql) throws SQLException {
        try (Connection connection = ClusterFixture.mariadb(node); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        }
    }

    /** Polls the query until it answers {@code expected} or 30 s passed; answers the last value. */
    static String eventually(JsonNode node, String sql, String expected) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = value(node, sql);
                if (expected.equals(last)) {
                    return last;
                }
            } catch (SQLException notYet) {
                last = notYet.getMessage();
            }
            Thread.sleep(200);
        }
        return last;
    }
}
