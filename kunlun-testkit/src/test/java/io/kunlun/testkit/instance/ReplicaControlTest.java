package io.kunlun.testkit.instance;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.control;
import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static org.assertj.core.api.Assertions.assertThat;

/** control_instance on an rbr replica, with the health monitor checking every second. */
class ReplicaControlTest {
    private static final Duration CATCH_UP = Duration.ofSeconds(20);

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(1)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.83", "127.0.0.84");
    static List<LoopbackMachine> machines;

    @BeforeAll
    static void registerMachines() {
        machines = List.of(loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
    }

    @Test
    void aStoppedReplicaStartedAgainCatchesUpWithWhatThePrimaryWroteMeanwhile() throws Exception {
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("rbr", 1, 2, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        List<JsonNode> nodes = entries(query(manager, "get_storage", cluster));
        JsonNode primary = nodes.get(0);
        JsonNode replica = nodes.get(1);

        assertThat(control(manager, replica, "stop").info()).isEqualTo("stop instance succeed");
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (v VARCHAR(20))");
            statement.execute("INSERT INTO app.t VALUES ('while stopped')");
        }
        Thread.sleep(2_000);
        assertThat(entries(query(manager, "get_storage", cluster)).get(1).get("status").asText()).isEqualTo("stopped");

        Reply started = control(manager, replica, "start");

        assertThat(started.info()).as(started.toString()).isEqualTo("start instance succeed");
        assertThat(readEventually(replica, "SELECT v FROM app.t")).isEqualTo("while stopped");
        JsonNode shown = entries(query(manager, "get_storage", cluster)).get(1);
        assertThat(shown.get("status").asText()).isEqualTo("active");
        assertThat(shown.get("role").asText()).isEqualTo("replica");
        Reply deleted = ClusterFixture.deleteCluster(manager, cluster);
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
    }

    @Test
    void aDetachedReplicaStaysAReplicaWhileReadOnlyAndIsRecordedPrimaryOnceItTakesWrites() throws Exception {
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("rbr", 1, 2, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode replica = entries(query(manager, "get_storage", cluster)).get(1);
        ClusterFixture.asOperatorOnTheMachine(machines, replica, "STOP SLAVE; RESET SLAVE ALL;");
        Thread.sleep(3_000);
        assertThat(entries(query(manager, "get_storage", cluster)).get(1).get("role").asText()).isEqualTo("replica");

        ClusterFixture.asOperatorOnTheMachine(machines, replica, "SET GLOBAL read_only = OFF;");

        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (!entries(query(manager, "get_storage", cluster)).get(1).get("role").asText().equals("primary")) {
            assertThat(System.nanoTime()).as("the writable node is recorded primary").isLessThan(deadline);
            Thread.sleep(200);
        }
        Reply deleted = ClusterFixture.deleteCluster(manager, cluster);
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
    }
}
