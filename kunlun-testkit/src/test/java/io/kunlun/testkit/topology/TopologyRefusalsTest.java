package io.kunlun.testkit.topology;

import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.createdCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.topology.TopologyFixture.addShardsOn;
import static io.kunlun.testkit.topology.TopologyFixture.deleteComp;
import static io.kunlun.testkit.topology.TopologyFixture.deleteShard;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the topology jobs refuse, on a cluster of one shard and one comp: each refusal names why
 * and changes nothing.
 */
class TopologyRefusalsTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.95", "127.0.0.95");
    static String cluster;
    static String storageBefore;
    static String computeBefore;

    @BeforeAll
    static void createCluster() {
        LoopbackMachine machine = loopback.take();
        ClusterFixture.register(manager, List.of(machine));
        cluster = createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(machine));
        storageBefore = query(manager, "get_storage", cluster).toString();
        computeBefore = query(manager, "get_computer", cluster).toString();
    }

    @AfterEach
    void clusterIsUnchanged() {
        assertThat(query(manager, "get_storage", cluster).toString()).isEqualTo(storageBefore);
        assertThat(query(manager, "get_computer", cluster).toString()).isEqualTo(computeBefore);
    }

    @AfterAll
    static void deleteCluster() {
        assertThat(ClusterFixture.deleteCluster(manager, cluster).result()).isEqualTo("done");
    }

    @Test
    void theLastShardIsNotDeleted() {
        Reply refused = deleteShard(manager, cluster, "shard1");

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("cluster " + cluster + " has only one shard, shard1; delete the cluster instead");
    }

    @Test
    void anUnknownShardIsNamed() {
        Reply refused = deleteShard(manager, cluster, "shard9");

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("cluster " + cluster + " has no shard named shard9");
    }

    @Test
    void theLastCompIsNotDeleted() {
        Reply refused = deleteComp(manager, cluster, "comp1");

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("cluster " + cluster + " has only one comp, comp1; delete the cluster instead");
    }

    @Test
    void anUnknownCompIsNamed() {
        Reply refused = deleteComp(manager, cluster, "comp7");

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("cluster " + cluster + " has no comp named comp7");
    }

    @Test
    void anUnknownClusterIsNamed() {
        Reply refused = deleteShard(manager, "no_such_cluster", "shard1");

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("no cluster named no_such_cluster");
    }

    @Test
    void shardsOnAnUnregisteredMachineAreRefusedBeforeAnythingIsCreated() {
        Reply refused = addShardsOn(manager, cluster, 1, List.of("127.0.0.94"));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("machinelist names 127.0.0.94, which is not a registered machine");
        assertThat(ClusterFixture.shardCount(manager.client(), cluster)).isEqualTo("1");
    }
}
