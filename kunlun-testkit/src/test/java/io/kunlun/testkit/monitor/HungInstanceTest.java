package io.kunlun.testkit.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.PausedProcess;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The health monitor checks machines at once, with a check every second: instances that hang
 * their probes (a server stopped with SIGSTOP accepts connections and never answers, up to the
 * probe's timeout of several seconds) delay no other machine's instances.
 */
class HungInstanceTest {
    /** Well under one hung probe: a round that waited for the hung machine would take longer. */
    private static final Duration SHOWN_WITHIN = Duration.ofSeconds(4);

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(1)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.72", "127.0.0.79");

    @Test
    void instancesKilledOnOneMachineAreShownUnreachableWhileTheInstancesOfAnotherHang() throws Exception {
        LoopbackMachine hung = loopback.take();
        LoopbackMachine other = loopback.take();
        ClusterFixture.register(manager, List.of(hung, other));
        String hungCluster = ClusterFixture.createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(hung));
        String otherCluster = ClusterFixture.createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(other));
        JsonNode storage = ClusterFixture.storageNodes(manager.client(), otherCluster).get(0);
        JsonNode comp = ClusterFixture.comps(manager.client(), otherCluster).get(0);

        try (PausedProcess hungStorage = PausedProcess.storageServer(hung,
                ClusterFixture.storageNodes(manager.client(), hungCluster).get(0).get("port").asInt());
             PausedProcess hungComp = PausedProcess.compServer(hung,
                     ClusterFixture.comps(manager.client(), hungCluster).get(0).get("port").asInt())) {
            InstanceTraces.storageServer(other, storage.get("port").asInt()).destroyForcibly();
            assertShownUnreachable(() -> ClusterFixture.storageNodes(manager.client(), otherCluster).get(0));

            InstanceTraces.compServer(other, comp.get("port").asInt()).destroyForcibly();
            assertShownUnreachable(() -> ClusterFixture.comps(manager.client(), otherCluster).get(0));
        }
        assertThat(ClusterFixture.deleteCluster(manager, hungCluster).result()).isEqualTo("done");
        assertThat(ClusterFixture.deleteCluster(manager, otherCluster).result()).isEqualTo("done");
    }

    private static void assertShownUnreachable(Supplier<JsonNode> instance) throws InterruptedException {
        long deadline = System.nanoTime() + SHOWN_WITHIN.toNanos();
        while (!instance.get().get("status").asText().equals("unreachable") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(instance.get().get("status").asText()).as(instance.get().toString()).isEqualTo("unreachable");
    }
}
