package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.healing.HealingRequests;
import io.kunlun.testkit.netns.NamespaceMachine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.healing.HealingRequests.awaitEvent;
import static io.kunlun.testkit.healing.HealingRequests.eventCount;
import static io.kunlun.testkit.networks.MachineNetwork.mariadb;
import static io.kunlun.testkit.networks.MachineNetwork.postgres;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Partitions around an rbr primary (1 shard of 2 nodes, 2 comps, on two machines each in a
 * network namespace of its own, the health monitor checking every second): a manager that alone
 * loses the primary replaces nothing, and says so once; a primary whose machine is cut off from everything is
 * replaced even though a comp went with it, and when the machine is back, the old primary, which
 * took a write of its own meanwhile, is made read-only and rejoins with that write kept aside, and
 * its comp writes to the new primary: never two primaries recorded at once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PartitionedPrimaryTest {
    private static final Duration WITHIN = Duration.ofSeconds(120);
    /** Several more rounds of probes of the cut machine (each probe there waits out an SSH connect timeout of 5 s). */
    private static final Duration NOTHING_HAPPENS_FOR = Duration.ofSeconds(12);

    static MachineNetwork network;
    static TestManager manager;
    static String cluster;

    @BeforeAll
    static void createClusterOnTwoMachines() throws Exception {
        network = MachineNetwork.start(2);
        manager = network.startManager(config -> config.withHealthIntervalSeconds(1));
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 2, 2, network.clusterMachines());
        mariadb(machineOf(primary()), primary(), "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)");
        for (JsonNode comp : ClusterFixture.comps(manager.client(), cluster)) {
            postgres(machineOf(comp), comp, "CREATE FOREIGN TABLE t (id int) SERVER shard1"
                    + " OPTIONS (dbname 'app', table_name 't')");
        }
    }

    @AfterAll
    static void stopEverything() {
        if (network != null) {
            network.close();
        }
    }

    @Test
    @Order(1)
    void aManagerCutOffFromThePrimaryAloneReplacesNothing() throws Exception {
        JsonNode primary = primary();
        NamespaceMachine primaryMachine = machineOf(primary);
        primaryMachine.cutFromHost();
        try {
            JsonNode refused = awaitEvent(manager, cluster, primary, "failover_refused", 0, WITHIN);
            assertThat(refused.get("detail").asText()).isEqualTo("shard1: replica " + address(replica())
                    + " still receives from the primary " + address(primary) + "; no failover; looked at again every"
                    + " round, said again after the primary answered");
            Thread.sleep(NOTHING_HAPPENS_FOR.toMillis());
            assertThat(eventCount(manager, cluster, primary, "failed_over")).isZero();
            assertThat(eventCount(manager, cluster, primary, "failover_refused")).as("said once for the outage")
                    .isEqualTo(1);
            assertThat(roles()).containsExactly("primary", "replica");
            // The primary's own clients and its replica still reach it: its writes still replicate.
            mariadb(primaryMachine, primary, "INSERT INTO app.t VALUES (100)");
            JsonNode replica = replica();
            assertThat(awaitAnswer(() -> {
                String count = mariadb(machineOf(replica), replica, "SELECT COUNT(*) FROM app.t WHERE id = 100");
                if (!count.equals("1")) {
                    throw new SQLException("the replica has not applied the row yet");
                }
                return count;
            })).isEqualTo("1");
            mariadb(primaryMachine, primary, "DELETE FROM app.t");
        } finally {
            primaryMachine.restoreToHost();
        }
        HealingRequests.awaitStatus(() -> node(primary), "active", WITHIN);
        assertThat(roles()).containsExactly("primary", "replica");
    }

    @Test
    @Order(2)
    void aPrimaryCutOffWithItsCompIsReplacedAndOnceBackIsFencedAndRejoinsWithItsOwnWriteKeptAside()
            throws Exception {
        JsonNode oldPrimary = primary();
        JsonNode replica = replica();
        NamespaceMachine oldPrimaryMachine = machineOf(oldPrimary);
        JsonNode compWithTheOldPrimary = compOn(oldPrimaryMachine);
        JsonNode otherComp = compOn(machineOf(replica));
        long rejoinsBefore = eventCount(manager, cluster, oldPrimary, "rejoined");
        postgres(machineOf(otherComp), otherComp, "INSERT INTO t VALUES (1)");

        List<List<String>> rolesSeen = new CopyOnWriteArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            while (watching.get()) {
                rolesSeen.add(roles());
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        oldPrimaryMachine.cut();
        CompletableFuture<String> ownWrite;
        try {
            // Its own clients still reach it: it commits once semi-sync gives up waiting for the lost replica.
            ownWrite = CompletableFuture.supplyAsync(() -> {
                try {
                    return mariadb(oldPrimaryMachine, oldPrimary, "INSERT INTO app.t VALUES (666); SELECT 'written'");
                } catch (SQLException e) {
                    return e.getMessage();
                }
            });
            awaitEvent(manager, cluster, oldPrimary, "failed_over", 0, WITHIN);
            assertThat(address(primary())).isEqualTo(address(replica));
            postgres(machineOf(otherComp), otherComp, "INSERT INTO t VALUES (2)");
            assertThat(ownWrite.get(WITHIN.toSeconds(), TimeUnit.SECONDS)).isEqualTo("written");
        } finally {
            oldPrimaryMachine.restore();
        }

        JsonNode rejoined = awaitEvent(manager, cluster, oldPrimary, "rejoined", rejoinsBefore, WITHIN);
        Matcher keptAside = Pattern.compile("took writes beside the shard's primary " + Pattern.quote(address(replica))
                + ": made read-only; held transactions the primary lacks \\(.+\\): its data kept aside in (\\S+);"
                + " reseeded from a backup of the primary, replicates from it").matcher(rejoined.get("detail").asText());
        assertThat(keptAside.matches()).as(rejoined.toString()).isTrue();
        assertThat(Path.of(keptAside.group(1), "binlog")).isDirectory();
        assertThat(mariadb(oldPrimaryMachine, oldPrimary, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        assertThat(mariadb(oldPrimaryMachine, oldPrimary, "SELECT GROUP_CONCAT(id ORDER BY id) FROM app.t"))
                .isEqualTo("1,2");
        assertThat(awaitAnswer(() -> postgres(oldPrimaryMachine, compWithTheOldPrimary, "INSERT INTO t VALUES (3)",
                "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"))).isEqualTo("1,2,3");
        assertThat(mariadb(machineOf(replica), replica, "SELECT GROUP_CONCAT(id ORDER BY id) FROM app.t"))
                .isEqualTo("1,2,3");
        watching.set(false);
        watcher.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
        assertThat(rolesSeen).isNotEmpty().allSatisfy(roles -> assertThat(roles).containsOnlyOnce("primary"));
    }

    /** The client's answer once it gives one (a comp whose link is re-pointed only after its machine is back). */
    private static String awaitAnswer(SqlAnswer answer) throws InterruptedException {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (true) {
            try {
                return answer.get();
            } catch (SQLException e) {
                assertThat(System.nanoTime()).as("an answer within " + WITHIN.toSeconds() + " s; last: " + e.getMessage())
                        .isLessThan(deadline);
                Thread.sleep(500);
            }
        }
    }

    @FunctionalInterface
    private interface SqlAnswer {
        String get() throws SQLException;
    }

    private static List<String> roles() {
        return ClusterFixture.storageNodes(manager.client(), cluster).stream()
                .map(node -> node.path("role").asText()).toList();
    }

    private static JsonNode node(JsonNode like) {
        return ClusterFixture.storageNodes(manager.client(), cluster).stream()
                .filter(node -> address(node).equals(address(like))).findFirst().orElseThrow();
    }

    private static JsonNode primary() {
        return ClusterFixture.primary(manager.client(), cluster, "shard1");
    }

    private static JsonNode replica() {
        return ClusterFixture.storageNodes(manager.client(), cluster).stream()
                .filter(node -> node.path("role").asText().equals("replica")).findFirst().orElseThrow();
    }

    private static JsonNode compOn(NamespaceMachine machine) {
        return ClusterFixture.comps(manager.client(), cluster).stream()
                .filter(comp -> comp.get("ip").asText().equals(machine.address())).findFirst()
                .orElseThrow(() -> new AssertionError("no comp on " + machine));
    }

    private static NamespaceMachine machineOf(JsonNode instance) {
        return network.machineAt(instance.get("ip").asText());
    }
}
