package io.kunlun.testkit.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.sql.SQLException;

/** add_nodes and delete_node requests, and waiting for a node's SQL state, for the node tests. */
final class NodeRequests {
    private NodeRequests() {
    }

    static ObjectNode addNodes(String cluster, String shard, int nodes) {
        return addNodesToEveryShard(cluster, nodes).put("shard_name", shard);
    }

    static ObjectNode addNodesToEveryShard(String cluster, int nodes) {
        return ClusterFixture.job("add_nodes", cluster).put("nodes", Integer.toString(nodes));
    }

    static ObjectNode deleteNode(String cluster, String shard, String ip, int port) {
        return ClusterFixture.job("delete_node", cluster).put("shard_name", shard).put("ip", ip)
                .put("port", Integer.toString(port));
    }

    /** Polls the query until it answers {@code expected} or 30 s passed; answers the last value. */
    static String eventually(JsonNode node, String sql, String expected) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = ClusterFixture.readOn(node, sql);
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
