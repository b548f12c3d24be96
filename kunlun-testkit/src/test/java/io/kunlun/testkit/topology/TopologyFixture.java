package io.kunlun.testkit.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;

/** The topology jobs' requests, and what the tests look at on the instances. */
public final class TopologyFixture {
    private TopologyFixture() {
    }

    static Reply addShards(TestManager manager, String cluster, int shards, List<LoopbackMachine> machines) {
        return addShardsOn(manager, cluster, shards, machines.stream().map(LoopbackMachine::hostaddr).toList());
    }

    static Reply addShardsOn(TestManager manager, String cluster, int shards, List<String> hostaddrs) {
        ObjectNode request = job("add_shards", cluster).put("shards", Integer.toString(shards));
        machineList(request, hostaddrs);
        return ClusterFixture.run(manager, request);
    }

    static Reply deleteShard(TestManager manager, String cluster, String shard) {
        return ClusterFixture.run(manager, job("delete_shard", cluster).put("shard_name", shard));
    }

    static Reply addComps(TestManager manager, String cluster, int comps, List<LoopbackMachine> machines) {
        ObjectNode request = job("add_comps", cluster).put("comps", Integer.toString(comps));
        machineList(request, machines.stream().map(LoopbackMachine::hostaddr).toList());
        return ClusterFixture.run(manager, request);
    }

    static Reply deleteComp(TestManager manager, String cluster, String comp) {
        return ClusterFixture.run(manager, job("delete_comp", cluster).put("comp_name", comp));
    }

    /** A new cluster of the given shape, which must be created. */
    static String created(TestManager manager, String haMode, int shards, int nodes, int comps,
                          List<LoopbackMachine> machines) {
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster(haMode, shards, nodes, comps, machines));
        if (!"done".equals(created.result())) {
            throw new AssertionError("create_cluster: " + created);
        }
        return created.info();
    }

    /** How many shards get_cluster counts in a cluster. */
    static String shardCount(TestManager manager, String cluster) {
        return entries(query(manager, "get_cluster", null)).stream()
                .filter(entry -> entry.get("name").asText().equals(cluster)).findFirst()
                .orElseThrow(() -> new AssertionError("get_cluster has no " + cluster)).get("shards").asText();
    }

    static void assertDeleted(TestManager manager, String cluster) {
        Reply deleted = ClusterFixture.deleteCluster(manager, cluster);
        if (!"done".equals(deleted.result())) {
            throw new AssertionError("delete_cluster: " + deleted);
        }
    }

    /** The storage nodes of one shard, primary first. */
    static List<JsonNode> shardNodes(TestManager manager, String cluster, String shard) {
        return entries(query(manager, "get_storage", cluster)).stream()
                .filter(node -> node.get("shard").asText().equals(shard)).toList();
    }

    static JsonNode primary(TestManager manager, String cluster, String shard) {
        return shardNodes(manager, cluster, shard).stream()
                .filter(node -> node.get("role").asText().equals("primary")).findFirst()
                .orElseThrow(() -> new AssertionError(cluster + " has no primary of " + shard));
    }

    static JsonNode comp(TestManager manager, String cluster, String name) {
        return entries(query(manager, "get_computer", cluster)).stream()
                .filter(comp -> comp.get("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(cluster + " has no comp " + name));
    }

    /** The names of the foreign servers a comp has, in name order. */
    public static List<String> foreignServers(JsonNode comp) throws SQLException {
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT srvname FROM pg_foreign_server ORDER BY srvname")) {
            List<String> names = new ArrayList<>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            return names;
        }
    }

    /** Creates {@code app.t (id, v)} on a shard's primary. */
    public static void createTable(JsonNode primary) throws SQLException {
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(40))");
        }
    }

    /** Through a comp: a foreign table on the shard's {@code app.t}, and one row written into it. */
    public static void insertThrough(JsonNode comp, String shard, int id, String value) throws SQLException {
        String table = "t_" + shard;
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement()) {
            statement.execute("CREATE FOREIGN TABLE IF NOT EXISTS " + table + " (id int, v text) SERVER " + shard
                    + " OPTIONS (dbname 'app', table_name 't')");
        }
        try (Connection sql = ClusterFixture.postgres(comp);
             PreparedStatement insert = sql.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
            insert.setInt(1, id);
            insert.setString(2, value);
            insert.executeUpdate();
        }
    }

    /** The first column of the first row a query answers on a storage node, null for no row. */
    public static String readOn(JsonNode node, String sql) throws SQLException {
        try (Connection connection = ClusterFixture.mariadb(node); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        }
    }

    /** As {@link #readOn}, waiting up to 20 s for a replica to catch up. */
    public static String readEventually(JsonNode node, String sql) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String value = readOn(node, sql);
        while (value == null && System.nanoTime() < deadline) {
            Thread.sleep(200);
            value = readOn(node, sql);
        }
        return value;
    }

    public static boolean listening(JsonNode instance) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(instance.get("ip").asText()),
                    instance.get("port").asInt()), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** The directories named after an instance's port under the machine's roots. */
    public static List<Path> instanceDirectories(LoopbackMachine machine, JsonNode instance) {
        String port = instance.get("port").asText();
        List<Path> found = new ArrayList<>();
        for (Path root : List.of(machine.datadir(), machine.logdir(), machine.walLogDir(), machine.compDatadir())) {
            Path instances = root.resolve("instance_data");
            if (Files.isDirectory(instances)) {
                try (var walk = Files.walk(instances)) {
                    walk.filter(Files::isDirectory).filter(dir -> dir.getFileName().toString().equals(port))
                            .forEach(found::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return found;
    }

    private static ObjectNode job(String jobType, String cluster) {
        return JsonNodeFactory.instance.objectNode().put("job_id", jobType + "-" + UUID.randomUUID())
                .put("job_type", jobType).put("cluster_name", cluster).put("user_name", "tester");
    }

    private static void machineList(ObjectNode request, List<String> hostaddrs) {
        ArrayNode list = request.putArray("machinelist");
        hostaddrs.forEach(hostaddr -> list.addObject().put("hostaddr", hostaddr));
    }
}
