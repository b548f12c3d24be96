package io.kunlun.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static io.kunlun.testkit.InstanceTraces.instanceDirectories;
import static io.kunlun.testkit.cluster.ClusterFixture.createCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.deleteCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/** create_cluster and delete_cluster through HTTP, with real MariaDB and PostgreSQL instances. */
class CreateClusterTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.2", "127.0.0.4");
    static List<LoopbackMachine> machines;

    @BeforeAll
    static void registerMachines() {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
    }

    @Test
    void aNoRepClusterServesSqlAndDeletingItLeavesNothing() throws Exception {
        Reply created = run(manager, createCluster("no_rep", 1, 1, 1, machines.subList(0, 1)));

        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String name = created.info();
        assertThat(name).matches("cluster_[0-9]{10}_[0-9]{6}");
        JsonNode storage = entries(query(manager, "get_storage", name)).get(0);
        assertThat(storage.get("shard").asText()).isEqualTo("shard1");
        assertThat(storage.get("role").asText()).isEqualTo("primary");
        assertThat(storage.get("status").asText()).isEqualTo("active");
        try (Connection sql = ClusterFixture.mariadb(storage); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY)");
            statement.execute("INSERT INTO app.t VALUES (1)");
        }
        JsonNode comp = entries(query(manager, "get_computer", name)).get(0);
        assertThat(comp.get("name").asText()).isEqualTo("comp1");
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT 1")) {
            assertThat(rows.next()).isTrue();
        }

        Reply deleted = deleteCluster(manager, name);

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(deleted.info()).isEqualTo(name);
        assertThat(query(manager, "get_cluster", null).toString()).doesNotContain(name);
        assertThat(instanceDirectories(machines.get(0))).isEmpty();
    }

    @Test
    void anRbrShardReplicatesItsPrimaryToEveryReplica() throws Exception {
        Reply created = run(manager, createCluster("rbr", 1, 3, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        List<JsonNode> nodes = entries(query(manager, "get_storage", created.info()));
        assertThat(nodes).extracting(node -> node.get("role").asText()).containsExactly("primary", "replica", "replica");
        assertThat(nodes).extracting(node -> node.get("ip").asText()).doesNotHaveDuplicates();

        try (Connection primary = ClusterFixture.mariadb(nodes.get(0)); Statement statement = primary.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(10))");
            statement.execute("INSERT INTO app.t VALUES (1, 'written')");
        }
        for (JsonNode replica : nodes.subList(1, 3)) {
            assertThat(readEventually(replica, "SELECT v FROM app.t WHERE id = 1")).isEqualTo("written");
        }

        assertThat(deleteCluster(manager, created.info()).result()).isEqualTo("done");
    }

    @Test
    void anMgrShardIsAGaleraGroupOfThreeWhereEveryMemberTakesWrites() throws Exception {
        Reply created = run(manager, createCluster("mgr", 1, 3, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        List<JsonNode> nodes = entries(query(manager, "get_storage", created.info()));
        assertThat(nodes).hasSize(3);

        assertThat(readEventually(nodes.get(1), "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                + " WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'")).isEqualTo("3");
        try (Connection first = ClusterFixture.mariadb(nodes.get(0)); Statement statement = first.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(10))");
            statement.execute("INSERT INTO app.t VALUES (1, 'first')");
        }
        try (Connection third = ClusterFixture.mariadb(nodes.get(2)); Statement statement = third.createStatement()) {
            statement.execute("INSERT INTO app.t VALUES (3, 'third')");
        }
        assertThat(readEventually(nodes.get(2), "SELECT v FROM app.t WHERE id = 1")).isEqualTo("first");
        assertThat(readEventually(nodes.get(1), "SELECT v FROM app.t WHERE id = 3")).isEqualTo("third");

        assertThat(deleteCluster(manager, created.info()).result()).isEqualTo("done");
    }

    @Test
    void throughAnyCompAQueryReachesEachShardAndATableSpreadOverShardsReadsAsOne() throws Exception {
        Reply created = run(manager, createCluster("rbr", 2, 3, 2, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        List<JsonNode> nodes = entries(query(manager, "get_storage", created.info()));
        JsonNode shard1 = nodes.stream().filter(node -> node.get("shard").asText().equals("shard1")
                && node.get("role").asText().equals("primary")).findFirst().orElseThrow();
        JsonNode shard2 = nodes.stream().filter(node -> node.get("shard").asText().equals("shard2")
                && node.get("role").asText().equals("primary")).findFirst().orElseThrow();
        for (JsonNode primary : List.of(shard1, shard2)) {
            try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
                statement.execute("CREATE DATABASE app");
                statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20))");
            }
        }
        List<JsonNode> comps = entries(query(manager, "get_computer", created.info()));
        assertThat(comps).extracting(comp -> comp.get("name").asText()).containsExactly("comp1", "comp2");

        try (Connection comp1 = ClusterFixture.postgres(comps.get(0)); Statement statement = comp1.createStatement()) {
            statement.execute("CREATE TABLE t (id int, v text) PARTITION BY RANGE (id)");
            statement.execute("CREATE FOREIGN TABLE t_1 PARTITION OF t FOR VALUES FROM (MINVALUE) TO (1000)"
                    + " SERVER shard1 OPTIONS (dbname 'app', table_name 't')");
            statement.execute("CREATE FOREIGN TABLE t_2 PARTITION OF t FOR VALUES FROM (1000) TO (MAXVALUE)"
                    + " SERVER shard2 OPTIONS (dbname 'app', table_name 't')");
            statement.execute("INSERT INTO t_1 VALUES (1, 'on shard1')");
            statement.execute("INSERT INTO t_2 VALUES (1001, 'on shard2')");
        }
        assertThat(readEventually(shard1, "SELECT v FROM app.t WHERE id = 1")).isEqualTo("on shard1");
        assertThat(readEventually(shard2, "SELECT v FROM app.t WHERE id = 1001")).isEqualTo("on shard2");
        try (Connection comp2 = ClusterFixture.postgres(comps.get(1)); Statement statement = comp2.createStatement()) {
            statement.execute("CREATE FOREIGN TABLE t2 (id int, v text) SERVER shard2 OPTIONS (dbname 'app', table_name 't')");
            try (ResultSet rows = statement.executeQuery("SELECT v FROM t2 WHERE id = 1001")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("on shard2");
            }
        }
        try (Connection comp1 = ClusterFixture.postgres(comps.get(0)); Statement statement = comp1.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id, v FROM t ORDER BY id")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(2)).isEqualTo("on shard1");
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(2)).isEqualTo("on shard2");
        }

        assertThat(deleteCluster(manager, created.info()).result()).isEqualTo("done");
    }

    @Test
    void aShardWiderThanTheMachineListIsRefusedBeforeAnythingIsCreated() {
        Reply refused = run(manager, createCluster("rbr", 1, 3, 1, machines.subList(0, 2)));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard needs 3 machines, machinelist has 2");
        assertThat(query(manager, "get_cluster", null).size()).isZero();
    }

    @Test
    void noRepWithThreeNodesIsRefusedAtOnce() {
        Reply refused = manager.post(createCluster("no_rep", 1, 3, 1, machines).toString());

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.info()).isEqualTo("nodes must be 1 for ha_mode no_rep, got 3");
    }

    @Test
    void mgrWithTwoNodesIsRefusedAtOnce() {
        Reply refused = manager.post(createCluster("mgr", 1, 2, 1, machines).toString());

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.info()).isEqualTo("nodes must be from 3 to 16 for ha_mode mgr, got 2");
    }

    @Test
    void anUnknownHaModeIsRefusedAtOnce() {
        Reply refused = manager.post(createCluster("paxos", 1, 1, 1, machines).toString());

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.info()).isEqualTo("ha_mode must be one of no_rep, rbr, mgr, got \"paxos\"");
    }

    @Test
    void aTakenPortIsSkipped() throws Exception {
        LoopbackMachine machine = machines.get(1);
        try (ServerSocket squatter = new ServerSocket(TestPorts.storagePortBase(), 1, InetAddress.getByName(machine.hostaddr()))) {
            Reply created = run(manager, createCluster("no_rep", 1, 1, 1, List.of(machine)));

            assertThat(created.result()).as(created.toString()).isEqualTo("done");
            int port = entries(query(manager, "get_storage", created.info())).get(0).get("port").asInt();
            assertThat(port).isNotEqualTo(squatter.getLocalPort());
            assertThat(deleteCluster(manager, created.info()).result()).isEqualTo("done");
        }
    }
}
