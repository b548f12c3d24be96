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
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * delete_node and delete_comp of the cluster's last instances on a machine (this machine's
 * non-loopback address, reached over SSH) let that machine out again: every remaining instance
 * refuses the cluster's accounts from there, shown by connections that leave from it, and still
 * lets them in from loopback. A machine that keeps an instance of the cluster stays let in.
 */
class LeavingMachineAccountsTest {
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.124", "127.0.0.126");
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
    void deletingTheNodeAndTheCompOnAMachineLetsItOutOfEveryRemainingInstance() throws Exception {
        String cluster = createCluster();
        assertDone(ClusterFixture.run(manager, onTheOutsideMachine(NetworkRequests.addNodes(cluster, "shard1", 1))));
        assertDone(ClusterFixture.run(manager, onTheOutsideMachine(NetworkRequests.addComps(cluster, 1))));
        JsonNode outsideNode = storage(cluster).get(1);
        assertThat(outsideNode.get("ip").asText()).isEqualTo(outside.address());

        assertDone(ClusterFixture.run(manager, deleteNode(cluster, outsideNode)));
        assertDone(ClusterFixture.run(manager, deleteComp(cluster, "comp2")));

        List<JsonNode> nodes = storage(cluster);
        List<JsonNode> comps = comps(cluster);
        assertThat(nodes).hasSize(1).allSatisfy(node -> assertThat(node.get("ip").asText()).startsWith("127."));
        assertThat(comps).extracting(comp -> comp.get("name").asText()).containsExactly("comp1");
        for (JsonNode node : nodes) {
            assertRefusedFromOutside(node);
            try (Connection sql = ClusterFixture.mariadb(node)) {
                assertThat(single(sql, "SELECT CURRENT_USER()")).as(node.toString()).isEqualTo("kunlun_admin@127.%");
            }
        }
        assertCompRefusesTheOutside(comps.get(0));
        try (Connection sql = ClusterFixture.postgres(comps.get(0))) {
            assertThat(single(sql, "SELECT current_user")).isEqualTo("kunlun_admin");
        }
        assertDone(ClusterFixture.deleteCluster(manager, cluster));
    }

    @Test
    void deletingOneOfTwoCompsOnAMachineKeepsItLetInByEveryRemainingInstance() throws Exception {
        String cluster = createCluster();
        assertDone(ClusterFixture.run(manager, onTheOutsideMachine(NetworkRequests.addComps(cluster, 2))));

        assertDone(ClusterFixture.run(manager, deleteComp(cluster, "comp2")));

        List<JsonNode> comps = comps(cluster);
        assertThat(comps).extracting(comp -> comp.get("name").asText() + " " + comp.get("ip").asText())
                .containsExactly("comp1 " + loopbackAddressOf(comps.get(0)), "comp3 " + outside.address());
        for (JsonNode node : storage(cluster)) {
            try (Connection sql = outside.mariadb(node)) {
                assertThat(single(sql, "SELECT CURRENT_USER()")).as(node.toString())
                        .isEqualTo("kunlun_admin@" + outside.address() + "/255.255.255.255");
            }
        }
        for (JsonNode comp : comps) {
            try (Connection sql = outside.postgres(comp)) {
                assertThat(single(sql, "SELECT current_user || ' from ' || host(inet_client_addr())"))
                        .as(comp.toString()).isEqualTo("kunlun_admin from " + outside.address());
            }
        }
        assertDone(ClusterFixture.deleteCluster(manager, cluster));
    }

    @Test
    void aStoppedInstanceRefusesTheDeletionBeforeAnythingIsRevokedOrRemovedAndOnceStartedTheJobFinishes()
            throws Exception {
        String cluster = createCluster();
        assertDone(ClusterFixture.run(manager, onTheOutsideMachine(NetworkRequests.addComps(cluster, 1))));
        JsonNode node = storage(cluster).get(0);
        JsonNode comp1 = comps(cluster).get(0);
        assertDone(ClusterFixture.control(manager, node, "stop"));

        Reply refused = ClusterFixture.run(manager, deleteComp(cluster, "comp2"));

        assertThat(refused.result()).as(refused.toString()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 node " + node.get("ip").asText() + ":" + node.get("port").asText()
                + " is not running, so it would go on letting the cluster's accounts in from " + outside.address()
                + "/32; start it, then run the job again");
        assertThat(comps(cluster)).extracting(comp -> comp.get("name").asText()).containsExactly("comp1", "comp2");
        try (Connection sql = outside.postgres(comp1)) {
            assertThat(single(sql, "SELECT current_user")).isEqualTo("kunlun_admin");
        }
        assertDone(ClusterFixture.control(manager, node, "start"));
        assertDone(ClusterFixture.run(manager, deleteComp(cluster, "comp2")));
        assertRefusedFromOutside(node);
        assertCompRefusesTheOutside(comp1);
        assertDone(ClusterFixture.deleteCluster(manager, cluster));
    }

    /** An rbr cluster of one shard with one node and one comp on a loopback machine. */
    private static String createCluster() {
        List<LoopbackMachine> machines = List.of(loopback.take());
        ClusterFixture.register(manager, machines);
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("rbr", 1, 1, 1, machines));
        assertDone(created);
        return created.info();
    }

    private static void assertRefusedFromOutside(JsonNode node) {
        assertThatThrownBy(() -> outside.mariadb(node).close()).as(node.toString())
                .hasMessage("Host '" + outside.address() + "' is not allowed to connect to this MariaDB server");
    }

    private static void assertCompRefusesTheOutside(JsonNode comp) {
        assertThatThrownBy(() -> outside.postgres(comp).close()).as(comp.toString()).hasMessageContaining(
                "no pg_hba.conf entry for host \"" + outside.address() + "\", user \"kunlun_admin\"");
    }

    private static void assertDone(Reply reply) {
        assertThat(reply.result()).as(reply.toString()).isEqualTo("done");
    }

    private static String loopbackAddressOf(JsonNode instance) {
        assertThat(instance.get("ip").asText()).startsWith("127.");
        return instance.get("ip").asText();
    }

    private static List<JsonNode> storage(String cluster) {
        return entries(query(manager, "get_storage", cluster));
    }

    private static List<JsonNode> comps(String cluster) {
        return entries(query(manager, "get_computer", cluster));
    }

    private static ObjectNode onTheOutsideMachine(ObjectNode request) {
        return NetworkRequests.onMachine(request, outside.address());
    }

    private static ObjectNode deleteNode(String cluster, JsonNode node) {
        return NetworkRequests.deleteNode(cluster, "shard1", node.get("ip").asText(), node.get("port").asText());
    }

    private static ObjectNode deleteComp(String cluster, String comp) {
        return NetworkRequests.deleteComp(cluster, comp);
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            return NewMachineAccountsTest.single(statement, sql);
        }
    }
}
