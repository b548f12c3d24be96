package io.kunlun.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.PausedProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.createCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.getStatus;
import static io.kunlun.testkit.cluster.ClusterFixture.listening;
import static io.kunlun.testkit.cluster.ClusterFixture.storageNodes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * create_cluster, its manager SIGKILLed after the run completed (its instances marked active)
 * and before the job was marked done.
 */
class ClusterCompletedKilledTest {
    @RegisterExtension
    LoopbackMachines loopback = LoopbackMachines.of("127.0.0.205");
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();

    /**
     * The shard's server is frozen once it is installed: the job installs and links the comp
     * and marks the cluster active without it, then waits on it to start the shard's binlog
     * archiver, the work that follows the run's completion. The manager dies there.
     */
    @Test
    void aManagerKilledAfterTheClusterWasMarkedActiveFindsTheJobDoneWhenItStartsAgain(@TempDir Path home)
            throws Exception {
        LoopbackMachine machine = loopback.take();
        ManagerProcess manager = ManagerProcess.start(home, processes);
        ClusterFixture.register(manager.client(), List.of(machine));
        ObjectNode create = createCluster("no_rep", 1, 1, 1, List.of(machine));
        String jobId = create.get("job_id").asText();
        manager.client().post(create.toString());
        ManagerKilledMidJob.awaitStep(manager, jobId, "installing 1 comps");

        try (PausedProcess shard = PausedProcess.storageServer(machine, TestPorts.storagePortBase())) {
            ManagerKilledMidJob.awaitStep(manager, jobId, "registered");
            ManagerKilledMidJob.killAndRestart(manager, shard::close);
        }

        Reply status = manager.client().post(getStatus(jobId));
        assertThat(status.result()).as(status.toString()).isEqualTo("done");
        String cluster = status.info();
        assertThat(cluster).startsWith("cluster_");
        List<JsonNode> nodes = storageNodes(manager.client(), cluster);
        assertThat(nodes).extracting(node -> node.get("status").asText()).containsExactly("active");
        assertThat(listening(nodes.get(0))).isTrue();
        assertThat(ClusterFixture.deleteCluster(manager.client(), cluster).result()).isEqualTo("done");
        manager.close();
    }
}
