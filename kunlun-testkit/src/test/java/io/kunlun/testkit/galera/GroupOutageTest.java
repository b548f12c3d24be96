package io.kunlun.testkit.galera;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.core.config.HealingConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.control;
import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * control_instance start through HTTP on the members of a real mgr shard (a Galera group of
 * three) after the whole group went down: the member with the most recent data starts the
 * group again, the others are refused until it runs and then join it. Each test starts and ends
 * with the three members running.
 */
class GroupOutageTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            // The tests start the members themselves: the keepalive would race them (GaleraKeepaliveTest has it on).
            .configure(config -> config.withExposeCredentials(true).withHealing(new HealingConfig(false, false, 0, 0)))
            .build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.140", "127.0.0.142");
    static List<LoopbackMachine> machines;
    static String cluster;

    @BeforeAll
    static void createCluster() throws SQLException {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("mgr", 1, 3, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        cluster = created.info();
        execute(members().get(0), "CREATE DATABASE app");
    }

    @AfterAll
    static void deleteCluster() {
        if (cluster == null) {
            return;
        }
        Reply deleted = ClusterFixture.deleteCluster(manager, cluster);
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
    }

    @Test
    void afterEveryMemberWasStoppedTheGroupStartsAgainFromTheMemberThatStoppedLast() throws Exception {
        List<JsonNode> members = members();
        JsonNode first = members.get(0);
        JsonNode second = members.get(1);
        JsonNode third = members.get(2);
        execute(first, "CREATE TABLE app.stopped (id INT PRIMARY KEY, v VARCHAR(20))");
        execute(first, "INSERT INTO app.stopped VALUES (1, 'before any stop')");
        long firstSeqno = lastCommitted(first);
        assertThat(control(manager, first, "stop").result()).isEqualTo("done");
        execute(second, "INSERT INTO app.stopped VALUES (2, 'after the first stop')");
        assertThat(control(manager, second, "stop").result()).isEqualTo("done");
        // The group's change of members is an event of its history too: the last member saw one more.
        long thirdSeqno = lastCommitted(third);
        assertThat(control(manager, third, "stop").result()).isEqualTo("done");

        Reply refused = control(manager, first, "start");

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 group is down; start " + address(third)
                + " first: it has the most recent data (seqno " + thirdSeqno + " against " + firstSeqno + ")");
        assertThat(status(first)).isEqualTo("stopped");
        startsAgainFrom(third, first, second, "stopped");
    }

    @Test
    void afterEveryMemberWasKilledTheirRecoveredPositionsChooseTheMemberThatStartsTheGroup() throws Exception {
        List<JsonNode> members = members();
        JsonNode first = members.get(0);
        JsonNode second = members.get(1);
        JsonNode third = members.get(2);
        execute(first, "CREATE TABLE app.killed (id INT PRIMARY KEY, v VARCHAR(20))");
        execute(first, "INSERT INTO app.killed VALUES (1, 'before any kill')");
        long firstSeqno = lastCommitted(first);
        kill(first);
        assertThat(readEventually(second, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                + " WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE' AND VARIABLE_VALUE = '2'")).isEqualTo("2");
        execute(second, "INSERT INTO app.killed VALUES (2, 'after the first kill')");
        long secondSeqno = lastCommitted(second);
        // Killed before the third sees it gone: the third has at most what the second has.
        kill(second);
        kill(third);

        Reply refused = control(manager, first, "start");

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 group is down; start " + address(second)
                + " first: it has the most recent data (seqno " + secondSeqno + " against " + firstSeqno + ")");
        assertThat(ClusterFixture.listening(first)).isFalse();
        startsAgainFrom(second, first, third, "killed");
    }

    @Test
    void membersOnDifferentGroupHistoriesAreRefusedNamingEveryOneAndNothingStarts() throws Exception {
        List<JsonNode> members = members();
        JsonNode first = members.get(0);
        JsonNode second = members.get(1);
        JsonNode third = members.get(2);
        for (JsonNode member : members) {
            assertThat(control(manager, member, "stop").result()).isEqualTo("done");
        }
        Path thirdState = groupState(third);
        String savedState = Files.readString(thirdState);
        String uuid = savedState.lines().filter(line -> line.startsWith("uuid:")).findFirst().orElseThrow()
                .substring("uuid:".length()).strip();
        String otherUuid = "00000000-0000-0000-0000-000000000001";
        Files.writeString(thirdState, savedState.replace(uuid, otherUuid));

        Reply refused = control(manager, third, "start");

        Files.writeString(thirdState, savedState);
        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 group is down and its members hold different group histories ("
                + address(first) + " uuid " + uuid + ", " + address(second) + " uuid " + uuid + ", "
                + address(third) + " uuid " + otherUuid + "); none is started");
        for (JsonNode member : members) {
            assertThat(ClusterFixture.listening(member)).isFalse();
        }
        startsAgainFrom(third, first, second, null);
    }

    /**
     * Starts the most recent member, which starts the group, then the two others, which join it;
     * then the group has three members and, given the test's table, both its rows are on every
     * member and a write on one member reads on another.
     */
    private static void startsAgainFrom(JsonNode mostRecent, JsonNode joiner, JsonNode lastJoiner, String table)
            throws Exception {
        Reply bootstrapped = control(manager, mostRecent, "start");
        assertThat(bootstrapped.result()).as(bootstrapped.toString()).isEqualTo("done");
        assertThat(bootstrapped.info()).isEqualTo("start instance succeed");
        for (JsonNode member : List.of(joiner, lastJoiner)) {
            Reply joined = control(manager, member, "start");
            assertThat(joined.result()).as(joined.toString()).isEqualTo("done");
        }

        for (JsonNode member : List.of(mostRecent, joiner, lastJoiner)) {
            assertThat(status(member)).isEqualTo("active");
            assertThat(readOn(member, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                    + " WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'")).isEqualTo("3");
            if (table != null) {
                assertThat(readOn(member, "SELECT GROUP_CONCAT(id ORDER BY id) FROM app." + table)).isEqualTo("1,2");
            }
        }
        if (table != null) {
            execute(lastJoiner, "INSERT INTO app." + table + " VALUES (3, 'after the outage')");
            assertThat(readEventually(joiner, "SELECT v FROM app." + table + " WHERE id = 3"))
                    .isEqualTo("after the outage");
        }
    }

    /** The member's saved group state, grastate.dat in its data directory. */
    private static Path groupState(JsonNode member) {
        return ClusterFixture.machineOf(machines, member).datadir().resolve("instance_data/data_dir_path")
                .resolve(member.get("port").asText()).resolve("data/grastate.dat");
    }

    /** The seqno of the last transaction the member committed: where its data stands in the group. */
    private static long lastCommitted(JsonNode member) throws SQLException {
        return Long.parseLong(readOn(member, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                + " WHERE VARIABLE_NAME = 'WSREP_LAST_COMMITTED'"));
    }

    /** SIGKILLs the member's server and waits until it is gone. */
    private static void kill(JsonNode member) {
        ProcessHandle server = InstanceTraces.storageServer(ClusterFixture.machineOf(machines, member),
                member.get("port").asInt());
        server.destroyForcibly();
        server.onExit().join();
    }

    private static void execute(JsonNode member, String sql) throws SQLException {
        try (Connection connection = ClusterFixture.mariadb(member); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String status(JsonNode member) {
        return members().stream().filter(node -> address(node).equals(address(member))).findFirst().orElseThrow()
                .get("status").asText();
    }

    private static List<JsonNode> members() {
        return entries(query(manager, "get_storage", cluster));
    }
}
