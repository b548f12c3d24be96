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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.comps;
import static io.kunlun.testkit.cluster.ClusterFixture.createTable;
import static io.kunlun.testkit.cluster.ClusterFixture.instanceDirectories;
import static io.kunlun.testkit.cluster.ClusterFixture.job;
import static io.kunlun.testkit.cluster.ClusterFixture.listening;
import static io.kunlun.testkit.cluster.ClusterFixture.machineOf;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.storageNodes;
import static io.kunlun.testkit.topology.TopologyFixture.insertThrough;
import static org.assertj.core.api.Assertions.assertThat;

/** delete_node on an rbr primary, its manager SIGKILLed in the middle of the switchover. */
class DeleteNodeRecoveryTest {
    @RegisterExtension
    LoopbackMachines loopback = LoopbackMachines.range("127.0.0.110", "127.0.0.112");
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();

    /**
     * The comp is frozen, so the job waits where it re-points the comp: the replica is promoted
     * and the other replica follows it, but the metadata still names the old primary. The job
     * started again keeps the promoted replica and ends the switchover.
     */
    @Test
    void aManagerKilledAfterThePromotionFinishesTheSwitchoverWhenItStartsAgain(@TempDir Path home) throws Exception {
        List<LoopbackMachine> machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ManagerProcess manager = ManagerProcess.start(home, processes, "--expose-credentials");
        ClusterFixture.register(manager.client(), machines);
        String cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 3, 1, machines);
        JsonNode oldPrimary = role(storageNodes(manager.client(), cluster), "primary");
        JsonNode comp = comps(manager.client(), cluster).get(0);
        createTable(oldPrimary);
        insertThrough(comp, "shard1", 1, "before");
        String switching = "switching shard1 over from " + address(oldPrimary) + ": ";
        var deleteNode = job("delete_node", cluster).put("shard_name", "shard1")
                .put("ip", oldPrimary.get("ip").asText()).put("port", oldPrimary.get("port").asText());
        String jobId = deleteNode.get("job_id").asText();

        String promoted;
        try (PausedProcess pausedComp = PausedProcess.compServer(machineOf(machines, comp), comp.get("port").asInt())) {
            manager.client().post(deleteNode.toString());
            promoted = ManagerKilledMidJob.awaitStep(manager, jobId, switching + "re-pointing the comps to ")
                    .substring((switching + "re-pointing the comps to ").length());
            ManagerKilledMidJob.killAndRestart(manager, pausedComp::close);
        }

        Reply deleted = manager.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(deleted.info()).isEqualTo(address(oldPrimary));
        assertThat(deleted.text("step")).hasValue("removed " + address(oldPrimary) + " (resumed after a manager restart)");
        List<JsonNode> after = storageNodes(manager.client(), cluster);
        assertThat(after).hasSize(2);
        JsonNode newPrimary = role(after, "primary");
        JsonNode replica = role(after, "replica");
        assertThat(address(newPrimary)).isEqualTo(promoted);
        assertThat(readOn(newPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
        assertThat(readOn(replica, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        assertThat(replicationSource(replica)).isEqualTo(address(newPrimary) + " Yes Yes");
        assertThat(foreignServerTarget(comp)).isEqualTo("host=" + newPrimary.get("ip").asText()
                + " port=" + newPrimary.get("port").asText());
        insertThrough(comp, "shard1", 2, "after");
        assertThat(readOn(newPrimary, "SELECT group_concat(v ORDER BY id) FROM app.t")).isEqualTo("before,after");
        assertThat(readEventually(replica, "SELECT v FROM app.t WHERE id = 2")).isEqualTo("after");
        assertThat(listening(oldPrimary)).isFalse();
        assertThat(instanceDirectories(machines, oldPrimary)).isEmpty();
        Reply clusterDeleted = ClusterFixture.deleteCluster(manager.client(), cluster);
        assertThat(clusterDeleted.result()).as(clusterDeleted.toString()).isEqualTo("done");
        manager.close();
    }

    private static JsonNode role(List<JsonNode> nodes, String role) {
        List<JsonNode> found = nodes.stream().filter(node -> node.get("role").asText().equals(role)).toList();
        assertThat(found).as(role + " among " + nodes).hasSize(1);
        return found.get(0);
    }

    /** Where the replica replicates from and whether its two threads run: {@code ip:port Yes Yes}. */
    private static String replicationSource(JsonNode replica) throws SQLException {
        try (Connection sql = ClusterFixture.mariadb(replica); Statement statement = sql.createStatement();
             ResultSet status = statement.executeQuery("SHOW SLAVE STATUS")) {
            assertThat(status.next()).as(address(replica) + " replicates").isTrue();
            return status.getString("Master_Host") + ":" + status.getString("Master_Port") + " "
                    + status.getString("Slave_IO_Running") + " " + status.getString("Slave_SQL_Running");
        }
    }

    /** The options of the comp's foreign server for shard1: {@code host=... port=...}. */
    private static String foreignServerTarget(JsonNode comp) throws SQLException {
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT array_to_string(srvoptions, ' ') FROM pg_foreign_server WHERE srvname = 'shard1'")) {
            assertThat(rows.next()).as("shard1 is linked").isTrue();
            return rows.getString(1);
        }
    }
}
