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

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Duration WITHIN = Duration.ofSeconds(90);

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

            JsonNode failedOver = awaitEvent(manager, cluster, oldPrimary, "failed_over", 0, WITHIN);
            assertThat(failedOver.get("detail").asText())
                    .startsWith("primary lost by its replicas; " + address(replica) + " promoted at ");
            JsonNode failoverJob = HealingRequests.automaticJobs(manager, "auto_failover").get(0);
            assertThat(failoverJob.get("result").asText()).isEqualTo("done");
            assertThat(failoverJob.get("info").asText()).isEqualTo(failedOver.get("detail").asText());
            JsonNode rejoined = awaitEvent(manager, cluster, oldPrimary, "rejoined", 0, WITHIN);
            // A commit the primary had written to its binary log when it was killed, before any
            // replica received it, was never acknowledged; it is still the old primary's after its
            // restart, a transaction the new primary lacks: then its data is kept aside and it is
            // reseeded (the reseed test below makes that happen on purpose).
            assertThat(rejoined.get("detail").asText()).matches("replicates from the shard's primary again"
                    + "|held transactions the primary lacks \\(0-\\d+-\\d+\\): its data kept aside in \\S+;"
                    + " reseeded from a backup of the primary, replicates from it");
            assertThat(HealingRequests.automaticJob(manager, "auto_rejoin", oldPrimary).get("result").asText())
                    .isEqualTo("done");
            assertBackAsAReplicaHolding(oldPrimary, writer.acknowledged().last());
            // Last, so that a slow failover on a loaded machine leaves the shard whole for the next tests.
            assertThat(writableAfter).as("writes accepted again within 90 s of the kill").isLessThan(WITHIN.toNanos());
        }
        String metrics = ApiClient.to(manager.uri().resolve("/metrics")).send("GET").body();
        assertThat(metrics).contains("kunlun_failovers_total 1.0\n").contains("kunlun_failover_seconds_count 1\n");
    }

    @Test
    @Order(2)
    void aHungPrimaryIsReplacedByItsReplicaWithNoAcknowledgedWriteLostThenKilledAndComesBackAsItsReplica()
            throws Exception {
        JsonNode oldPrimary = primary();
        JsonNode replica = replicaOf(oldPrimary);
        long failoversBefore = HealingRequests.eventCount(manager, cluster, oldPrimary, "failed_over");
        long rejoinsBefore = HealingRequests.eventCount(manager, cluster, oldPrimary, "rejoined");
        try (CompWriter writer = new CompWriter(FailoverTest::comp, 1_000_000)) {
            writer.awaitAcknowledged(50);

            PausedProcess hung = PausedProcess.storageServer(ClusterFixture.machineOf(machines, oldPrimary),
                    oldPrimary.get("port").asInt());
            long stoppedAt = System.nanoTime(); // a stopped server acknowledges nothing more

            int acknowledgedAtStop = writer.acknowledged().size();
            writer.awaitAcknowledged(acknowledgedAtStop + 50);
            long writableAfter = writer.acceptedAgainAfter(stoppedAt) - stoppedAt;
            System.out.printf("failover: writes through the comp accepted again %d ms after the primary's SIGSTOP%n",
                    writableAfter / 1_000_000);
            writer.stop();
            assertThat(hung.process().isAlive()).as("the hung server was killed").isFalse();
            JsonNode newPrimary = primary();
            assertThat(address(newPrimary)).isEqualTo(address(replica));
            assertThat(HealingRequests.ids(newPrimary)).containsAll(writer.acknowledged());
            assertThat(awaitEvent(manager, cluster, oldPrimary, "failed_over", failoversBefore, WITHIN)
                    .get("detail").asText()).startsWith("primary lost by its replicas; " + address(replica));

            // Rejoined as it is, or reseeded when the stop caught a transaction it had logged but not yet sent.
            awaitEvent(manager, cluster, oldPrimary, "rejoined", rejoinsBefore, WITHIN);
            assertBackAsAReplicaHolding(oldPrimary, writer.acknowledged().last());
            // Replicas confirm after slave_net_timeout (4 s), the manager after two probes of about 5 s each.
            assertThat(writableAfter).as("writes accepted again within 90 s of the SIGSTOP").isLessThan(WITHIN.toNanos());
        }
    }

    @Test
    @Order(3)
    void anOldPrimaryHoldingAWriteItsReplicaNeverReceivedIsReseededFromTheNewPrimaryWithItsDataKeptAside()
            throws Exception {
        JsonNode primary = primary();
        JsonNode replica = replicaOf(primary);
        long rejoinsBefore = HealingRequests.eventCount(manager, cluster, primary, "rejoined");
        // The replica loses its primary's connection first (pointed at a port where nothing listens), and
        // then misses the write: the primary, not waiting for it (semi-sync times out at once), still takes it.
        ClusterFixture.asOperatorOnTheMachine(machines, replica, "STOP SLAVE; CHANGE MASTER TO MASTER_PORT = 1;"
                + " START SLAVE;");
        ClusterFixture.asOperatorOnTheMachine(machines, primary, "SET GLOBAL rpl_semi_sync_master_timeout = 100;");
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO app.t VALUES (-100, 'never replicated')");
        }

        kill(machines, primary, true);

        JsonNode rejoined = awaitEvent(manager, cluster, primary, "rejoined", rejoinsBefore, WITHIN);
        Matcher detail = Pattern.compile("held transactions the primary lacks \\(0-\\d+-\\d+\\): its data kept aside"
                + " in (/\\S+/kept-\\d{8}T\\d{6}Z); reseeded from a backup of the primary, replicates from it")
                .matcher(rejoined.get("detail").asText());
        assertThat(detail.matches()).as(rejoined.toString()).isTrue();
        assertThat(address(primary())).isEqualTo(address(replica));
        assertThat(readOn(replica, "SELECT COUNT(*) FROM app.t WHERE id = -100")).isEqualTo("0");
        JsonNode back = awaitStatus(() -> node(primary), "active", WITHIN);
        assertThat(back.get("role").asText()).isEqualTo("replica");
        assertThat(readOn(primary, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        assertThat(readOn(primary, "SELECT COUNT(*) FROM app.t WHERE id = -100")).isEqualTo("0");
        try (Connection sql = ClusterFixture.postgres(comp()); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO t VALUES (-200, 'after the reseed')");
        }
        assertThat(readEventually(primary, "SELECT v FROM app.t WHERE id = -200")).isEqualTo("after the reseed");
        Path keptAside = Path.of(detail.group(1));
        assertThat(keptAside.resolve("data/app/t.ibd")).as("the old data, kept aside").isRegularFile();
        assertThat(keptAside.resolve("binlog")).isNotEmptyDirectory();
        assertThat(keptAside.resolve("redo")).isNotEmptyDirectory();
    }

    /** What docs/architecture.md claims of the semi-synchronous timeout: a primary falls back to asynchronous commits. */
    @Test
    @Order(4)
    void aPrimaryNoReplicaAcknowledgesCommitsAfterTheSemiSyncTimeoutAndIsSemiSyncAgainOnceTheReplicaCaughtUp()
            throws Exception {
        JsonNode primary = primary();
        JsonNode replica = replicaOf(primary);
        assertThat(semiSyncStatus(primary)).isEqualTo("ON");
        ClusterFixture.asOperatorOnTheMachine(machines, replica, "STOP SLAVE IO_THREAD;");

        long started = System.nanoTime();
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO app.t VALUES (-300, 'acknowledged by no replica')");
        }
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(waitedMillis).as("the commit waited for rpl_semi_sync_master_timeout").isBetween(9_500L, 30_000L);
        assertThat(semiSyncStatus(primary)).isEqualTo("OFF");
        assertThat(readOn(replica, "SELECT COUNT(*) FROM app.t WHERE id = -300")).isEqualTo("0");
        ClusterFixture.asOperatorOnTheMachine(machines, replica, "START SLAVE IO_THREAD;");
        assertThat(readEventually(replica, "SELECT v FROM app.t WHERE id = -300")).isEqualTo("acknowledged by no replica");
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (!semiSyncStatus(primary).equals("ON")) {
            assertThat(System.nanoTime()).as("semi-sync on again").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static String semiSyncStatus(JsonNode primary) throws Exception {
        return readOn(primary, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                + " WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_STATUS'");
    }

    /** The old primary is active again, a read-only replica that received the write {@code id}. */
    private static void assertBackAsAReplicaHolding(JsonNode oldPrimary, int id) throws Exception {
        JsonNode back = awaitStatus(() -> node(oldPrimary), "active", WITHIN);
        assertThat(back.get("role").asText()).isEqualTo("replica");
        assertThat(readOn(oldPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        assertThat(readEventually(oldPrimary, "SELECT id FROM app.t WHERE id = " + id)).isEqualTo(Integer.toString(id));
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
