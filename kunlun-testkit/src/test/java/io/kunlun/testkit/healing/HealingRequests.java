package io.kunlun.testkit.healing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * For the healing tests: their cluster, killing instances behind the manager's back, list_events,
 * the automatic jobs and switchover requests.
 */
public final class HealingRequests {
    private HealingRequests() {
    }

    /** SIGKILLs the server of an instance of a getter's reply (mariadbd or the postmaster) and waits until it is gone. */
    static void kill(List<LoopbackMachine> machines, JsonNode instance, boolean storage) throws Exception {
        killAll(machines, List.of(instance), storage);
    }

    /** SIGKILLs the servers of the instances all at once, then waits until they are gone. */
    static void killAll(List<LoopbackMachine> machines, List<JsonNode> instances, boolean storage) throws Exception {
        List<ProcessHandle> servers = new ArrayList<>();
        for (JsonNode instance : instances) {
            LoopbackMachine machine = ClusterFixture.machineOf(machines, instance);
            int port = instance.get("port").asInt();
            servers.add(storage ? InstanceTraces.storageServer(machine, port) : InstanceTraces.compServer(machine, port));
        }
        servers.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle server : servers) {
            server.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    /** list_events' entries, newest first. */
    public static List<JsonNode> events(TestManager manager, String cluster) {
        List<JsonNode> events = new ArrayList<>();
        ClusterFixture.query(manager, "list_events", cluster).get("events").forEach(events::add);
        return events;
    }

    /** list_jobs' entries of automatic jobs, of one type when {@code type} is not null, newest first. */
    public static List<JsonNode> automaticJobs(TestManager manager, String type) {
        ObjectNode request = JsonNodeFactory.instance.objectNode().put("job_type", "list_jobs").put("automatic", "1")
                .put("limit", "1000");
        if (type != null) {
            request.put("filter_job_type", type);
        }
        Reply listed = manager.post(request.toString());
        assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
        List<JsonNode> jobs = new ArrayList<>();
        listed.json().get("jobs").forEach(jobs::add);
        return jobs;
    }

    /**
     * The newest automatic job of the type whose step names the instance (every step of a
     * restart, give-up or rejoin does), as get_status answers it.
     */
    public static JsonNode automaticJob(TestManager manager, String type, JsonNode instance) {
        JsonNode listed = automaticJobs(manager, type).stream()
                .filter(job -> job.path("step").asText().contains(ClusterFixture.address(instance)))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type + " job names "
                        + ClusterFixture.address(instance) + ": " + automaticJobs(manager, type)));
        Reply status = manager.post(JsonNodeFactory.instance.objectNode().put("job_type", "get_status")
                .put("job_id", listed.get("job_id").asText()).toString());
        assertThat(status.json().get("job_type").asText()).isEqualTo(type);
        return status.json();
    }

    static ObjectNode switchover(String cluster, String shard) {
        return ClusterFixture.job("switchover", cluster).put("shard_name", shard);
    }

    static ObjectNode switchover(String cluster, String shard, JsonNode target) {
        return switchover(cluster, shard).put("ip", target.get("ip").asText()).put("port", target.get("port").asText());
    }

    /** Polls the instance (a fresh getter entry each time) until its status is {@code status}; fails past {@code within}. */
    public static JsonNode awaitStatus(Supplier<JsonNode> instance, String status, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode seen = instance.get();
        while (!seen.get("status").asText().equals(status)) {
            assertThat(System.nanoTime()).as("status " + status + " within " + within.toSeconds() + " s; last seen " + seen)
                    .isLessThan(deadline);
            Thread.sleep(100);
            seen = instance.get();
        }
        return seen;
    }

    /** How many events of a kind list_events shows for the instance. */
    public static long eventCount(TestManager manager, String cluster, JsonNode instance, String kind) {
        return events(manager, cluster).stream()
                .filter(event -> event.get("instance").asText().equals(ClusterFixture.address(instance)))
                .filter(event -> event.get("kind").asText().equals(kind)).count();
    }

    /**
     * Waits until list_events shows one more event of the kind for the instance than
     * {@code before}; answers that newest event. Fails past {@code within}.
     */
    public static JsonNode awaitEvent(TestManager manager, String cluster, JsonNode instance, String kind, long before,
                               Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (eventCount(manager, cluster, instance, kind) <= before) {
            assertThat(System.nanoTime()).as("a " + kind + " event of " + ClusterFixture.address(instance)
                    + " within " + within.toSeconds() + " s; events: " + events(manager, cluster)).isLessThan(deadline);
            Thread.sleep(100);
        }
        return events(manager, cluster).stream()
                .filter(event -> event.get("instance").asText().equals(ClusterFixture.address(instance)))
                .filter(event -> event.get("kind").asText().equals(kind)).findFirst().orElseThrow();
    }

    /**
     * Creates an rbr cluster of one shard of {@code nodes} nodes and one comp, with the table
     * {@code app.t (id, v)} on the shard and the foreign table {@code t} on the comp; answers its name.
     */
    static String createClusterWithTable(ApiClient client, List<LoopbackMachine> machines, int nodes)
            throws SQLException {
        ClusterFixture.register(client, machines);
        String cluster = ClusterFixture.createdCluster(client, "rbr", 1, nodes, 1, machines);
        ClusterFixture.createTable(ClusterFixture.primary(client, cluster, "shard1"));
        try (Connection sql = ClusterFixture.postgres(ClusterFixture.comps(client, cluster).get(0));
             Statement statement = sql.createStatement()) {
            statement.execute("CREATE FOREIGN TABLE t (id int, v text) SERVER shard1"
                    + " OPTIONS (dbname 'app', table_name 't')");
        }
        return cluster;
    }

    /** Deletes the cluster, which must succeed; nothing when it was never made. */
    static void deleteCluster(ApiClient client, String cluster) {
        if (cluster != null) {
            Reply deleted = ClusterFixture.deleteCluster(client, cluster);
            assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        }
    }

    static JsonNode comp(TestManager manager, String cluster) {
        return ClusterFixture.comps(manager.client(), cluster).get(0);
    }

    static JsonNode primary(TestManager manager, String cluster) {
        return ClusterFixture.primary(manager.client(), cluster, "shard1");
    }

    /** Inserts a row into the foreign table {@code t} through the comp. */
    static void insertThroughComp(JsonNode comp, int id, String value) throws SQLException {
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO t VALUES (" + id + ", '" + value + "')");
        }
    }

    /** The ids of app.t with a positive id on a storage node. */
    static Set<Integer> ids(JsonNode node) throws SQLException {
        Set<Integer> ids = new TreeSet<>();
        try (Connection sql = ClusterFixture.mariadb(node); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id FROM app.t WHERE id > 0")) {
            while (rows.next()) {
                ids.add(rows.getInt(1));
            }
        }
        return ids;
    }
}
