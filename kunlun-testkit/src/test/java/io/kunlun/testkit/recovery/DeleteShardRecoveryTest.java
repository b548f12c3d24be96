package io.kunlun.testkit.recovery;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.PausedProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.comps;
import static io.kunlun.testkit.cluster.ClusterFixture.instanceDirectories;
import static io.kunlun.testkit.cluster.ClusterFixture.job;
import static io.kunlun.testkit.cluster.ClusterFixture.listening;
import static io.kunlun.testkit.cluster.ClusterFixture.machineOf;
import static io.kunlun.testkit.cluster.ClusterFixture.shardCount;
import static io.kunlun.testkit.cluster.ClusterFixture.shardNodes;
import static io.kunlun.testkit.cluster.ClusterFixture.storageNodes;
import static io.kunlun.testkit.topology.TopologyFixture.foreignServers;
import static org.assertj.core.api.Assertions.assertThat;

/** delete_shard, its manager SIGKILLed while it removes the shard's instances. */
class DeleteShardRecoveryTest {
    @RegisterExtension
    LoopbackMachines loopback = LoopbackMachines.range("127.0.0.113", "127.0.0.115");
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();

    /**
     * One node of the shard is frozen, so the job waits on its shutdown after the other node
     * was removed and forgotten: the shard is half removed when the manager dies.
     */
    @Test
    void aManagerKilledMidRemovalFinishesTheDeletionWhenItStartsAgain(@TempDir Path home) throws Exception {
        List<LoopbackMachine> machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ManagerProcess manager = ManagerProcess.start(home, processes, "--expose-credentials");
        ClusterFixture.register(manager.client(), machines);
        String cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 2, 2, 2, machines);
        List<JsonNode> shard2 = shardNodes(manager.client(), cluster, "shard2");
        assertThat(shard2).hasSize(2);
        JsonNode pausedNode = shard2.get(0);
        JsonNode removedFirst = shard2.get(1);
        var deleteShard = job("delete_shard", cluster).put("shard_name", "shard2");
        String jobId = deleteShard.get("job_id").asText();

        try (PausedProcess paused = PausedProcess.storageServer(machineOf(machines, pausedNode),
                pausedNode.get("port").asInt())) {
            manager.client().post(deleteShard.toString());
            ManagerKilledMidJob.awaitStep(manager, jobId, "removed " + address(removedFirst));
            ManagerKilledMidJob.killAndRestart(manager, paused::close);
        }

        Reply deleted = manager.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(deleted.info()).isEqualTo("shard2");
        assertThat(deleted.text("step")).hasValue("done (resumed after a manager restart)");
        assertThat(storageNodes(manager.client(), cluster)).extracting(node -> node.get("shard").asText())
                .containsExactly("shard1", "shard1");
        assertThat(shardCount(manager.client(), cluster)).isEqualTo("1");
        for (JsonNode node : shard2) {
            assertThat(listening(node)).as(address(node)).isFalse();
            assertThat(instanceDirectories(machines, node)).as(address(node)).isEmpty();
        }
        for (JsonNode comp : comps(manager.client(), cluster)) {
            assertThat(foreignServers(comp)).as(comp.get("name").asText()).containsExactly("shard1");
        }
        Reply clusterDeleted = ClusterFixture.deleteCluster(manager.client(), cluster);
        assertThat(clusterDeleted.result()).as(clusterDeleted.toString()).isEqualTo("done");
        manager.close();
    }
}
