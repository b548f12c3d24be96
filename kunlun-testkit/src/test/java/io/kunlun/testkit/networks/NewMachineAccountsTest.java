package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * add_nodes and add_comps onto a machine the cluster never used (this machine's non-loopback
 * address, reached over SSH): afterwards every instance of the cluster, old and new, lets the
 * cluster's accounts in from that machine, shown by connections that leave from it.
 */
class NewMachineAccountsTest {
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.120", "127.0.0.121");
    static OutsideMachine outside;
    static TestManager manager;

    @BeforeAll
    static void startManagerReachingTheOutsideMachineOverSsh() {
        outside = OutsideMachine.start();
        manager = outside.startManager(config -> config);
    }

    @AfterAll
    static void stopEverything() {
        if (outside != null) {
            outside.close();
        }
    }

    @Test
    void nodesAndCompsOnANewMachineAreLetInByEveryInstanceAndTheNewCompWritesToTheShard() throws Exception {
        List<LoopbackMachine> machines = List.of(loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("rbr", 1, 2, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode primary = storage(cluster).get(0);
        assertThatThrownBy(() -> outside.mariadb(primary).close())
                .hasMessage("Host '" + outside.address() + "' is not allowed to connect to this MariaDB server");
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(40))");
        }

        Reply nodeAdded = ClusterFixture.run(manager, onTheOutsideMachine(NetworkRequests.addNodes(cluster, "shard1", 1)));
        Reply compAdded = ClusterFixture.run(manager, onTheOutsideMachine(NetworkRequests.addComps(cluster, 1)));

        assertThat(nodeAdded.result()).as(nodeAdded.toString()).isEqualTo("done");
        assertThat(compAdded.result()).as(compAdded.toString()).isEqualTo("done");
        List<JsonNode> nodes = storage(cluster);
        List<JsonNode> comps = entries(query(manager, "get_computer", cluster));
        assertThat(nodes).extracting(node -> node.get("ip").asText() + " " + node.get("role").asText())
                .containsExactly(machines.get(0).hostaddr() + " primary", machines.get(1).hostaddr() + " replica",
                        outside.address() + " replica");
        assertThat(comps).extracting(comp -> comp.get("name").asText() + " " + comp.get("ip").asText())
                .containsExactly("comp1 " + machines.get(0).hostaddr(), "comp2 " + outside.address());
        for (JsonNode node : nodes) {
            try (Connection sql = outside.mariadb(node); Statement statement = sql.createStatement()) {
                assertThat(single(statement, "SELECT CURRENT_USER()")).as(node.toString())
                        .isEqualTo("kunlun_admin@" + outside.address() + "/255.255.255.255");
            }
        }
        for (JsonNode comp : comps) {
            try (Connection sql = outside.postgres(comp); Statement statement = sql.createStatement()) {
                assertThat(single(statement, "SELECT current_user || ' from ' || host(inet_client_addr())"))
                        .as(comp.toString()).isEqualTo("kunlun_admin from " + outside.address());
            }
        }
        JsonNode newComp = comps.get(1);
        try (Connection sql = outside.postgres(newComp); Statement statement = sql.createStatement()) {
            statement.execute("CREATE FOREIGN TABLE t_shard1 (id int, v text) SERVER shard1"
                    + " OPTIONS (dbname 'app', table_name 't')");
        }
        try (Connection sql = outside.postgres(newComp);
             PreparedStatement insert = sql.prepareStatement("INSERT INTO t_shard1 VALUES (?, ?)")) {
            insert.setInt(1, 7);
            insert.setString(2, "through comp2");
            assertThat(insert.executeUpdate()).isEqualTo(1);
        }
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            assertThat(single(statement, "SELECT v FROM app.t WHERE id = 7")).isEqualTo("through comp2");
        }
        assertThat(NetworkRequests.eventually(() -> {
            try (Connection sql = outside.mariadb(nodes.get(2)); Statement statement = sql.createStatement()) {
                return single(statement, "SELECT COUNT(*) FROM app.t WHERE v = 'through comp2'");
            }
        }, "1")).as("the row on the seeded node").isEqualTo("1");

        assertThat(ClusterFixture.deleteCluster(manager, cluster).result()).isEqualTo("done");
    }

    private List<JsonNode> storage(String cluster) {
        return entries(query(manager, "get_storage", cluster));
    }

    private static ObjectNode onTheOutsideMachine(ObjectNode request) {
        return NetworkRequests.onMachine(request, outside.address());
    }

    static String single(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).as("a row from " + sql).isTrue();
            return rows.getString(1);
        }
    }
}
