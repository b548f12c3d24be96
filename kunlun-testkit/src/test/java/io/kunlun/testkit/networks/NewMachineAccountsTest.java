package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
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
 * add_nodes and add_comps onto a machine the cluster never used (each machine in a network
 * namespace of its own, reached over SSH): afterwards every instance of the cluster, old and new,
 * lets the cluster's accounts in from that machine, shown by connections that leave from it.
 */
class NewMachineAccountsTest {
    static MachineNetwork network;
    static NamespaceMachine newMachine;
    static TestManager manager;

    @BeforeAll
    static void startManagerReachingTheMachinesOverSsh() {
        network = MachineNetwork.start(2);
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
    void nodesAndCompsOnANewMachineAreLetInByEveryInstanceAndTheNewCompWritesToTheShard() throws Exception {
        List<LoopbackMachine> machines = network.clusterMachines();
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("rbr", 1, 2, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode primary = storage(cluster).get(0);
        NamespaceMachine primaryMachine = network.machineAt(primary.get("ip").asText());
        assertThatThrownBy(() -> mariadb(newMachine, primary, "SELECT 1")).hasMessage("ERROR 1130 (HY000): Host '"
                + newMachine.address() + "' is not allowed to connect to this MariaDB server");
        mariadb(primaryMachine, primary, "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(40))");

        Reply nodeAdded = ClusterFixture.run(manager, onTheNewMachine(NetworkRequests.addNodes(cluster, "shard1", 1)));
        Reply compAdded = ClusterFixture.run(manager, onTheNewMachine(NetworkRequests.addComps(cluster, 1)));

        assertThat(nodeAdded.result()).as(nodeAdded.toString()).isEqualTo("done");
        assertThat(compAdded.result()).as(compAdded.toString()).isEqualTo("done");
        List<JsonNode> nodes = storage(cluster);
        List<JsonNode> comps = entries(query(manager, "get_computer", cluster));
        assertThat(nodes).extracting(node -> node.get("ip").asText() + " " + node.get("role").asText())
                .containsExactly(machines.get(0).hostaddr() + " primary", machines.get(1).hostaddr() + " replica",
                        newMachine.address() + " replica");
        assertThat(comps).extracting(comp -> comp.get("name").asText() + " " + comp.get("ip").asText())
                .containsExactly("comp1 " + machines.get(0).hostaddr(), "comp2 " + newMachine.address());
        for (JsonNode node : nodes) {
            assertThat(mariadb(newMachine, node, "SELECT CURRENT_USER()")).as(node.toString())
                    .isEqualTo("kunlun_admin@" + newMachine.address() + "/255.255.255.255");
        }
        for (JsonNode comp : comps) {
            assertThat(postgres(newMachine, comp, "SELECT current_user || ' from ' || host(inet_client_addr())"))
                    .as(comp.toString()).isEqualTo("kunlun_admin from " + newMachine.address());
        }
        JsonNode newComp = comps.get(1);
        assertThat(postgres(newMachine, newComp,
                "CREATE FOREIGN TABLE t_shard1 (id int, v text) SERVER shard1 OPTIONS (dbname 'app', table_name 't')",
                "INSERT INTO t_shard1 VALUES (7, 'through comp2')")).isEqualTo("INSERT 0 1");
        assertThat(mariadb(primaryMachine, primary, "SELECT v FROM app.t WHERE id = 7")).isEqualTo("through comp2");
        assertThat(NetworkRequests.eventually(() -> mariadb(newMachine, nodes.get(2),
                "SELECT COUNT(*) FROM app.t WHERE v = 'through comp2'"), "1")).as("the row on the seeded node")
                .isEqualTo("1");

        assertThat(ClusterFixture.deleteCluster(manager, cluster).result()).isEqualTo("done");
    }

    private List<JsonNode> storage(String cluster) {
        return entries(query(manager, "get_storage", cluster));
    }

    private static ObjectNode onTheNewMachine(ObjectNode request) {
        return NetworkRequests.onMachine(request, newMachine.address());
    }
}
