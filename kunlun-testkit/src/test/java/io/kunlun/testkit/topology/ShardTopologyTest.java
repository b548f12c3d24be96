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
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.shardCount;
import static io.kunlun.testkit.cluster.ClusterFixture.shardNodes;
import static io.kunlun.testkit.topology.TopologyFixture.addShards;
import static io.kunlun.testkit.topology.TopologyFixture.assertDeleted;
import static io.kunlun.testkit.topology.TopologyFixture.comp;
import static io.kunlun.testkit.topology.TopologyFixture.deleteShard;
import static io.kunlun.testkit.topology.TopologyFixture.foreignServers;
import static io.kunlun.testkit.topology.TopologyFixture.insertThrough;
import static org.assertj.core.api.Assertions.assertThat;

/** add_shards and delete_shard through HTTP, with real MariaDB and PostgreSQL instances. */
class ShardTopologyTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.91", "127.0.0.93");
    static List<LoopbackMachine> machines;

    @BeforeAll
    static void registerMachines() {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
    }

    @Test
    void aShardAddedToANoRepClusterTakesWritesThroughTheComp() throws Exception {
        String cluster = createdCluster(manager.client(), "no_rep", 1, 1, 1, machines.subList(0, 1));

        Reply added = addShards(manager, cluster, 1, machines.subList(1, 2));

        assertThat(added.result()).as(added.toString()).isEqualTo("done");
        assertThat(added.info()).isEqualTo("shard2");
        assertThat(shardCount(manager.client(), cluster)).isEqualTo("2");
        JsonNode shard2 = primary(manager.client(), cluster, "shard2");
        assertThat(shard2.get("ip").asText()).isEqualTo(machines.get(1).hostaddr());
        assertThat(shard2.get("status").asText()).isEqualTo("active");
        createTable(shard2);
        insertThrough(comp(manager, cluster, "comp1"), "shard2", 7, "through comp1");
        assertThat(readOn(shard2, "SELECT v FROM app.t WHERE id = 7")).isEqualTo("through comp1");

        assertDeleted(manager, cluster);
    }

    @Test
    void shardNamesContinueFromTheHighestNumber() {
        String cluster = createdCluster(manager.client(), "no_rep", 1, 1, 1, machines.subList(0, 1));

        Reply first = addShards(manager, cluster, 1, machines.subList(0, 1));
        Reply second = addShards(manager, cluster, 2, machines.subList(0, 2));

        assertThat(first.info()).as(first.toString()).isEqualTo("shard2");
        assertThat(second.info()).as(second.toString()).isEqualTo("shard3;shard4");
        assertThat(entries(query(manager, "get_storage", cluster))).extracting(node -> node.get("shard").asText())
                .containsExactly("shard1", "shard2", "shard3", "shard4");
        assertDeleted(manager, cluster);
    }

    @Test
    void aShardAddedToAnRbrClusterHasItsNodesAndReplicates() throws Exception {
        String cluster = createdCluster(manager.client(), "rbr", 1, 2, 1, machines);

        Reply added = addShards(manager, cluster, 1, machines);

        assertThat(added.result()).as(added.toString()).isEqualTo("done");
        List<JsonNode> nodes = shardNodes(manager.client(), cluster, "shard2");
        assertThat(nodes).extracting(node -> node.get("role").asText()).containsExactly("primary", "replica");
        assertThat(nodes).extracting(node -> node.get("ip").asText()).doesNotHaveDuplicates();
        createTable(nodes.get(0));
        insertThrough(comp(manager, cluster, "comp1"), "shard2", 1, "replicated");
        assertThat(readEventually(nodes.get(1), "SELECT v FROM app.t WHERE id = 1")).isEqualTo("replicated");

        assertDeleted(manager, cluster);
    }

    @Test
    void aDeletedShardLeavesNoInstanceNoDirectoryAndNoForeignServer() throws Exception {
        String cluster = createdCluster(manager.client(), "no_rep", 2, 1, 2, machines.subList(0, 2));
        JsonNode shard2 = primary(manager.client(), cluster, "shard2");

        Reply deleted = deleteShard(manager, cluster, "shard2");

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(deleted.info()).isEqualTo("shard2");
        assertThat(entries(query(manager, "get_storage", cluster))).extracting(node -> node.get("shard").asText())
                .containsExactly("shard1");
        assertThat(shardCount(manager.client(), cluster)).isEqualTo("1");
        assertThat(listening(shard2)).isFalse();
        assertThat(instanceDirectories(machines, shard2)).isEmpty();
        for (String comp : List.of("comp1", "comp2")) {
            assertThat(foreignServers(comp(manager, cluster, comp))).as(comp).containsExactly("shard1");
        }
        JsonNode shard1 = primary(manager.client(), cluster, "shard1");
        createTable(shard1);
        insertThrough(comp(manager, cluster, "comp2"), "shard1", 1, "still served");
        assertThat(readOn(shard1, "SELECT v FROM app.t WHERE id = 1")).isEqualTo("still served");

        assertDeleted(manager, cluster);
    }
}
