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
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.createCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.deleteCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.cluster.ClusterFixture.storageNodes;
import static io.kunlun.testkit.nodes.NodeRequests.addNodes;
import static io.kunlun.testkit.nodes.NodeRequests.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** add_nodes through HTTP on real MariaDB instances. */
class AddNodesTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.100", "127.0.0.103");
    static List<LoopbackMachine> machines;

    @BeforeAll
    static void registerMachines() {
        machines = List.of(loopback.take(), loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
    }

    @Test
    void anRbrNodeIsSeededFromABackupAndHasEveryRowWrittenBeforeAndDuringTheJob() throws Exception {
        Reply created = run(manager, createCluster("rbr", 1, 2, 1, machines.subList(0, 2)));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode primary = storageNodes(manager.client(), cluster).get(0);
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))");
            statement.execute("INSERT INTO app.t (v) SELECT 'before' FROM information_schema.COLUMNS LIMIT 500");
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger writtenDuring = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try (Connection sql = ClusterFixture.mariadb(primary);
                 PreparedStatement insert = sql.prepareStatement("INSERT INTO app.t (v) VALUES ('during')")) {
                while (writing.get()) {
                    insert.executeUpdate();
                    writtenDuring.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();

        Reply added = run(manager, addNodes(cluster, "shard1", 1));

        writing.set(false);
        writer.join();
        assertThat(added.result()).as(added.toString()).isEqualTo("done");
        assertThat(writtenDuring.get()).as("rows written while the job ran").isPositive();
        List<JsonNode> nodes = storageNodes(manager.client(), cluster);
        assertThat(nodes).hasSize(3);
        JsonNode fresh = nodes.get(2);
        assertThat(fresh.get("ip").asText()).isEqualTo(machines.get(2).hostaddr());
        assertThat(fresh.get("role").asText()).isEqualTo("replica");
        assertThat(fresh.get("status").asText()).isEqualTo("active");
        assertThat(added.info()).isEqualTo(address(fresh));
        String total = readOn(primary, "SELECT COUNT(*) FROM app.t");
        assertThat(total).isEqualTo(Integer.toString(500 + writtenDuring.get()));
        assertThat(eventually(fresh, "SELECT COUNT(*) FROM app.t", total)).isEqualTo(total);
        assertThat(readOn(fresh, "SELECT COUNT(*) FROM app.t WHERE v = 'during'"))
                .isEqualTo(Integer.toString(writtenDuring.get()));
        assertThat(readOn(fresh, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO app.t (v) VALUES ('after')");
        }
        assertThat(eventually(fresh, "SELECT COUNT(*) FROM app.t WHERE v = 'after'", "1")).isEqualTo("1");

        deleteCluster(manager, cluster);
    }

    @Test
    void withoutAShardNameEveryShardGetsANodeThatFollowsItsPrimary() throws Exception {
        Reply created = run(manager, createCluster("rbr", 2, 1, 1, machines.subList(0, 2)));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        for (JsonNode primary : storageNodes(manager.client(), cluster)) {
            try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
                statement.execute("CREATE DATABASE app");
                statement.execute("CREATE TABLE app.t (shard VARCHAR(10))");
                statement.execute("INSERT INTO app.t VALUES ('" + primary.get("shard").asText() + "')");
            }
        }

        Reply added = run(manager, NodeRequests.addNodesToEveryShard(cluster, 1));

        assertThat(added.result()).as(added.toString()).isEqualTo("done");
        List<JsonNode> nodes = storageNodes(manager.client(), cluster);
        assertThat(nodes).extracting(node -> node.get("shard").asText() + " " + node.get("role").asText())
                .containsExactly("shard1 primary", "shard1 replica", "shard2 primary", "shard2 replica");
        assertThat(added.info()).isEqualTo(address(nodes.get(1)) + ";" + address(nodes.get(3)));
        for (int replicaIndex : new int[] {1, 3}) {
            JsonNode replica = nodes.get(replicaIndex);
            JsonNode primary = nodes.get(replicaIndex - 1);
            assertThat(replica.get("ip").asText()).as("machine of " + address(replica))
                    .isNotEqualTo(primary.get("ip").asText());
            assertThat(readOn(replica, "SELECT shard FROM app.t")).isEqualTo(replica.get("shard").asText());
        }

        deleteCluster(manager, cluster);
    }

    @Test
    void aGaleraNodeJoinsTheGroupAndReceivesItsData() throws Exception {
        Reply created = run(manager, createCluster("mgr", 1, 3, 1, machines.subList(0, 3)));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode first = storageNodes(manager.client(), cluster).get(0);
        try (Connection sql = ClusterFixture.mariadb(first); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20))");
            statement.execute("INSERT INTO app.t VALUES (1, 'before')");
        }

        Reply added = run(manager, addNodes(cluster, "shard1", 1));

        assertThat(added.result()).as(added.toString()).isEqualTo("done");
        List<JsonNode> nodes = storageNodes(manager.client(), cluster);
        assertThat(nodes).hasSize(4);
        JsonNode fresh = nodes.stream().filter(node -> node.get("ip").asText().equals(machines.get(3).hostaddr()))
                .findFirst().orElseThrow();
        assertThat(added.info()).isEqualTo(address(fresh));
        assertThat(readOn(fresh, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                + " WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'")).isEqualTo("4");
        assertThat(readOn(fresh, "SELECT v FROM app.t WHERE id = 1")).isEqualTo("before");

        deleteCluster(manager, cluster);
    }

    @Test
    void aShardAlreadyOnEveryMachineOfTheRequestIsRefused() {
        List<LoopbackMachine> three = machines.subList(0, 3);
        Reply created = run(manager, createCluster("rbr", 1, 3, 1, three));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();

        Reply refused = run(manager, addNodes(cluster, "shard1", 1).set("machinelist",
                createCluster("rbr", 1, 3, 1, three).get("machinelist")));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 node 4: no machine has 1024 MB of memory and a core free"
                + " (127.0.0.100: holds another replica, 127.0.0.101: holds another replica,"
                + " 127.0.0.102: holds another replica)");
        assertThat(storageNodes(manager.client(), cluster)).hasSize(3);
        deleteCluster(manager, cluster);
    }
}
