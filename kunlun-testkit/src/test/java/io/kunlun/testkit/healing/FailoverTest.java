package io.kunlun.testkit.healing;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.PausedProcess;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.healing.HealingRequests.awaitEvent;
import static io.kunlun.testkit.healing.HealingRequests.awaitStatus;
import static io.kunlun.testkit.healing.HealingRequests.kill;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Automatic rbr failover through HTTP on real MariaDB and PostgreSQL instances: an rbr 1×2
 * cluster with one comp, the health monitor checking every second.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverTest {
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(1)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.198", "127.0.0.199");
    static List<LoopbackMachine> machines;
    static String cluster;

    @BeforeAll
    static void createCluster() throws Exception {
        machines = List.of(loopback.take(), loopback.take());
        cluster = HealingRequests.createClusterWithTable(manager.client(), machines, 2);
    }

    @AfterAll
    static void deleteCluster() {
        HealingRequests.deleteCluster(manager.client(), cluster);
    }

    @Test
    @Order(1)
    void aKilledPrimaryIsReplacedByItsReplicaWithNoAcknowledgedWriteLostAndComesBackAsItsReplica() throws Exception {
        JsonNode oldPrimary = primary();
        JsonNode replica = ClusterFixture.shardNodes(manager.client(), cluster, "shard1").get(1);
        try (CompWriter writer = new CompWriter(FailoverTest::comp)) {
            writer.awaitAcknowledged(50);

            kill(machines, oldPrimary, true);
            long killedAt = System.nanoTime(); // the server is gone: whatever is acknowledged now, the new primary took

            int acknowledgedAtKill = writer.acknowledged().size();
            writer.awaitAcknowledged(acknowledgedAtKill + 50);
            long writableAfter = writer.acceptedAgainAfter(killedAt) - killedAt;
            System.out.printf("failover: writes through the comp accepted again %d ms after the primary's kill"
                    + " (%d inserts failed meanwhile)%n", writableAfter / 1_000_000, writer.failures());
            writer.stop();
            JsonNode newPrimary = primary();
            assertThat(address(newPrimary)).isEqualTo(address(replica));
            assertThat(HealingRequests.ids(newPrimary)).containsAll(writer.acknowledged());
            assertThat(readOn(newPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
            assertThat(writableAfter).as("writes accepted again within 15 s of the kill").isLessThan(15_000_000_000L);

            JsonNode failedOver = awaitEvent(manager, cluster, oldPrimary, "failed_over", 0, WITHIN);
            assertThat(failedOver.get("detail").asText())
                    .startsWith("primary lost by its replicas; " + address(replica) + " promoted at ");
            JsonNode failoverJob = HealingRequests.automaticJobs(manager, "auto_failover").get(0);
            assertThat(failoverJob.get("result").asText()).isEqualTo("done");
            assertThat(failoverJob.get("info").asText()).isEqualTo(failedOver.get("detail").asText());
            JsonNode rejoined = awaitEvent(manager, cluster, oldPrimary, "rejoined", 0, WITHIN);
            assertThat(rejoined.get("detail").asText()).isEqualTo("replicates from the shard's primary again");
            assertThat(HealingRequests.automaticJob(manager, "auto_rejoin", oldPrimary).get("result").asText())
                    .isEqualTo("done");
            JsonNode back = awaitStatus(() -> node(oldPrimary), "active", WITHIN);
            assertThat(back.get("role").asText()).isEqualTo("replica");
            assertThat(readOn(oldPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
            int last = writer.acknowledged().last();
            assertThat(readEventually(oldPrimary, "SELECT id FROM app.t WHERE id = " + last))
                    .isEqualTo(Integer.toString(last));
        }
        String metrics = ApiClient.to(manager.uri().resolve("/metrics")).send("GET").body();
        assertThat(metrics).contains("kunlun_failovers_total 1.0\n").contains("kunlun_failover_seconds_count 1\n");
    }

    @Test
    @Order(2)
    void aHungPrimaryWhoseReplicaStillReceivesFromItIsNotReplaced() throws Exception {
        JsonNode primary = primary();
        long failoversBefore = HealingRequests.eventCount(manager, cluster, primary, "failed_over");

        try (PausedProcess hung = PausedProcess.storageServer(ClusterFixture.machineOf(machines, primary),
                primary.get("port").asInt())) {
            awaitStatus(FailoverTest::primary, "unreachable", WITHIN);
            Thread.sleep(3_000);

            assertThat(address(primary())).as("still the primary").isEqualTo(address(primary));
            assertThat(HealingRequests.eventCount(manager, cluster, primary, "failed_over")).isEqualTo(failoversBefore);
        }
        awaitStatus(FailoverTest::primary, "active", WITHIN);
        assertThat(readOn(primary, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
    }

    @Test
    @Order(3)
    void anOldPrimaryHoldingAWriteItsReplicaNeverReceivedIsLeftReadOnlyAndDetachedWithItsData() throws Exception {
        JsonNode primary = primary();
        JsonNode replica = replicaOf(primary);
        // The replica loses its primary's connection first (pointed at a port where nothing listens), and
        // then misses the write: the primary, not waiting for it (semi-sync times out at once), still takes it.
        ClusterFixture.asOperatorOnTheMachine(machines, replica, "STOP SLAVE; CHANGE MASTER TO MASTER_PORT = 1;"
                + " START SLAVE;");
        ClusterFixture.asOperatorOnTheMachine(machines, primary, "SET GLOBAL rpl_semi_sync_master_timeout = 100;");
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO app.t VALUES (-100, 'never replicated')");
        }

        kill(machines, primary, true);

        JsonNode refused = awaitEvent(manager, cluster, primary, "rejoin_refused", 0, WITHIN);
        assertThat(refused.get("detail").asText()).matches("holds transactions the primary lacks \\(0-\\d+-\\d+\\):"
                + " left read-only and detached, its data kept; reseed it \\(delete_node, then add_nodes\\)");
        assertThat(address(primary())).isEqualTo(address(replica));
        assertThat(readOn(replica, "SELECT COUNT(*) FROM app.t WHERE id = -100")).isEqualTo("0");
        assertThat(readOn(primary, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        assertThat(readOn(primary, "SELECT v FROM app.t WHERE id = -100")).isEqualTo("never replicated");
    }

    private static JsonNode replicaOf(JsonNode primary) {
        return ClusterFixture.shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(node -> !address(node).equals(address(primary))).findFirst().orElseThrow();
    }

    private static JsonNode primary() {
        return HealingRequests.primary(manager, cluster);
    }

    private static JsonNode node(JsonNode instance) {
        return ClusterFixture.shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(shown -> address(shown).equals(address(instance))).findFirst().orElseThrow();
    }

    private static JsonNode comp() {
        return HealingRequests.comp(manager, cluster);
    }

}
