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
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.healing.HealingRequests.awaitEvent;
import static io.kunlun.testkit.healing.HealingRequests.awaitStatus;
import static io.kunlun.testkit.healing.HealingRequests.kill;
import static io.kunlun.testkit.healing.HealingRequests.switchover;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shard's primary replaced, asked for (switchover) or not (automatic failover), through HTTP on
 * an rbr 1×3 cluster with one comp, real MariaDB and PostgreSQL, the health monitor checking every
 * second. Each test leaves the shard whole: three nodes replicating from one primary.
 */
class PrimaryReplacementTest {
    private static final Duration WITHIN = Duration.ofSeconds(90);

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
        try (CompWriter writer = new CompWriter(PrimaryReplacementTest::comp)) {
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
    void aKilledPrimaryIsReplacedByTheReplicaThatReceivedTheMostAndTheOtherReplicaFollowsIt() throws Exception {
        JsonNode oldPrimary = primary();
        JsonNode behind = replicas().get(0);
        JsonNode ahead = replicas().get(1);
        long failoversBefore = HealingRequests.eventCount(manager, cluster, oldPrimary, "failed_over");
        long rejoinsBefore = HealingRequests.eventCount(manager, cluster, oldPrimary, "rejoined");
        try (CompWriter writer = new CompWriter(PrimaryReplacementTest::comp, 2_000_000)) {
            writer.awaitAcknowledged(20);
            // One replica loses the primary (pointed at a port where nothing listens) and misses what follows,
            // which the other replica's semi-sync acknowledgements let the primary commit.
            ClusterFixture.asOperatorOnTheMachine(machines, behind, "STOP SLAVE; CHANGE MASTER TO MASTER_PORT = 1;"
                    + " START SLAVE;");
            writer.awaitAcknowledged(writer.acknowledged().size() + 50);

            kill(machines, oldPrimary, true);

            writer.awaitAcknowledged(writer.acknowledged().size() + 20);
            writer.stop();
            assertThat(address(primary())).isEqualTo(address(ahead));
            assertThat(HealingRequests.ids(ahead)).containsAll(writer.acknowledged());
            assertThat(awaitEvent(manager, cluster, oldPrimary, "failed_over", failoversBefore, WITHIN)
                    .get("detail").asText()).startsWith("primary lost by its replicas; " + address(ahead) + " promoted at ");
            assertThat(source(behind)).isEqualTo(address(ahead));
            int last = writer.acknowledged().last();
            assertThat(readEventually(behind, "SELECT id FROM app.t WHERE id = " + last)).isEqualTo(Integer.toString(last));
            assertThat(HealingRequests.ids(behind)).containsAll(writer.acknowledged());
            assertThat(readOn(behind, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
            awaitEvent(manager, cluster, oldPrimary, "rejoined", rejoinsBefore, WITHIN);
            JsonNode back = awaitStatus(() -> node(oldPrimary), "active", WITHIN);
            assertThat(back.get("role").asText()).isEqualTo("replica");
            assertThat(source(oldPrimary)).isEqualTo(address(ahead));
            assertThat(readEventually(oldPrimary, "SELECT id FROM app.t WHERE id = " + last))
                    .isEqualTo(Integer.toString(last));
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
        return node(node).get("role").asText();
    }

    /** The node's entry in a fresh get_storage reply. */
    private static JsonNode node(JsonNode node) {
        return ClusterFixture.shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(shown -> address(shown).equals(address(node))).findFirst().orElseThrow();
    }

    /** host:port of the primary a replica replicates from, as its SHOW SLAVE STATUS says. */
    private static String source(JsonNode replica) throws Exception {
        try (Connection sql = ClusterFixture.mariadb(replica); Statement statement = sql.createStatement();
             ResultSet status = statement.executeQuery("SHOW SLAVE STATUS")) {
            assertThat(status.next()).as(address(replica) + " replicates").isTrue();
            return status.getString("Master_Host") + ":" + status.getString("Master_Port");
        }
    }

    private static JsonNode comp() {
        return HealingRequests.comp(manager, cluster);
    }

}
