package io.kunlun.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.engines.EngineConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static io.kunlun.testkit.cluster.ClusterFixture.createCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.instanceDirectories;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.storageNodes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two jobs of different clusters plan on one machine at once, so both plan the same free ports;
 * the one that reserves them second fails, and its rollback leaves the winner's instance alone.
 */
class PortRaceTest {
    @RegisterExtension
    LoopbackMachines loopback = LoopbackMachines.range("127.0.0.190", "127.0.0.192");

    @Test
    void theJobThatLosesThePortsRollsBackWithoutTouchingTheWinnersInstance(@TempDir Path gate) throws Exception {
        LoopbackMachine shared = loopback.take();
        LoopbackMachine loserComps = loopback.take();
        LoopbackMachine winnerComps = loopback.take();
        Path hold = gate.resolve("hold");
        Path waiting = gate.resolve("waiting");
        Files.createFile(hold);
        // The loser's comp machine answers the check's version probe only once the gate opens:
        // the loser has planned its storage ports on the shared machine by then, and waits.
        Path postgres = gate.resolve("postgres");
        Files.writeString(postgres, "#!/bin/sh\n"
                + "i=0\n"
                + "while [ -e " + hold + " ] && [ $i -lt 1200 ]; do : > " + waiting + "; sleep 0.05; i=$((i+1)); done\n"
                + "exec " + EngineConfig.defaults().postgres() + " \"$@\"\n");
        Files.setPosixFilePermissions(postgres, PosixFilePermissions.fromString("rwxr-xr-x"));
        gate.toFile().setExecutable(true, false);
        try (TestManager manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)
                .withMachineEngines(Map.of(loserComps.hostaddr(), config.engines().withPostgres(postgres.toString()))))
                .build().start()) {
            ClusterFixture.register(manager, List.of(shared, loserComps, winnerComps));
            var loser = createCluster("no_rep", 1, 1, 1, List.of(shared, loserComps));
            manager.client().post(loser.toString());
            awaitFile(waiting);

            Reply winner = ClusterFixture.run(manager, createCluster("no_rep", 1, 1, 1, List.of(shared, winnerComps)));
            assertThat(winner.result()).as(winner.toString()).isEqualTo("done");
            JsonNode winnerNode = storageNodes(manager.client(), winner.info()).get(0);
            Files.delete(hold);
            Reply lost = manager.client().awaitJob(loser.get("job_id").asText(), ClusterFixture.CLUSTER_JOB_TIMEOUT);

            assertThat(lost.result()).isEqualTo("failed");
            assertThat(lost.info()).startsWith(shared.hostaddr() + ": ports [" + winnerNode.get("port").asInt())
                    .contains("are no longer free").endsWith("; rolled back");
            assertThat(instanceDirectories(List.of(shared), winnerNode)).as("the winner's directories").hasSize(3);
            assertThat(readOn(winnerNode, "SELECT 1")).isEqualTo("1");
            assertThat(storageNodes(manager.client(), winner.info())).hasSize(1);
            assertThat(ClusterFixture.query(manager, "get_cluster", null).size()).isEqualTo(1);
        }
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(file)) {
            assertThat(System.nanoTime()).as("the loser's check never reached " + file).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
