package io.kunlun.testkit.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.createCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.nodes.NodeRequests.addNodes;
import static org.assertj.core.api.Assertions.assertThat;

/** An add_nodes that fails half-way leaves the cluster as it was. */
class AddNodesFailureTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)
            .withEngines(config.engines().withStorageBackup("/opt/none/mariadb-backup"))).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.103", "127.0.0.105");
    static List<LoopbackMachine> machines;

    @BeforeAll
    static void registerMachines() {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
    }

    @Test
    void aMissingBackupProgramRollsBackTheNewNodeAndLeavesTheShardAsItWas() throws Exception {
        Reply created = run(manager, createCluster("rbr", 1, 2, 1, machines.subList(0, 2)));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode storageBefore = ClusterFixture.query(manager, "get_storage", cluster);
        JsonNode clustersBefore = ClusterFixture.query(manager, "get_cluster", null);

        Reply failed = run(manager, addNodes(cluster, "shard1", 1));

        assertThat(failed.result()).isEqualTo("failed");
        assertThat(failed.info()).startsWith("shard1 node " + machines.get(2).hostaddr() + ":")
                .contains(": sending the backup of " + address(storageBefore.get("storage0")) + " failed (exit 127): ")
                .contains("/opt/none/mariadb-backup: No such file or directory")
                .endsWith("; rolled back");
        assertThat(ClusterFixture.query(manager, "get_storage", cluster)).isEqualTo(storageBefore);
        assertThat(ClusterFixture.query(manager, "get_cluster", null)).isEqualTo(clustersBefore);
        Path target = machines.get(2).datadir();
        try (var walk = Files.walk(target)) {
            assertThat(walk.filter(path -> path.getFileName().toString().matches("[0-9]+")).toList())
                    .as("instance directories under " + target).isEmpty();
        }
        assertThat(ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().orElse("").contains(target.toString())).toList())
                .as("processes of the new node").isEmpty();
        ClusterFixture.deleteCluster(manager, cluster);
    }

    @Test
    void aShardWhosePrimaryIsStoppedIsRefusedNewNodes() {
        Reply created = run(manager, createCluster("rbr", 1, 2, 1, machines.subList(0, 2)));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode primary = ClusterFixture.storageNodes(manager.client(), cluster).stream()
                .filter(node -> node.get("role").asText().equals("primary")).findFirst().orElseThrow();
        assertThat(ClusterFixture.control(manager, primary, "stop").result()).isEqualTo("done");
        JsonNode storageBefore = ClusterFixture.query(manager, "get_storage", cluster);

        Reply refused = run(manager, addNodes(cluster, "shard1", 1));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 primary " + address(primary)
                + " is stopped; a new node is seeded from it and replicates from it");
        assertThat(ClusterFixture.query(manager, "get_storage", cluster)).isEqualTo(storageBefore);
        ClusterFixture.deleteCluster(manager, cluster);
    }
}
