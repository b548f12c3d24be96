package io.kunlun.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.HeldProgram;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests, getters and SQL connections the end-to-end tests share. Each takes the manager's
 * {@link ApiClient} (of a {@link TestManager} or a {@code ManagerProcess}); the {@link TestManager}
 * forms are the same on {@link TestManager#client()}.
 */
public final class ClusterFixture {
    public static final Duration CLUSTER_JOB_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration CATCH_UP = Duration.ofSeconds(20);

    private ClusterFixture() {
    }

    /** Registers machines big enough for several instances each. */
    public static void register(TestManager manager, List<LoopbackMachine> machines) {
        register(manager.client(), machines);
    }

    public static void register(ApiClient client, List<LoopbackMachine> machines) {
        for (LoopbackMachine machine : machines) {
            ObjectNode request = machine.request("create_machine", "m-" + UUID.randomUUID())
                    .put("total_mem", "65536").put("total_cpu_cores", "32");
            assertThat(client.submitAndAwait(request.toString()).result()).isEqualTo("done");
        }
    }

    /** A job held mid-run: its id and the step it is held at. */
    public record HeldJob(String jobId, String step) {
    }

    /**
     * Registers the machine, submits a create_cluster of one shard node and one comp on it and
     * waits until the job is held in the comp's {@code initdb} (configured for the machine), after
     * the shard was installed: a job running, with an undo log.
     */
    public static HeldJob createClusterHeldIn(HeldProgram initdb, ManagerProcess manager, LoopbackMachine machine)
            throws InterruptedException {
        register(manager.client(), List.of(machine));
        ObjectNode create = createCluster("no_rep", 1, 1, 1, List.of(machine));
        String jobId = create.get("job_id").asText();
        manager.client().post(create.toString());
        initdb.awaitHeld(Duration.ofMinutes(2), () -> manager.client().post(getStatus(jobId)).body());
        return new HeldJob(jobId, ManagerKilledMidJob.awaitStep(manager, jobId, ""));
    }

    public static String getStatus(String jobId) {
        return "{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}";
    }

    public static ObjectNode createCluster(String haMode, int shards, int nodes, int comps, List<LoopbackMachine> machines) {
        ObjectNode request = JsonNodeFactory.instance.objectNode()
                .put("ver", "0.1").put("job_id", "c-" + UUID.randomUUID()).put("job_type", "create_cluster")
                .put("ha_mode", haMode).put("shards", Integer.toString(shards)).put("nodes", Integer.toString(nodes))
                .put("comps", Integer.toString(comps)).put("max_storage_size", "20").put("max_connections", "100")
                .put("cpu_cores", "1").put("innodb_size", "1").put("user_name", "tester");
        return machineList(request, hostaddrs(machines));
    }

    public static List<String> hostaddrs(List<LoopbackMachine> machines) {
        return machines.stream().map(LoopbackMachine::hostaddr).toList();
    }

    /** Creates a cluster of the given shape, which must succeed; answers its name. */
    public static String createdCluster(ApiClient client, String haMode, int shards, int nodes, int comps,
                                        List<LoopbackMachine> machines) {
        Reply created = run(client, createCluster(haMode, shards, nodes, comps, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        return created.info();
    }

    /** A job on a cluster with a fresh job_id. */
    public static ObjectNode job(String jobType, String cluster) {
        return JsonNodeFactory.instance.objectNode().put("job_id", jobType + "-" + UUID.randomUUID())
                .put("job_type", jobType).put("cluster_name", cluster).put("user_name", "tester");
    }

    /** Puts the request's {@code machinelist}: one entry per address. */
    public static ObjectNode machineList(ObjectNode request, List<String> hostaddrs) {
        ArrayNode list = request.putArray("machinelist");
        hostaddrs.forEach(hostaddr -> list.addObject().put("hostaddr", hostaddr));
        return request;
    }

    /** Submits a job and waits for it to end. */
    public static Reply run(TestManager manager, ObjectNode request) {
        return run(manager.client(), request);
    }

    public static Reply run(ApiClient client, ObjectNode request) {
        client.post(request.toString());
        return client.awaitJob(request.get("job_id").asText(), CLUSTER_JOB_TIMEOUT);
    }

    public static Reply deleteCluster(TestManager manager, String name) {
        return deleteCluster(manager.client(), name);
    }

    public static Reply deleteCluster(ApiClient client, String name) {
        return run(client, job("delete_cluster", name));
    }

    /** control_instance (stop, start or restart) on an instance of a getter's reply. */
    public static Reply control(TestManager manager, JsonNode instance, String control) {
        return run(manager, JsonNodeFactory.instance.objectNode().put("job_type", "control_instance")
                .put("ip", instance.get("ip").asText()).put("port", instance.get("port").asText())
                .put("control", control).put("job_id", "ctl-" + UUID.randomUUID()).put("user_name", "tester"));
    }

    /** A getter's reply; {@code clusterName} null for none. */
    public static JsonNode query(TestManager manager, String jobType, String clusterName) {
        return query(manager.client(), jobType, clusterName);
    }

    public static JsonNode query(ApiClient client, String jobType, String clusterName) {
        ObjectNode request = JsonNodeFactory.instance.objectNode().put("job_type", jobType);
        if (clusterName != null) {
            request.put("cluster_name", clusterName);
        }
        Reply reply = client.post(request.toString());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.json();
    }

    /** get_storage's entries for the cluster, in order. */
    public static List<JsonNode> storageNodes(ApiClient client, String cluster) {
        return entries(query(client, "get_storage", cluster));
    }

    /** get_computer's entries for the cluster, in order. */
    public static List<JsonNode> comps(ApiClient client, String cluster) {
        return entries(query(client, "get_computer", cluster));
    }

    /** The storage nodes of one shard, primary first. */
    public static List<JsonNode> shardNodes(ApiClient client, String cluster, String shard) {
        return storageNodes(client, cluster).stream().filter(node -> node.get("shard").asText().equals(shard))
                .toList();
    }

    public static JsonNode primary(ApiClient client, String cluster, String shard) {
        return shardNodes(client, cluster, shard).stream()
                .filter(node -> node.get("role").asText().equals("primary")).findFirst()
                .orElseThrow(() -> new AssertionError(cluster + " has no primary of " + shard));
    }

    /** How many shards get_cluster counts in a cluster. */
    public static String shardCount(ApiClient client, String cluster) {
        return entries(query(client, "get_cluster", null)).stream()
                .filter(entry -> entry.get("name").asText().equals(cluster)).findFirst()
                .orElseThrow(() -> new AssertionError("get_cluster has no " + cluster)).get("shards").asText();
    }

    /** {@code ip:port} of an instance of a getter's reply. */
    public static String address(JsonNode instance) {
        return instance.get("ip").asText() + ":" + instance.get("port").asText();
    }

    /** The machine an instance of a getter's reply is on. */
    public static LoopbackMachine machineOf(List<LoopbackMachine> machines, JsonNode instance) {
        return machines.stream().filter(machine -> machine.hostaddr().equals(instance.get("ip").asText()))
                .findFirst().orElseThrow(() -> new AssertionError(address(instance) + " is on none of " + machines));
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

    /** Whether the instance of a getter's reply accepts connections at its address. */
    public static boolean listening(JsonNode instance) {
        return InstanceTraces.isListening(instance.get("ip").asText(), instance.get("port").asInt());
    }

    /** The directories named after the instance's port under the roots of the machine it is on. */
    public static List<Path> instanceDirectories(List<LoopbackMachine> machines, JsonNode instance) {
        return InstanceTraces.instanceDirectories(machineOf(machines, instance), instance.get("port").asInt());
    }

    /** Creates {@code app.t (id, v)} on a shard's primary. */
    public static void createTable(JsonNode primary) throws SQLException {
        try (Connection sql = mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(40))");
        }
    }

    /** The first column of the first row a query answers on a storage node, as the cluster's admin; null for no row. */
    public static String readOn(JsonNode node, String sql) throws SQLException {
        try (Connection connection = mariadb(node); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        }
    }

    /**
     * As {@link #readOn}, waiting up to 20 s for a replica to catch up: it retries while the
     * query answers no row or fails, and answers null (or throws the failure) at the deadline.
     */
    public static String readEventually(JsonNode node, String sql) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (true) {
            try {
                String value = readOn(node, sql);
                if (value != null) {
                    return value;
                }
            } catch (SQLException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(200);
        }
    }

    /**
     * SQL as an operator on the instance's machine runs it: the server's client over the
     * instance's socket as the instance account, the socket's owner (the cluster's admin may not
     * stop replication or change the server's settings, and set_variable refuses read_only).
     */
    public static void asOperatorOnTheMachine(List<LoopbackMachine> machines, JsonNode instance, String sql)
            throws Exception {
        Path socket = instanceDirectories(machines, instance).stream()
                .map(directory -> directory.resolve("server.sock")).filter(Files::exists).findFirst().orElseThrow();
        String account = Files.getOwner(socket).getName();
        Process client = new ProcessBuilder("setpriv", "--reuid=" + account, "--regid=" + account, "--init-groups",
                "--", "mariadb", "--no-defaults", "--user=" + account, "--socket=" + socket, "-e", sql)
                .redirectErrorStream(true).start();
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(client.exitValue()).as(output).isZero();
    }
}
