package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.netns.NamespaceMachine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.networks.MachineNetwork.mariadb;
import static io.kunlun.testkit.networks.MachineNetwork.postgres;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * delete_node and delete_comp of the cluster's last instances on a machine (each machine in a
 * network namespace of its own, reached over SSH) let that machine out again: every remaining
 * instance refuses the cluster's accounts from there, shown by connections that leave from it,
 * and still lets them in from the cluster's own machine. A machine that keeps an instance of the
 * cluster stays let in.
 */
class LeavingMachineAccountsTest {
    static MachineNetwork network;
    static NamespaceMachine clusterMachine;
    static NamespaceMachine newMachine;
    static TestManager manager;

    @BeforeAll
    static void startManagerReachingTheMachinesOverSsh() {
        network = MachineNetwork.start(1);
        clusterMachine = network.machineAt(network.clusterMachines().get(0).hostaddr());
        newMachine = network.newMachine();
        manager = network.startManager(config -> config);
    }

    @AfterAll
    static void stopEverything() {
        if (network != null) {
            network.close();
        }
    }

    @Test
    void deletingTheNodeAndTheCompOnAMachineLetsItOutOfEveryRemainingInstance() throws Exception {
        String cluster = createCluster();
        assertDone(ClusterFixture.run(manager, onTheNewMachine(NetworkRequests.addNodes(cluster, "shard1", 1))));
        assertDone(ClusterFixture.run(manager, onTheNewMachine(NetworkRequests.addComps(cluster, 1))));
        JsonNode nodeOnTheNewMachine = storage(cluster).get(1);
        assertThat(nodeOnTheNewMachine.get("ip").asText()).isEqualTo(newMachine.address());

        assertDone(ClusterFixture.run(manager, deleteNode(cluster, nodeOnTheNewMachine)));
        assertDone(ClusterFixture.run(manager, NetworkRequests.deleteComp(cluster, "comp2")));

        List<JsonNode> nodes = storage(cluster);
        List<JsonNode> comps = comps(cluster);
        assertThat(nodes).hasSize(1)
                .allSatisfy(node -> assertThat(node.get("ip").asText()).isEqualTo(clusterMachine.address()));
        assertThat(comps).extracting(comp -> comp.get("name").asText()).containsExactly("comp1");
        for (JsonNode node : nodes) {
            assertRefusedFromTheNewMachine(node);
            assertThat(mariadb(clusterMachine, node, "SELECT CURRENT_USER()")).as(node.toString())
                    .isEqualTo("kunlun_admin@" + clusterMachine.address() + "/255.255.255.255");
        }
        assertCompRefusesTheNewMachine(comps.get(0));
        assertThat(postgres(clusterMachine, comps.get(0), "SELECT current_user")).isEqualTo("kunlun_admin");
        assertDone(ClusterFixture.deleteCluster(manager, cluster));
    }

    @Test
    void deletingOneOfTwoCompsOnAMachineKeepsItLetInByEveryRemainingInstance() throws Exception {
        String cluster = createCluster();
        assertDone(ClusterFixture.run(manager, onTheNewMachine(NetworkRequests.addComps(cluster, 2))));

        assertDone(ClusterFixture.run(manager, NetworkRequests.deleteComp(cluster, "comp2")));

        List<JsonNode> comps = comps(cluster);
        assertThat(comps).extracting(comp -> comp.get("name").asText() + " " + comp.get("ip").asText())
                .containsExactly("comp1 " + clusterMachine.address(), "comp3 " + newMachine.address());
        for (JsonNode node : storage(cluster)) {
            assertThat(mariadb(newMachine, node, "SELECT CURRENT_USER()")).as(node.toString())
                    .isEqualTo("kunlun_admin@" + newMachine.address() + "/255.255.255.255");
        }
        for (JsonNode comp : comps) {
            assertThat(postgres(newMachine, comp, "SELECT current_user || ' from ' || host(inet_client_addr())"))
                    .as(comp.toString()).isEqualTo("kunlun_admin from " + newMachine.address());
        }
        assertDone(ClusterFixture.deleteCluster(manager, cluster));
    }

    @Test
    void aStoppedInstanceRefusesTheDeletionBeforeAnythingIsRevokedOrRemovedAndOnceStartedTheJobFinishes()
            throws Exception {
        String cluster = createCluster();
        assertDone(ClusterFixture.run(manager, onTheNewMachine(NetworkRequests.addComps(cluster, 1))));
        JsonNode node = storage(cluster).get(0);
        JsonNode comp1 = comps(cluster).get(0);
        assertDone(ClusterFixture.control(manager, node, "stop"));

        Reply refused = ClusterFixture.run(manager, NetworkRequests.deleteComp(cluster, "comp2"));

        assertThat(refused.result()).as(refused.toString()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 node " + node.get("ip").asText() + ":" + node.get("port").asText()
                + " is not running, so it would go on letting the cluster's accounts in from " + newMachine.address()
                + "/32; start it, then run the job again");
        assertThat(comps(cluster)).extracting(comp -> comp.get("name").asText()).containsExactly("comp1", "comp2");
        assertThat(postgres(newMachine, comp1, "SELECT current_user")).isEqualTo("kunlun_admin");
        assertDone(ClusterFixture.control(manager, node, "start"));
        assertDone(ClusterFixture.run(manager, NetworkRequests.deleteComp(cluster, "comp2")));
        assertRefusedFromTheNewMachine(node);
        assertCompRefusesTheNewMachine(comp1);
        assertDone(ClusterFixture.deleteCluster(manager, cluster));
    }

    /** An rbr cluster of one shard with one node and one comp on the cluster's machine. */
    private static String createCluster() {
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("rbr", 1, 1, 1,
                network.clusterMachines()));
        assertDone(created);
        return created.info();
    }

    private static void assertRefusedFromTheNewMachine(JsonNode node) {
        assertThatThrownBy(() -> mariadb(newMachine, node, "SELECT 1")).as(node.toString()).hasMessage(
                "ERROR 1130 (HY000): Host '" + newMachine.address() + "' is not allowed to connect to this MariaDB server");
    }

    private static void assertCompRefusesTheNewMachine(JsonNode comp) {
        assertThatThrownBy(() -> postgres(newMachine, comp, "SELECT 1")).as(comp.toString()).hasMessageContaining(
                "no pg_hba.conf entry for host \"" + newMachine.address() + "\", user \"kunlun_admin\"");
    }

    private static void assertDone(Reply reply) {
        assertThat(reply.result()).as(reply.toString()).isEqualTo("done");
    }

    private static List<JsonNode> storage(String cluster) {
        return entries(query(manager, "get_storage", cluster));
    }

    private static List<JsonNode> comps(String cluster) {
        return entries(query(manager, "get_computer", cluster));
    }

    private static ObjectNode onTheNewMachine(ObjectNode request) {
        return NetworkRequests.onMachine(request, newMachine.address());
    }

    private static ObjectNode deleteNode(String cluster, JsonNode node) {
        return NetworkRequests.deleteNode(cluster, "shard1", node.get("ip").asText(), node.get("port").asText());
    }
}
