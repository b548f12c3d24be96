package io.kunlun.testkit.recovery;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.recovery.MidJobKill.Frozen;
import io.kunlun.testkit.topology.TopologyFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.kunlun.testkit.recovery.MidJobKill.address;
import static io.kunlun.testkit.recovery.MidJobKill.awaitStep;
import static io.kunlun.testkit.recovery.MidJobKill.job;
import static io.kunlun.testkit.recovery.MidJobKill.killAndRestart;
import static io.kunlun.testkit.recovery.MidJobKill.machine;
import static io.kunlun.testkit.recovery.MidJobKill.query;
import static io.kunlun.testkit.recovery.MidJobKill.run;
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
        MidJobKill.register(manager, machines);
        Reply created = run(manager, ClusterFixture.createCluster("rbr", 2, 2, 2, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        List<JsonNode> shard2 = query(manager, "get_storage", cluster).stream()
                .filter(node -> node.get("shard").asText().equals("shard2")).toList();
        assertThat(shard2).hasSize(2);
        JsonNode frozenNode = shard2.get(0);
        JsonNode removedFirst = shard2.get(1);
        var deleteShard = job("delete_shard", cluster).put("shard_name", "shard2");
        String jobId = deleteShard.get("job_id").asText();

        try (Frozen frozen = Frozen.storage(machine(machines, frozenNode), frozenNode)) {
            manager.client().post(deleteShard.toString());
            awaitStep(manager, jobId, "removed " + address(removedFirst));
            killAndRestart(manager, frozen);
        }

        Reply deleted = manager.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(deleted.info()).isEqualTo("shard2");
        assertThat(deleted.text("step")).hasValue("done (resumed after a manager restart)");
        assertThat(query(manager, "get_storage", cluster)).extracting(node -> node.get("shard").asText())
                .containsExactly("shard1", "shard1");
        assertThat(shardCount(manager, cluster)).isEqualTo("1");
        for (JsonNode node : shard2) {
            assertThat(TopologyFixture.listening(node)).as(address(node)).isFalse();
            assertThat(TopologyFixture.instanceDirectories(machine(machines, node), node)).as(address(node)).isEmpty();
        }
        for (JsonNode comp : query(manager, "get_computer", cluster)) {
            assertThat(TopologyFixture.foreignServers(comp)).as(comp.get("name").asText()).containsExactly("shard1");
        }
        Reply clusterDeleted = run(manager, job("delete_cluster", cluster));
        assertThat(clusterDeleted.result()).as(clusterDeleted.toString()).isEqualTo("done");
        manager.close();
    }

    private static String shardCount(ManagerProcess manager, String cluster) {
        return ClusterFixture.entries(manager.client().post("{\"job_type\":\"get_cluster\"}").json()).stream()
                .filter(entry -> entry.get("name").asText().equals(cluster)).findFirst().orElseThrow()
                .get("shards").asText();
    }
}
