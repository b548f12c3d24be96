package io.kunlun.testkit.topology;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.createTable;
import static io.kunlun.testkit.cluster.ClusterFixture.createdCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.instanceDirectories;
import static io.kunlun.testkit.cluster.ClusterFixture.listening;
import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.topology.TopologyFixture.addComps;
import static io.kunlun.testkit.topology.TopologyFixture.assertDeleted;
import static io.kunlun.testkit.topology.TopologyFixture.comp;
import static io.kunlun.testkit.topology.TopologyFixture.deleteComp;
import static io.kunlun.testkit.topology.TopologyFixture.foreignServers;
import static io.kunlun.testkit.topology.TopologyFixture.insertThrough;
import static org.assertj.core.api.Assertions.assertThat;

/** add_comps and delete_comp through HTTP, with real MariaDB and PostgreSQL instances. */
class CompTopologyTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.91", "127.0.0.92");
    static List<LoopbackMachine> machines;

    @BeforeAll
    static void registerMachines() {
        machines = List.of(loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
    }

    @Test
    void addedCompsAreNamedOnAndReachEveryShard() throws Exception {
        String cluster = createdCluster(manager.client(), "no_rep", 2, 1, 1, machines);
        createTable(primary(manager.client(), cluster, "shard1"));
        createTable(primary(manager.client(), cluster, "shard2"));

        Reply added = addComps(manager, cluster, 2, machines.subList(1, 2));

        assertThat(added.result()).as(added.toString()).isEqualTo("done");
        assertThat(added.info()).isEqualTo("comp2;comp3");
        List<JsonNode> comps = entries(query(manager, "get_computer", cluster));
        assertThat(comps).extracting(comp -> comp.get("name").asText()).containsExactly("comp1", "comp2", "comp3");
        assertThat(comps.subList(1, 3)).extracting(comp -> comp.get("ip").asText())
                .containsOnly(machines.get(1).hostaddr());
        for (String name : List.of("comp2", "comp3")) {
            JsonNode comp = comp(manager, cluster, name);
            assertThat(foreignServers(comp)).as(name).containsExactly("shard1", "shard2");
            int id = Integer.parseInt(name.substring(4));
            insertThrough(comp, "shard1", id, "from " + name);
            insertThrough(comp, "shard2", id, "from " + name);
        }
        for (String shard : List.of("shard1", "shard2")) {
            assertThat(readOn(primary(manager.client(), cluster, shard), "SELECT GROUP_CONCAT(v ORDER BY id) FROM app.t"))
                    .as(shard).isEqualTo("from comp2,from comp3");
        }

        assertDeleted(manager, cluster);
    }

    @Test
    void aDeletedCompLeavesNoInstanceAndNoDirectory() throws Exception {
        String cluster = createdCluster(manager.client(), "no_rep", 1, 1, 2, machines);
        JsonNode comp2 = comp(manager, cluster, "comp2");

        Reply deleted = deleteComp(manager, cluster, "comp2");

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(deleted.info()).isEqualTo("comp2");
        assertThat(entries(query(manager, "get_computer", cluster))).extracting(comp -> comp.get("name").asText())
                .containsExactly("comp1");
        assertThat(listening(comp2)).isFalse();
        assertThat(instanceDirectories(machines, comp2)).isEmpty();
        assertThat(listening(comp(manager, cluster, "comp1"))).isTrue();

        Reply added = addComps(manager, cluster, 1, machines);
        assertThat(added.info()).as("names continue from the highest comp left").isEqualTo("comp2");
        assertDeleted(manager, cluster);
    }
}
