package io.kunlun.testkit.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.createCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.deleteCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.cluster.ClusterFixture.storageNodes;
import static io.kunlun.testkit.nodes.NodeRequests.deleteNode;
import static org.assertj.core.api.Assertions.assertThat;

/** delete_node through HTTP on real MariaDB and PostgreSQL instances. */
class DeleteNodeTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.103", "127.0.0.105");
    static List<LoopbackMachine> machines;

    @BeforeAll
    static void registerMachines() {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
    }

    @Test
    void deletingAnRbrPrimaryPromotesTheReplicaAndTheCompFollowsIt() throws Exception {
        Reply created = run(manager, createCluster("rbr", 1, 3, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        List<JsonNode> before = storageNodes(manager.client(), cluster);
        JsonNode oldPrimary = before.get(0);
        try (Connection sql = ClusterFixture.mariadb(oldPrimary); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20))");
            statement.execute("INSERT INTO app.t VALUES (1, 'before')");
        }
        JsonNode comp = ClusterFixture.entries(ClusterFixture.query(manager, "get_computer", cluster)).get(0);
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement()) {
            statement.execute("CREATE FOREIGN TABLE t (id int, v text) SERVER shard1 OPTIONS (dbname 'app', table_name 't')");
            statement.execute("INSERT INTO t VALUES (2, 'through the comp')");
        }

        Reply deleted = run(manager, deleteNode(cluster, "shard1", oldPrimary.get("ip").asText(),
                oldPrimary.get("port").asInt()));

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(deleted.info()).isEqualTo(address(oldPrimary));
        List<JsonNode> after = storageNodes(manager.client(), cluster);
        assertThat(after).extracting(ClusterFixture::address)
                .containsExactlyInAnyOrder(address(before.get(1)), address(before.get(2)));
        assertThat(after).extracting(node -> node.get("role").asText()).containsExactly("primary", "replica");
        JsonNode newPrimary = after.get(0);
        JsonNode replica = after.get(1);
        assertThat(readOn(newPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO t VALUES (3, 'after')");
            try (ResultSet rows = statement.executeQuery("SELECT string_agg(v, ',' ORDER BY id) FROM t")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("before,through the comp,after");
            }
        }
        assertThat(readOn(newPrimary, "SELECT v FROM app.t WHERE id = 3")).isEqualTo("after");
        assertThat(NodeRequests.eventually(replica, "SELECT v FROM app.t WHERE id = 3", "after")).isEqualTo("after");
        assertThat(readOn(replica, "SELECT @@GLOBAL.read_only")).isEqualTo("1");

        deleteCluster(manager, cluster);
    }

    @Test
    void theLastNodeOfAnRbrShardIsNotDeleted() {
        Reply created = run(manager, createCluster("rbr", 1, 1, 1, machines.subList(0, 1)));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode only = storageNodes(manager.client(), cluster).get(0);

        Reply refused = run(manager, deleteNode(cluster, "shard1", only.get("ip").asText(), only.get("port").asInt()));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 of cluster " + cluster + " has 1 node; ha_mode rbr needs at least 1");
        assertThat(storageNodes(manager.client(), cluster)).hasSize(1);
        deleteCluster(manager, cluster);
    }

    @Test
    void anUnknownNodeIsNamedInTheRefusal() {
        Reply created = run(manager, createCluster("rbr", 1, 2, 1, machines.subList(0, 2)));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();

        Reply refused = run(manager, deleteNode(cluster, "shard1", machines.get(2).hostaddr(), 1));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 of cluster " + cluster + " has no node "
                + machines.get(2).hostaddr() + ":1");
        assertThat(storageNodes(manager.client(), cluster)).hasSize(2);
        deleteCluster(manager, cluster);
    }
}
