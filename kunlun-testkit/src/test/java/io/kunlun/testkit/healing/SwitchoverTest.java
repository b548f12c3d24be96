package io.kunlun.testkit.healing;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Set;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.healing.HealingRequests.switchover;
import static org.assertj.core.api.Assertions.assertThat;

/** switchover through HTTP on an rbr 1×3 cluster with one comp, real MariaDB and PostgreSQL. */
class SwitchoverTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(1)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.195", "127.0.0.197");
    static List<LoopbackMachine> machines;
    static String cluster;

    @BeforeAll
    static void createCluster() throws Exception {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        cluster = HealingRequests.createClusterWithTable(manager.client(), machines, 3);
    }

    @AfterAll
    static void deleteCluster() {
        HealingRequests.deleteCluster(manager.client(), cluster);
    }

    @Test
    void aSwitchoverUnderAWriterThroughTheCompLosesNoAcknowledgedWrite() throws Exception {
        JsonNode oldPrimary = primary();
        try (CompWriter writer = new CompWriter(SwitchoverTest::comp)) {
            writer.awaitAcknowledged(20);

            Reply switched = run(manager, switchover(cluster, "shard1"));

            assertThat(switched.result()).as(switched.toString()).isEqualTo("done");
            JsonNode newPrimary = primary();
            assertThat(address(newPrimary)).isNotEqualTo(address(oldPrimary));
            assertThat(switched.info()).isEqualTo(address(newPrimary) + " is the primary of shard1");
            int acknowledgedAtSwitch = writer.acknowledged().size();
            writer.awaitAcknowledged(acknowledgedAtSwitch + 20);
            writer.stop();
            Set<Integer> onNewPrimary = HealingRequests.ids(newPrimary);
            assertThat(onNewPrimary).containsAll(writer.acknowledged());
            assertThat(readOn(newPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
            int last = writer.acknowledged().last();
            assertThat(readEventually(oldPrimary, "SELECT id FROM app.t WHERE id = " + last))
                    .isEqualTo(Integer.toString(last));
            assertThat(HealingRequests.ids(oldPrimary)).isEqualTo(onNewPrimary);
            assertThat(readOn(oldPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        }
        assertThat(role(oldPrimary)).isEqualTo("replica");
    }

    @Test
    void aSwitchoverToANamedReplicaMakesItThePrimaryAndTheOthersFollowIt() throws Exception {
        JsonNode target = replicas().get(1);

        Reply switched = run(manager, switchover(cluster, "shard1", target));

        assertThat(switched.result()).as(switched.toString()).isEqualTo("done");
        assertThat(switched.info()).isEqualTo(address(target) + " is the primary of shard1");
        assertThat(address(primary())).isEqualTo(address(target));
        try (Connection sql = ClusterFixture.postgres(comp()); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO t VALUES (-1, 'after the named switchover')");
        }
        assertThat(readOn(target, "SELECT v FROM app.t WHERE id = -1")).isEqualTo("after the named switchover");
        for (JsonNode replica : replicas()) {
            assertThat(readEventually(replica, "SELECT v FROM app.t WHERE id = -1"))
                    .isEqualTo("after the named switchover");
            assertThat(readOn(replica, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        }
    }

    @Test
    void aReplicaThatDoesNotReplicateIsNotPromoted() throws Exception {
        JsonNode primary = primary();
        JsonNode stopped = replicas().get(0);
        ClusterFixture.asOperatorOnTheMachine(machines, stopped, "STOP SLAVE;");
        try {
            Reply refused = run(manager, switchover(cluster, "shard1", stopped));

            assertThat(refused.result()).isEqualTo("failed");
            assertThat(refused.info()).isEqualTo("shard1 node " + address(stopped) + " does not replicate from the"
                    + " primary " + address(primary) + " (its replication is stopped); it is not promoted");
            assertThat(address(primary())).isEqualTo(address(primary));
            assertThat(readOn(primary, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
        } finally {
            ClusterFixture.asOperatorOnTheMachine(machines, stopped, "START SLAVE;");
        }
    }

    @Test
    void namingThePrimaryAnUnknownNodeOrShardIsRefused() {
        JsonNode primary = primary();

        Reply toItself = run(manager, switchover(cluster, "shard1", primary));
        Reply unknownNode = run(manager, switchover(cluster, "shard1").put("ip", "127.0.0.199").put("port", "1"));
        Reply unknownShard = run(manager, switchover(cluster, "shard9"));
        Reply halfNamed = manager.post(switchover(cluster, "shard1").put("ip", "127.0.0.199").toString());

        assertThat(toItself.info()).isEqualTo(address(primary) + " is already the primary of shard1 of cluster "
                + cluster);
        assertThat(unknownNode.info()).isEqualTo("shard1 of cluster " + cluster + " has no node 127.0.0.199:1");
        assertThat(unknownShard.info()).isEqualTo("cluster " + cluster + " has no shard shard9");
        assertThat(halfNamed.info()).isEqualTo("ip and port name an instance together: give both or neither");
        assertThat(List.of(toItself, unknownNode, unknownShard, halfNamed)).extracting(Reply::result)
                .containsOnly("failed");
        assertThat(address(primary())).isEqualTo(address(primary));
    }

    @Test
    void aClusterWithoutReplicationHasNoSwitchover() {
        String single = ClusterFixture.createdCluster(manager.client(), "no_rep", 1, 1, 1, machines.subList(0, 1));
        try {
            Reply refused = run(manager, switchover(single, "shard1"));

            assertThat(refused.result()).isEqualTo("failed");
            assertThat(refused.info()).isEqualTo("cluster " + single + " has ha_mode no_rep; switchover is for rbr"
                    + " shards, whose primary is one node");
        } finally {
            assertThat(ClusterFixture.deleteCluster(manager, single).result()).isEqualTo("done");
        }
    }

    private static JsonNode primary() {
        return HealingRequests.primary(manager, cluster);
    }

    private static List<JsonNode> replicas() {
        return ClusterFixture.shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(node -> node.get("role").asText().equals("replica")).toList();
    }

    private static String role(JsonNode node) {
        return ClusterFixture.shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(shown -> address(shown).equals(address(node))).findFirst().orElseThrow()
                .get("role").asText();
    }

    private static JsonNode comp() {
        return HealingRequests.comp(manager, cluster);
    }

}
