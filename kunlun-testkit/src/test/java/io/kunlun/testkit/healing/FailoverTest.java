package io.kunlun.testkit.healing;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.ApiClient;
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
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

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
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 2, 1, machines);
        ClusterFixture.createTable(primary());
        try (Connection sql = ClusterFixture.postgres(comp()); Statement statement = sql.createStatement()) {
            statement.execute("CREATE FOREIGN TABLE t (id int, v text) SERVER shard1"
                    + " OPTIONS (dbname 'app', table_name 't')");
        }
    }

    @AfterAll
    static void deleteCluster() {
        if (cluster != null) {
            Reply deleted = ClusterFixture.deleteCluster(manager, cluster);
            assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        }
    }

    @Test
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
            assertThat(ids(newPrimary)).containsAll(writer.acknowledged());
            assertThat(readOn(newPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
            assertThat(writableAfter).as("writes accepted again within 15 s of the kill").isLessThan(15_000_000_000L);

            JsonNode failedOver = awaitEvent(manager, cluster, oldPrimary, "failed_over", 0, WITHIN);
            assertThat(failedOver.get("detail").asText())
                    .startsWith("primary lost by every replica; " + address(replica) + " promoted at ");
            JsonNode rejoined = awaitEvent(manager, cluster, oldPrimary, "rejoined", 0, WITHIN);
            assertThat(rejoined.get("detail").asText()).isEqualTo("replicates from the shard's primary again");
            JsonNode back = awaitStatus(() -> node(oldPrimary), "active", WITHIN);
            assertThat(back.get("role").asText()).isEqualTo("replica");
            assertThat(readOn(oldPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
            int last = writer.acknowledged().last();
            assertThat(readEventually(oldPrimary, "SELECT id FROM app.t WHERE id = " + last))
                    .isEqualTo(Integer.toString(last));
        }
        String metrics = ApiClient.to(manager.uri().resolve("/metrics")).send("GET").body();
        assertThat(metrics).contains("kunlun_failover_seconds_count 1\n");
    }

    private static JsonNode primary() {
        return ClusterFixture.primary(manager.client(), cluster, "shard1");
    }

    private static JsonNode node(JsonNode instance) {
        return ClusterFixture.shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(shown -> address(shown).equals(address(instance))).findFirst().orElseThrow();
    }

    private static JsonNode comp() {
        return ClusterFixture.comps(manager.client(), cluster).get(0);
    }

    private static Set<Integer> ids(JsonNode node) throws SQLException {
        Set<Integer> ids = new TreeSet<>();
        try (Connection sql = ClusterFixture.mariadb(node); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id FROM app.t")) {
            while (rows.next()) {
                ids.add(rows.getInt(1));
            }
        }
        return ids;
    }
}
