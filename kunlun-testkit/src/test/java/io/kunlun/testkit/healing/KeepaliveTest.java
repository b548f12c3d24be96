package io.kunlun.testkit.healing;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.HealingConfig;
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
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.comps;
import static io.kunlun.testkit.cluster.ClusterFixture.control;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.cluster.ClusterFixture.storageNodes;
import static io.kunlun.testkit.healing.HealingRequests.awaitEvent;
import static io.kunlun.testkit.healing.HealingRequests.awaitStatus;
import static io.kunlun.testkit.healing.HealingRequests.eventCount;
import static io.kunlun.testkit.healing.HealingRequests.events;
import static io.kunlun.testkit.healing.HealingRequests.kill;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The keepalive through HTTP on real MariaDB and PostgreSQL instances: an rbr 1×2 cluster with
 * one comp, the health monitor checking every second, at most 3 restarts in 600 s, automatic
 * failover off (so a dead primary is started again; FailoverTest has it on).
 */
class KeepaliveTest {
    /** Two rounds of the monitor, a start of the server, and room for a loaded machine. */
    private static final Duration BACK_WITHIN = Duration.ofSeconds(40);

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(1)
                    .withHealing(new HealingConfig(true, false, 3, 600)))
            .build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.193", "127.0.0.194");
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
    void aKilledReplicaIsStartedAgainAndReplicatesWhatThePrimaryWroteMeanwhile() throws Exception {
        JsonNode replica = replica();
        long restartsBefore = eventCount(manager, cluster, replica, "restarted");

        kill(machines, replica, true);
        execute(primary(), "INSERT INTO app.t VALUES (1, 'while the replica was dead')");

        JsonNode event = awaitEvent(manager, cluster, replica, "restarted", restartsBefore, BACK_WITHIN);
        assertThat(event.get("cluster").asText()).isEqualTo(cluster);
        assertThat(event.get("detail").asText()).startsWith("found not running; started again (restart ")
                .endsWith(" of at most 3 within 600 s)");
        assertThat(event.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        JsonNode job = HealingRequests.automaticJob(manager, "auto_restart", replica);
        assertThat(job.get("result").asText()).isEqualTo("done");
        assertThat(job.get("info").asText()).isEqualTo(event.get("detail").asText());
        assertThat(job.get("step").asText()).startsWith("starting " + address(replica) + " (restart ");
        assertThat(job.get("progress").asText()).isEqualTo("1/1");
        JsonNode shown = awaitStatus(KeepaliveTest::replica, "active", BACK_WITHIN);
        assertThat(shown.get("role").asText()).isEqualTo("replica");
        assertThat(readOn(replica, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        assertThat(readEventually(replica, "SELECT v FROM app.t WHERE id = 1")).isEqualTo("while the replica was dead");
        execute(primary(), "INSERT INTO app.t VALUES (2, 'after the restart')");
        assertThat(readEventually(replica, "SELECT v FROM app.t WHERE id = 2")).isEqualTo("after the restart");
    }

    @Test
    void aKilledPrimaryIsStartedAgainAsThePrimaryAndItsReplicaFollowsItAgain() throws Exception {
        JsonNode primary = primary();
        long restartsBefore = eventCount(manager, cluster, primary, "restarted");

        kill(machines, primary, true);

        awaitEvent(manager, cluster, primary, "restarted", restartsBefore, BACK_WITHIN);
        JsonNode shown = awaitStatus(KeepaliveTest::primary, "active", BACK_WITHIN);
        assertThat(address(shown)).isEqualTo(address(primary));
        assertThat(readOn(primary, "SELECT @@GLOBAL.read_only")).isEqualTo("0");
        execute(primary, "INSERT INTO app.t VALUES (3, 'after the primary came back')");
        assertThat(readEventually(replica(), "SELECT v FROM app.t WHERE id = 3"))
                .isEqualTo("after the primary came back");
    }

    @Test
    void aKilledCompIsStartedAgainAndWritesThroughItsLinkToTheShard() throws Exception {
        JsonNode comp = comp();
        long restartsBefore = eventCount(manager, cluster, comp, "restarted");

        kill(machines, comp, false);

        awaitEvent(manager, cluster, comp, "restarted", restartsBefore, BACK_WITHIN);
        awaitStatus(KeepaliveTest::comp, "active", BACK_WITHIN);
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO t VALUES (4, 'through the restarted comp')");
        }
        assertThat(readOn(primary(), "SELECT v FROM app.t WHERE id = 4")).isEqualTo("through the restarted comp");
    }

    @Test
    void anInstanceStoppedWithControlInstanceStaysStopped() throws Exception {
        JsonNode comp = comp();
        int eventsBefore = events(manager, cluster).size();
        assertThat(control(manager, comp, "stop").info()).isEqualTo("stop instance succeed");

        Thread.sleep(4_000);

        assertThat(comp().get("status").asText()).isEqualTo("stopped");
        assertThat(ClusterFixture.listening(comp)).isFalse();
        assertThat(events(manager, cluster)).hasSize(eventsBefore);
        assertThat(control(manager, comp, "start").info()).isEqualTo("start instance succeed");
    }

    @Test
    void aCompKilledOnceMoreThanTheLimitAllowsIsMarkedFailedAndLeftAloneUntilStarted() throws Exception {
        Reply added = run(manager, ClusterFixture.machineList(ClusterFixture.job("add_comps", cluster)
                .put("comps", "1"), List.of(machines.get(1).hostaddr())));
        assertThat(added.result()).as(added.toString()).isEqualTo("done");
        JsonNode flapping = comps(manager.client(), cluster).get(1);
        for (int restart = 0; restart < 3; restart++) {
            kill(machines, flapping, false);
            awaitEvent(manager, cluster, flapping, "restarted", restart, BACK_WITHIN);
            awaitStatus(() -> comps(manager.client(), cluster).get(1), "active", BACK_WITHIN);
        }

        kill(machines, flapping, false);

        JsonNode gaveUp = awaitEvent(manager, cluster, flapping, "gave_up", 0, BACK_WITHIN);
        assertThat(gaveUp.get("detail").asText()).isEqualTo("not running again after 3 restarts within 600 s:"
                + " marked failed, left alone until control_instance start");
        assertThat(comps(manager.client(), cluster).get(1).get("status").asText()).isEqualTo("failed");
        JsonNode givenUp = HealingRequests.automaticJob(manager, "auto_restart", flapping);
        assertThat(givenUp.get("result").asText()).isEqualTo("failed");
        assertThat(givenUp.get("info").asText()).isEqualTo(gaveUp.get("detail").asText());
        assertThat(givenUp.get("step").asText()).isEqualTo("giving " + address(flapping) + " up: marking it failed");
        Thread.sleep(3_000);
        assertThat(ClusterFixture.listening(flapping)).as("left alone").isFalse();
        assertThat(eventCount(manager, cluster, flapping, "restarted")).isEqualTo(3);
        String metrics = ApiClient.to(manager.uri().resolve("/metrics")).send("GET").body();
        assertThat(metrics).contains("kunlun_instance_give_ups_total{kind=\"comp\"} 1.0\n")
                .contains("kunlun_instances{status=\"failed\"} 1.0\n")
                .containsPattern("kunlun_instance_restarts_total\\{kind=\"comp\",result=\"done\"\\} [3-9]\\.0\n");

        assertThat(control(manager, flapping, "start").info()).isEqualTo("start instance succeed");
        assertThat(comps(manager.client(), cluster).get(1).get("status").asText()).isEqualTo("active");
        Reply deleted = run(manager, ClusterFixture.job("delete_comp", cluster).put("comp_name",
                flapping.get("name").asText()));
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
    }

    @Test
    void listEventsOfAnUnknownClusterIsEmptyAndItsLimitIsValidated() {
        assertThat(HealingRequests.events(manager, "no_such_cluster")).isEmpty();
        Reply refused = manager.post("{\"job_type\":\"list_events\",\"limit\":\"0\"}");
        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("limit must be an integer from 1 to 1000, got \"0\"");
    }

    @Test
    void anAutomaticJobTypeSubmittedOverHttpIsRefused() {
        Reply refused = manager.post("{\"job_type\":\"auto_restart\",\"cluster_name\":\"" + cluster + "\"}");

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("auto_restart records what the manager does on its own and cannot be"
                + " submitted; list such jobs with list_jobs and \"automatic\": \"1\"");
    }

    @Test
    void listJobsShowsOnlyTheJobsOfTheTypeOrOnlyTheAutomaticOnesWhenAsked() {
        Reply created = manager.post("{\"job_type\":\"list_jobs\",\"filter_job_type\":\"create_cluster\",\"limit\":\"1000\"}");
        List<String> types = new ArrayList<>();
        created.json().get("jobs").forEach(job -> types.add(job.get("job_type").asText()));
        assertThat(types).isNotEmpty().containsOnly("create_cluster");

        assertThat(HealingRequests.automaticJobs(manager, null))
                .allSatisfy(job -> assertThat(job.get("job_type").asText()).startsWith("auto_"));
        assertThat(HealingRequests.automaticJobs(manager, "create_cluster")).isEmpty();
    }

    private static JsonNode primary() {
        return HealingRequests.primary(manager, cluster);
    }

    private static JsonNode replica() {
        return storageNodes(manager.client(), cluster).stream()
                .filter(node -> node.get("role").asText().equals("replica")).findFirst().orElseThrow();
    }

    private static JsonNode comp() {
        return HealingRequests.comp(manager, cluster);
    }

    private static void execute(JsonNode node, String sql) throws Exception {
        try (Connection connection = ClusterFixture.mariadb(node); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
