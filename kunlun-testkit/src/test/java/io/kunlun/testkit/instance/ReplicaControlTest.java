package io.kunlun.testkit.instance;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.healing.HealingRequests;
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
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
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

    /**
     * A replica detached by hand stays a replica while it is read-only. Made writable while the
     * recorded primary, which the comps write to, still takes writes, it is a second primary: it is
     * made read-only again and follows the primary (as Patroni demotes a primary without the leader
     * key), instead of being recorded as a second primary.
     */
    @Test
    void aDetachedReplicaMadeWritableBesideThePrimaryIsMadeReadOnlyAndFollowsThePrimaryAgain() throws Exception {
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("rbr", 1, 2, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode primary = entries(query(manager, "get_storage", cluster)).get(0);
        JsonNode replica = entries(query(manager, "get_storage", cluster)).get(1);
        ClusterFixture.asOperatorOnTheMachine(machines, replica, "STOP SLAVE; RESET SLAVE ALL;");
        Thread.sleep(3_000);
        assertThat(entries(query(manager, "get_storage", cluster)).get(1).get("role").asText()).isEqualTo("replica");

        ClusterFixture.asOperatorOnTheMachine(machines, replica, "SET GLOBAL read_only = OFF;");

        JsonNode rejoined = HealingRequests.awaitEvent(manager, cluster, replica, "rejoined", 0, CATCH_UP);
        assertThat(rejoined.get("detail").asText()).isEqualTo("took writes beside the shard's primary "
                + ClusterFixture.address(primary) + ": made read-only; replicates from the shard's primary again");
        assertThat(readOn(replica, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        assertThat(entries(query(manager, "get_storage", cluster))).extracting(node -> node.get("role").asText())
                .containsExactly("primary", "replica");
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (v VARCHAR(20))");
            statement.execute("INSERT INTO app.t VALUES ('after the rejoin')");
        }
        assertThat(readEventually(replica, "SELECT v FROM app.t")).isEqualTo("after the rejoin");
        Reply deleted = ClusterFixture.deleteCluster(manager, cluster);
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
    }
}
