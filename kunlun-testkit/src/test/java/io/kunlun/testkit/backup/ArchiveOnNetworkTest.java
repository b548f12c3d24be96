package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.Programs;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.netns.NamespaceMachine;
import io.kunlun.testkit.netns.TestNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.backup.BackupRequests.restoreNew;
import static io.kunlun.testkit.backup.RestoreFixture.SECOND;
import static io.kunlun.testkit.backup.RestoreFixture.awaitArchivedPast;
import static io.kunlun.testkit.backup.RestoreFixture.awaitSecondAfter;
import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Continuous archiving of a cluster on machines other than the store's: each machine in a network
 * namespace of its own, the store at its default place on the manager's host, so the archiver's
 * connections to a primary arrive from this host's address on that network, neither from loopback
 * nor from the store's hostaddr. The archive covers the writes made after a backup; after a
 * switchover it follows the new primary, and a restore to a time after the switchover holds every
 * row written up to that time, on both primaries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArchiveOnNetworkTest {
    private static final int SSH_CONNECT_TIMEOUT_SECONDS = 5;
    private static final Duration LAG_GONE_WITHIN = Duration.ofSeconds(30);

    static TestNetwork network;
    static TestManager manager;
    static List<LoopbackMachine> machines;
    static String cluster;

    @BeforeAll
    static void createClusterOnTwoMachines() throws Exception {
        network = TestNetwork.start(2);
        machines = network.machines().stream().map(NamespaceMachine::machine).toList();
        // The known hosts go with the first machine's root when the network is closed.
        manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)
                .withHealthIntervalSeconds(1).withSsh(network.sshConfig(machines.get(0).root().resolve("known_hosts"),
                        SSH_CONNECT_TIMEOUT_SECONDS))).build().start();
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 2, 1, machines);
        sql(primary(manager.client(), cluster, "shard1"),
                "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY)");
    }

    @AfterAll
    static void stopTheManagerThenTheMachines() {
        try {
            if (manager != null) {
                manager.close();
            }
        } finally {
            if (network != null) {
                network.close();
            }
        }
    }

    @Test
    @Order(1)
    void writesAfterABackupReachTheArchiveOnTheManagersHost() throws Exception {
        insertRows(1, 10);
        Reply backup = run(manager, backup(cluster));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        awaitSecondAfter(backup.info());

        insertRows(11, 20);

        awaitArchivedPast(manager.client(), cluster, backup.info());
        long deadline = System.nanoTime() + LAG_GONE_WITHIN.toNanos();
        JsonNode archive = ClusterFixture.query(manager.client(), "list_backups", cluster).get("archive").get(0);
        while (!archive.path("lag_bytes").asText().equals("0") && System.nanoTime() < deadline) {
            Thread.sleep(200);
            archive = ClusterFixture.query(manager.client(), "list_backups", cluster).get("archive").get(0);
        }
        assertThat(archive.path("lag_bytes").asText()).as("the archive caught up with the primary, measured each"
                + " health round: " + archive).isEqualTo("0");
    }

    @Test
    @Order(2)
    void afterASwitchoverTheArchiveFollowsTheNewPrimaryAndARestoreHasItsWrites() throws Exception {
        JsonNode before = primary(manager.client(), cluster, "shard1");
        Reply switched = run(manager, ClusterFixture.job("switchover", cluster).put("shard_name", "shard1"));
        assertThat(switched.result()).as(switched.toString()).isEqualTo("done");
        assertThat(ClusterFixture.address(primary(manager.client(), cluster, "shard1")))
                .isNotEqualTo(ClusterFixture.address(before));
        insertRows(21, 30);
        String pointInTime = LocalDateTime.now().format(SECOND);
        awaitSecondAfter(pointInTime);
        insertRows(31, 40);
        awaitArchivedPast(manager.client(), cluster, pointInTime);

        Reply restore = run(manager, restoreNew(pointInTime, cluster, machines));

        assertThat(restore.result()).as(restore.toString()).isEqualTo("done");
        assertThat(sql(primary(manager.client(), restore.info(), "shard1"), "SELECT COUNT(*), MAX(id) FROM app.t"))
                .as("rows 1 to 30: before and after the switchover, none after the point in time")
                .isEqualTo("30\t30");
    }

    /** Rows {@code first} to {@code last} in {@code app.t}, written on the shard's primary of the moment. */
    private static void insertRows(int first, int last) throws Exception {
        sql(primary(manager.client(), cluster, "shard1"),
                "INSERT INTO app.t SELECT seq FROM app.seq_" + first + "_to_" + last);
    }

    /**
     * The last line the server's client prints for the statements, run as the cluster's admin on
     * the node's own machine (the admin is let in from the cluster's machines, not from this host).
     */
    private static String sql(JsonNode node, String statements) {
        NamespaceMachine machine = network.machines().stream()
                .filter(candidate -> candidate.address().equals(node.get("ip").asText())).findFirst().orElseThrow();
        Programs.Result result = machine.run(List.of("mariadb", "--host=" + node.get("ip").asText(),
                "--port=" + node.get("port").asText(), "--user=" + node.get("user").asText(), "--skip-ssl",
                "--batch", "--skip-column-names", "--execute=" + statements),
                Map.of("MYSQL_PWD", node.get("pwd").asText()));
        assertThat(result.succeeded()).as(result.output()).isTrue();
        List<String> lines = result.output().strip().lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
