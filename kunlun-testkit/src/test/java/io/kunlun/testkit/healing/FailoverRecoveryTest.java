package io.kunlun.testkit.healing;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.PausedProcess;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.healing.HealingRequests.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

/** An automatic rbr failover on an rbr 1×2 cluster, its manager SIGKILLed in the middle. */
class FailoverRecoveryTest {
    private static final Duration WITHIN = Duration.ofSeconds(90);

    @RegisterExtension
    LoopbackMachines loopback = LoopbackMachines.of("127.0.0.125", "127.0.0.126");
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();

    /**
     * The comp is frozen, so the failover waits where it re-points the comp: the replica is
     * promoted, but the metadata still names the dead primary, whose configuration still makes it
     * start writable. The manager started again fails over once more, keeping the promoted replica,
     * and the old primary, fenced, comes back read-only as its replica.
     */
    @Test
    void aManagerKilledAfterThePromotionLeavesTheShardWithExactlyOneWritablePrimaryWhenItStartsAgain(
            @TempDir Path home) throws Exception {
        List<LoopbackMachine> machines = List.of(loopback.take(), loopback.take());
        Path config = Files.writeString(home.resolve("manager.json"), "{\"health_interval_seconds\":1}");
        ManagerProcess manager = ManagerProcess.start(home.resolve("home"), processes, "--expose-credentials",
                "--config", config.toString());
        String cluster = HealingRequests.createClusterWithTable(manager.client(), machines, 2);
        JsonNode oldPrimary = ClusterFixture.primary(manager.client(), cluster, "shard1");
        JsonNode replica = ClusterFixture.shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(node -> !address(node).equals(address(oldPrimary))).findFirst().orElseThrow();
        JsonNode comp = ClusterFixture.comps(manager.client(), cluster).get(0);
        HealingRequests.insertThroughComp(comp, 1, "before");

        try (PausedProcess pausedComp = PausedProcess.compServer(ClusterFixture.machineOf(machines, comp),
                comp.get("port").asInt())) {
            HealingRequests.kill(machines, oldPrimary, true);
            awaitWritable(replica);
            ManagerKilledMidJob.killAndRestart(manager, pausedComp::close);
        }

        JsonNode back = awaitStatus(() -> node(manager, cluster, oldPrimary), "active", WITHIN);
        assertThat(back.get("role").asText()).isEqualTo("replica");
        List<JsonNode> nodes = ClusterFixture.shardNodes(manager.client(), cluster, "shard1");
        assertThat(nodes.stream().filter(node -> node.get("role").asText().equals("primary")).map(ClusterFixture::address))
                .containsExactly(address(replica));
        assertThat(readOn(replica, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
        assertThat(readOn(oldPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        HealingRequests.insertThroughComp(comp, 2, "after");
        assertThat(readOn(replica, "SELECT group_concat(v ORDER BY id) FROM app.t")).isEqualTo("before,after");
        assertThat(readEventually(oldPrimary, "SELECT v FROM app.t WHERE id = 2")).isEqualTo("after");
        HealingRequests.deleteCluster(manager.client(), cluster);
        manager.close();
    }

    /** Polls the node until it takes writes (a promotion's last step); fails past {@link #WITHIN}. */
    private static void awaitWritable(JsonNode node) throws Exception {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (!readOn(node, "SELECT @@GLOBAL.read_only").equals("0")) {
            assertThat(System.nanoTime()).as(address(node) + " promoted within " + WITHIN.toSeconds() + " s")
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static JsonNode node(ManagerProcess manager, String cluster, JsonNode instance) {
        return ClusterFixture.shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(shown -> address(shown).equals(address(instance))).findFirst().orElseThrow();
    }
}
