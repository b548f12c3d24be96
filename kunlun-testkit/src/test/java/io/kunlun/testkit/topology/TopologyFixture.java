package io.kunlun.testkit.topology;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.hostaddrs;
import static io.kunlun.testkit.cluster.ClusterFixture.job;
import static io.kunlun.testkit.cluster.ClusterFixture.machineList;

/** The topology jobs' requests, and what the tests look at on the comps. */
public final class TopologyFixture {
    private TopologyFixture() {
    }

    static Reply addShards(TestManager manager, String cluster, int shards, List<LoopbackMachine> machines) {
        return addShardsOn(manager, cluster, shards, hostaddrs(machines));
    }

    static Reply addShardsOn(TestManager manager, String cluster, int shards, List<String> hostaddrs) {
        return ClusterFixture.run(manager,
                machineList(job("add_shards", cluster).put("shards", Integer.toString(shards)), hostaddrs));
    }

    static Reply deleteShard(TestManager manager, String cluster, String shard) {
        return ClusterFixture.run(manager, job("delete_shard", cluster).put("shard_name", shard));
    }

    static Reply addComps(TestManager manager, String cluster, int comps, List<LoopbackMachine> machines) {
        return ClusterFixture.run(manager, machineList(job("add_comps", cluster).put("comps", Integer.toString(comps)),
                hostaddrs(machines)));
    }

    static Reply deleteComp(TestManager manager, String cluster, String comp) {
        return ClusterFixture.run(manager, job("delete_comp", cluster).put("comp_name", comp));
    }

    static void assertDeleted(TestManager manager, String cluster) {
        Reply deleted = ClusterFixture.deleteCluster(manager, cluster);
        if (!"done".equals(deleted.result())) {
            throw new AssertionError("delete_cluster: " + deleted);
        }
    }

    static JsonNode comp(TestManager manager, String cluster, String name) {
        return ClusterFixture.comps(manager.client(), cluster).stream()
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
}
