package io.kunlun.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests and SQL connections the cluster tests share. */
public final class ClusterFixture {
    public static final Duration CLUSTER_JOB_TIMEOUT = Duration.ofMinutes(4);

    private ClusterFixture() {
    }

    /** Registers machines big enough for several instances each. */
    public static void register(TestManager manager, List<LoopbackMachine> machines) {
        for (LoopbackMachine machine : machines) {
            ObjectNode request = machine.request("create_machine", "m-" + UUID.randomUUID())
                    .put("total_mem", "65536").put("total_cpu_cores", "32");
            assertThat(manager.submitAndAwait(request.toString()).result()).isEqualTo("done");
        }
    }

    public static ObjectNode createCluster(String haMode, int shards, int nodes, int comps, List<LoopbackMachine> machines) {
        ObjectNode request = JsonNodeFactory.instance.objectNode()
                .put("ver", "0.1").put("job_id", "c-" + UUID.randomUUID()).put("job_type", "create_cluster")
                .put("ha_mode", haMode).put("shards", Integer.toString(shards)).put("nodes", Integer.toString(nodes))
                .put("comps", Integer.toString(comps)).put("max_storage_size", "20").put("max_connections", "100")
                .put("cpu_cores", "1").put("innodb_size", "1").put("user_name", "tester");
        ArrayNode list = request.putArray("machinelist");
        machines.forEach(machine -> list.addObject().put("hostaddr", machine.hostaddr()));
        return request;
    }

    public static Reply run(TestManager manager, ObjectNode request) {
        manager.post(request.toString());
        return manager.client().awaitJob(request.get("job_id").asText(), CLUSTER_JOB_TIMEOUT);
    }

    public static Reply deleteCluster(TestManager manager, String name) {
        ObjectNode request = JsonNodeFactory.instance.objectNode()
                .put("job_id", "d-" + UUID.randomUUID()).put("job_type", "delete_cluster")
                .put("cluster_name", name).put("user_name", "tester");
        return run(manager, request);
    }

    /** control_instance (stop, start or restart) on an instance of a getter's reply. */
    public static Reply control(TestManager manager, JsonNode instance, String control) {
        return run(manager, JsonNodeFactory.instance.objectNode().put("job_type", "control_instance")
                .put("ip", instance.get("ip").asText()).put("port", instance.get("port").asText())
                .put("control", control).put("job_id", "ctl-" + UUID.randomUUID()).put("user_name", "tester"));
    }

    public static JsonNode query(TestManager manager, String jobType, String clusterName) {
        ObjectNode request = JsonNodeFactory.instance.objectNode().put("job_type", jobType);
        if (clusterName != null) {
            request.put("cluster_name", clusterName);
        }
        Reply reply = manager.post(request.toString());
        assertThat(reply.status()).isEqualTo(200);
        return reply.json();
    }

    /** The entries of a getter's reply ({@code storage0}, {@code storage1}, ...), in order. */
    public static List<JsonNode> entries(JsonNode reply) {
        List<JsonNode> entries = new ArrayList<>();
        reply.fields().forEachRemaining(field -> entries.add(field.getValue()));
        return entries;
    }

    public static Connection mariadb(JsonNode node) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + node.get("ip").asText() + ":"
                + node.get("port").asText() + "/", node.get("user").asText(), node.get("pwd").asText());
    }

    public static Connection postgres(JsonNode comp) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + comp.get("ip").asText() + ":"
                + comp.get("port").asText() + "/kunlun", comp.get("user").asText(), comp.get("pwd").asText());
    }
}
