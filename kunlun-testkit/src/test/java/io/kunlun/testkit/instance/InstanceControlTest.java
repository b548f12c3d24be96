package io.kunlun.testkit.instance;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.instance.InstanceRequests.at;
import static io.kunlun.testkit.cluster.ClusterFixture.control;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * control_instance and the health monitor through HTTP, on the storage node and the comp of a real
 * no_rep cluster, with the monitor checking every second.
 */
class InstanceControlTest {
    private static final Duration FEW_INTERVALS = Duration.ofSeconds(10);

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(1)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.82");
    static String cluster;

    @BeforeAll
    static void createCluster() {
        List<LoopbackMachine> machines = List.of(loopback.take());
        ClusterFixture.register(manager, machines);
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("no_rep", 1, 1, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        cluster = created.info();
    }

    /** Every test starts from running instances. */
    @AfterEach
    void startEverything() {
        for (JsonNode instance : List.of(storage(), comp())) {
            assertThat(control(manager, instance, "start").result()).isEqualTo("done");
        }
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
    void aStoppedInstanceIsShownStoppedNoLongerListensAndTheMonitorLeavesItSo() throws Exception {
        Reply stopped = control(manager, storage(), "stop");

        assertThat(stopped.result()).as(stopped.toString()).isEqualTo("done");
        assertThat(stopped.info()).isEqualTo("stop instance succeed");
        assertThat(storage().get("status").asText()).isEqualTo("stopped");
        assertThat(listens(storage())).isFalse();
        Thread.sleep(3_000);
        assertThat(storage().get("status").asText()).isEqualTo("stopped");
    }

    @Test
    void aStartedInstanceIsActiveAgainWithItsData() throws Exception {
        try (Connection sql = ClusterFixture.postgres(comp()); Statement statement = sql.createStatement()) {
            statement.execute("CREATE TABLE kept (v text)");
            statement.execute("INSERT INTO kept VALUES ('before the stop')");
        }
        assertThat(control(manager, comp(), "stop").info()).isEqualTo("stop instance succeed");
        assertThat(comp().get("status").asText()).isEqualTo("stopped");

        Reply started = control(manager, comp(), "start");

        assertThat(started.result()).as(started.toString()).isEqualTo("done");
        assertThat(started.info()).isEqualTo("start instance succeed");
        assertThat(comp().get("status").asText()).isEqualTo("active");
        try (Connection sql = ClusterFixture.postgres(comp()); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT v FROM kept")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("before the stop");
        }
    }

    @Test
    void startingARunningInstanceIsDoneAsAlreadyRunning() {
        Reply started = control(manager, storage(), "start");

        assertThat(started.result()).isEqualTo("done");
        assertThat(started.info()).isEqualTo("already running");
        assertThat(storage().get("status").asText()).isEqualTo("active");
    }

    @Test
    void anInstanceKilledBehindTheManagersBackIsShownUnreachable() throws Exception {
        String pid;
        try (Connection sql = ClusterFixture.mariadb(storage()); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT @@GLOBAL.pid_file")) {
            assertThat(rows.next()).isTrue();
            pid = Files.readString(Path.of(rows.getString(1))).strip();
        }

        Process kill = new ProcessBuilder("kill", "-9", pid).inheritIO().start();
        assertThat(kill.waitFor()).isZero();

        long deadline = System.nanoTime() + FEW_INTERVALS.toNanos();
        while (!storage().get("status").asText().equals("unreachable") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(storage().get("status").asText()).isEqualTo("unreachable");
    }

    @Test
    void controllingAnInstanceTheManagerDoesNotManageFails() {
        Reply reply = ClusterFixture.run(manager, at("control_instance", "127.0.0.9", "1").put("control", "stop")
                .put("job_id", "ctl-" + UUID.randomUUID()).put("user_name", "tester"));

        assertThat(reply.result()).isEqualTo("failed");
        assertThat(reply.info()).isEqualTo("no managed instance at 127.0.0.9:1");
    }

    private static JsonNode storage() {
        return entries(query(manager, "get_storage", cluster)).get(0);
    }

    private static JsonNode comp() {
        return entries(query(manager, "get_computer", cluster)).get(0);
    }

    private static boolean listens(JsonNode instance) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(instance.get("ip").asText(), instance.get("port").asInt()), 1_000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
