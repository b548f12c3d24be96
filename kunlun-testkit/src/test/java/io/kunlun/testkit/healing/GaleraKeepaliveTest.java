package io.kunlun.testkit.healing;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.HealingConfig;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.PausedProcess;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.healing.HealingRequests.awaitEvent;
import static io.kunlun.testkit.healing.HealingRequests.awaitStatus;
import static io.kunlun.testkit.healing.HealingRequests.eventCount;
import static io.kunlun.testkit.healing.HealingRequests.kill;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The keepalive on the members of a real mgr shard (a Galera group of three), the health monitor
 * checking every second (machines shared with KeepaliveTest and PrimaryReplacementTest).
 */
class GaleraKeepaliveTest {
    private static final Duration BACK_WITHIN = Duration.ofSeconds(120);

    @RegisterExtension
    // The members are killed again and again by the class's tests: none is about the restart limit.
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(1)
                    .withHealing(new HealingConfig(true, true, 20, 600))).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.193", "127.0.0.195");
    static List<LoopbackMachine> machines;
    static String cluster;

    @BeforeAll
    static void createCluster() throws SQLException {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "mgr", 1, 3, 1, machines);
        execute(members().get(0), "CREATE DATABASE app");
        execute(members().get(0), "CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(40))");
    }

    @AfterAll
    static void deleteCluster() {
        HealingRequests.deleteCluster(manager.client(), cluster);
    }

    @Test
    void aKilledMemberIsStartedAgainAndRejoinsItsGroupWithWhatItMissed() throws Exception {
        JsonNode killed = members().get(1);
        long restartsBefore = eventCount(manager, cluster, killed, "restarted");

        kill(machines, killed, true);
        execute(members().get(0), "INSERT INTO app.t VALUES (1, 'while a member was dead')");

        awaitEvent(manager, cluster, killed, "restarted", restartsBefore, BACK_WITHIN);
        awaitStatus(() -> member(killed), "active", BACK_WITHIN);
        assertThat(groupSize(killed)).isEqualTo("3");
        assertThat(readEventually(killed, "SELECT v FROM app.t WHERE id = 1")).isEqualTo("while a member was dead");
    }

    /**
     * One member drops out first (paused: its group goes on without it and commits a row it never
     * sees), then all three are killed. Started from the stale member, the group would lose that
     * row: the others would take a full state transfer from it. The stale member is the first the
     * keepalive tries (its misses were counted while it was paused), so its start must be deferred
     * until a member with the most recent data has started the group.
     */
    @Test
    void aGroupWhoseMembersWereAllKilledIsStartedAgainFromAMemberWithItsLastWriteWithoutARequest() throws Exception {
        execute(members().get(0), "INSERT INTO app.t VALUES (2, 'before the outage')");
        List<JsonNode> members = members();
        JsonNode stale = members.get(0);
        List<Long> restartsBefore = restarts(members);
        try (PausedProcess dropped = PausedProcess.storageServer(ClusterFixture.machineOf(machines, stale),
                stale.get("port").asInt())) {
            assertThat(readEventually(members.get(1), "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                    + " WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE' AND VARIABLE_VALUE = '2'"))
                    .as("the group without the paused member").isEqualTo("2");
            execute(members.get(1), "INSERT INTO app.t VALUES (3, 'while a member was out')");

            HealingRequests.killAll(machines, members, true);
        }

        awaitRestartedAndWhole(members, restartsBefore);
        for (JsonNode member : members) {
            assertThat(readOn(member, "SELECT GROUP_CONCAT(v ORDER BY id) FROM app.t WHERE id IN (2, 3)"))
                    .as(address(member)).isEqualTo("before the outage,while a member was out");
        }
        execute(members.get(2), "INSERT INTO app.t VALUES (4, 'after the outage')");
        assertThat(readEventually(stale, "SELECT v FROM app.t WHERE id = 4")).isEqualTo("after the outage");
    }

    @Test
    void aMemberWhoseGroupDiesWhileItJoinsIsKilledAndPostponedAndTheGroupStartsAgain() throws Exception {
        List<JsonNode> members = members();
        JsonNode joiner = members.get(2);
        List<JsonNode> others = members.subList(0, 2);
        List<Long> restartsBefore = restarts(members);
        long deferralsBefore = eventCount(manager, cluster, joiner, "restart_deferred");
        LoopbackMachine joinerMachine = ClusterFixture.machineOf(machines, joiner);
        int joinerPort = joiner.get("port").asInt();
        ProcessHandle killed = InstanceTraces.storageServer(joinerMachine, joinerPort);
        kill(machines, joiner, true);
        // Frozen as soon as the keepalive started it, the joiner is still joining when its group dies.
        try (PausedProcess joining = PausedProcess.pause(awaitRestartedProcess(joinerMachine, joinerPort, killed))) {
            HealingRequests.killAll(machines, others, true);

            assertThat(awaitEvent(manager, cluster, joiner, "restart_deferred", deferralsBefore, BACK_WITHIN)
                    .get("detail").asText()).isEqualTo("waits for its group: shard1 group stopped while "
                    + address(joiner) + " was joining it");
            // Killed by the keepalive: it ends (once reaped) without being resumed.
            assertThat(joining.process().onExit()).succeedsWithin(Duration.ofSeconds(30));
        }
        awaitRestartedAndWhole(members, restartsBefore);
    }

    @Test
    void twoMembersKilledAtOnceAreStartedAgainBesideTheSurvivorAndTheGroupTakesWrites() throws Exception {
        List<JsonNode> members = members();
        JsonNode survivor = members.get(0);
        List<JsonNode> killed = members.subList(1, 3);
        List<Long> restartsBefore = restarts(killed);
        execute(survivor, "INSERT INTO app.t VALUES (5, 'before two members died')");

        // One of three left: the survivor loses its quorum (not primary) once it notices.
        HealingRequests.killAll(machines, killed, true);

        awaitRestartedAndWhole(killed, restartsBefore);
        for (JsonNode member : members) {
            assertThat(readOn(member, "SELECT v FROM app.t WHERE id = 5")).isEqualTo("before two members died");
        }
        execute(killed.get(0), "INSERT INTO app.t VALUES (6, 'after two members died')");
        assertThat(readEventually(survivor, "SELECT v FROM app.t WHERE id = 6")).isEqualTo("after two members died");
    }

    /** How many restarted events each member has so far. */
    private static List<Long> restarts(List<JsonNode> members) {
        return members.stream().map(member -> eventCount(manager, cluster, member, "restarted")).toList();
    }

    /**
     * Waits for one more restarted event of each member in {@code restarted} than it had
     * ({@code restartsBefore}) first: until the monitor has seen a kill, get_storage still says
     * active. Then every member of the shard is active again, in a group of three.
     */
    private static void awaitRestartedAndWhole(List<JsonNode> restarted, List<Long> restartsBefore)
            throws InterruptedException, SQLException {
        for (int i = 0; i < restarted.size(); i++) {
            awaitEvent(manager, cluster, restarted.get(i), "restarted", restartsBefore.get(i), BACK_WITHIN);
        }
        for (JsonNode member : members()) {
            awaitStatus(() -> member(member), "active", BACK_WITHIN);
            assertThat(groupSize(member)).as(address(member)).isEqualTo("3");
        }
    }

    /** Waits until the keepalive has started the member's server again: answers it, a process other than {@code killed}. */
    private static ProcessHandle awaitRestartedProcess(LoopbackMachine machine, int port, ProcessHandle killed)
            throws InterruptedException {
        long deadline = System.nanoTime() + BACK_WITHIN.toNanos();
        while (true) {
            try {
                ProcessHandle server = InstanceTraces.storageServer(machine, port);
                if (server.pid() != killed.pid()) {
                    return server;
                }
            } catch (RuntimeException notRunning) {
                // not started yet
            }
            assertThat(System.nanoTime()).as("the keepalive starts the server at " + port + " again")
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static List<JsonNode> members() {
        return ClusterFixture.storageNodes(manager.client(), cluster);
    }

    private static JsonNode member(JsonNode member) {
        return members().stream().filter(shown -> address(shown).equals(address(member))).findFirst().orElseThrow();
    }

    private static String groupSize(JsonNode member) throws SQLException {
        return readOn(member, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                + " WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'");
    }

    private static void execute(JsonNode member, String sql) throws SQLException {
        try (Connection connection = ClusterFixture.mariadb(member); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
