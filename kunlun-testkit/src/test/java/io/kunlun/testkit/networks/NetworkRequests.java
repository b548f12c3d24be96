package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.job;

/** The add_* and delete_* requests of the network tests, and waiting for a replica. */
final class NetworkRequests {
    private NetworkRequests() {
    }

    static ObjectNode addNodes(String cluster, String shard, int nodes) {
        return job("add_nodes", cluster).put("shard_name", shard).put("nodes", Integer.toString(nodes));
    }

    static ObjectNode addComps(String cluster, int comps) {
        return job("add_comps", cluster).put("comps", Integer.toString(comps));
    }

    static ObjectNode deleteNode(String cluster, String shard, String ip, String port) {
        return job("delete_node", cluster).put("shard_name", shard).put("ip", ip).put("port", port);
    }

    static ObjectNode deleteComp(String cluster, String comp) {
        return job("delete_comp", cluster).put("comp_name", comp);
    }

    /** The request with its new instances placed on that machine only. */
    static ObjectNode onMachine(ObjectNode request, String hostaddr) {
        return ClusterFixture.machineList(request, List.of(hostaddr));
    }

    /** A query's answer, polled until it is {@code expected} or 20 s passed; answers the last one (or its failure). */
    static String eventually(SqlValue value, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = value.read();
                if (expected.equals(last)) {
                    return last;
                }
            } catch (java.sql.SQLException notYet) {
                last = notYet.getMessage();
            }
            Thread.sleep(100);
        }
        return last;
    }

    /** One value read over SQL. */
    interface SqlValue {
        String read() throws java.sql.SQLException;
    }
}
