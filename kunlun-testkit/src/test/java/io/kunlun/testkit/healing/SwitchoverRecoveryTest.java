package io.kunlun.testkit.healing;

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
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static org.assertj.core.api.Assertions.assertThat;

/** switchover on an rbr 1×2 cluster, its manager SIGKILLed in the middle (machines shared with PrimaryReplacementTest). */
class SwitchoverRecoveryTest {
    @RegisterExtension
    LoopbackMachines loopback = LoopbackMachines.of("127.0.0.195", "127.0.0.196");
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();

    /**
     * The comp is frozen, so the job waits where it re-points the comp: the replica is promoted
     * but the metadata still names the old primary. The job started again keeps the promoted
     * replica, records the roles and makes the old primary its replica.
     */
    @Test
    void aManagerKilledAfterThePromotionFinishesTheSwitchoverWhenItStartsAgain(@TempDir Path home) throws Exception {
        List<LoopbackMachine> machines = List.of(loopback.take(), loopback.take());
        ManagerProcess manager = ManagerProcess.start(home, processes, "--expose-credentials");
        String cluster = HealingRequests.createClusterWithTable(manager.client(), machines, 2);
        JsonNode oldPrimary = ClusterFixture.primary(manager.client(), cluster, "shard1");
        JsonNode comp = ClusterFixture.comps(manager.client(), cluster).get(0);
        HealingRequests.insertThroughComp(comp, 1, "before");
        var switchover = HealingRequests.switchover(cluster, "shard1");
        String jobId = switchover.get("job_id").asText();
        String switching = "switching shard1 over from " + address(oldPrimary) + ": re-pointing the comps to ";

        String promoted;
        try (PausedProcess pausedComp = PausedProcess.compServer(ClusterFixture.machineOf(machines, comp),
                comp.get("port").asInt())) {
            manager.client().post(switchover.toString());
            promoted = ManagerKilledMidJob.awaitStep(manager, jobId, switching).substring(switching.length());
            ManagerKilledMidJob.killAndRestart(manager, pausedComp::close);
        }

        Reply switched = manager.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
        assertThat(switched.result()).as(switched.toString()).isEqualTo("done");
        assertThat(switched.info()).isEqualTo(promoted + " is the primary of shard1");
        assertThat(switched.text("step")).hasValue("switched over (resumed after a manager restart)");
        JsonNode newPrimary = ClusterFixture.primary(manager.client(), cluster, "shard1");
        assertThat(address(newPrimary)).isEqualTo(promoted);
        assertThat(readOn(newPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
        assertThat(readOn(oldPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        HealingRequests.insertThroughComp(comp, 2, "after");
        assertThat(readOn(newPrimary, "SELECT group_concat(v ORDER BY id) FROM app.t")).isEqualTo("before,after");
        assertThat(readEventually(oldPrimary, "SELECT v FROM app.t WHERE id = 2")).isEqualTo("after");
        HealingRequests.deleteCluster(manager.client(), cluster);
        manager.close();
    }
}
