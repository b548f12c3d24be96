package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.UUID;

/** The add_* requests of the network tests, and waiting for a replica. */
final class NetworkRequests {
    private NetworkRequests() {
    }

    static ObjectNode addNodes(String cluster, String shard, int nodes) {
        return job("add_nodes", cluster).put("shard_name", shard).put("nodes", Integer.toString(nodes));
    }

    static ObjectNode addComps(String cluster, int comps) {
        return job("add_comps", cluster).put("comps", Integer.toString(comps));
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

    private static ObjectNode job(String jobType, String cluster) {
        return JsonNodeFactory.instance.objectNode().put("job_id", jobType + "-" + UUID.randomUUID())
                .put("job_type", jobType).put("cluster_name", cluster).put("user_name", "tester");
    }
}
