package io.kunlun.testkit.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.HeldProgram;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two real managers (separate processes, two ports, two homes) on one MariaDB metadata store:
 * both answer requests, one leads and runs every job, whichever manager it was submitted to; when
 * the leader is killed mid-job the other takes the lead over within the lease and one renewal,
 * rolls the job back and runs the job queued behind it.
 */
class LeaderElectionTest {
    private static final int LEASE_SECONDS = 3;
    /** A follower tries to take the lead once a second. */
    private static final Duration RENEWAL = Duration.ofSeconds(1);
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static MariaDbTestServer mariadb;

    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.145", "127.0.0.147");

    @TempDir
    Path directory;

    @BeforeAll
    static void startMariaDb() {
        mariadb = MariaDbTestServer.start("127.0.0.144");
    }

    @AfterAll
    static void stopMariaDb() {
        if (mariadb != null) {
            mariadb.close();
        }
    }

    @Test
    void bothManagersAnswerAndAJobSubmittedToTheFollowerRunsOnTheLeader() throws Exception {
        String database = "leader_" + DATABASES.incrementAndGet();
        Path config = config(database, "");
        ManagerProcess leader = ManagerProcess.start(directory.resolve("first"), processes, "--config", config.toString());
        ManagerProcess follower = ManagerProcess.start(directory.resolve("second"), processes, "--config",
                config.toString());
        LoopbackMachine machine = loopback.take();

        Reply modeOnLeader = leader.client().post("{\"job_type\":\"get_meta_mode\"}");
        Reply modeOnFollower = follower.client().post("{\"job_type\":\"get_meta_mode\"}");
        assertThat(modeOnLeader.json().get("mode").asText()).isEqualTo("no_rep");
        assertThat(modeOnFollower.body()).isEqualTo(modeOnLeader.body());
        JsonNode managers = ClusterFixture.query(follower.client(), "list_managers", null).get("managers");
        assertThat(managers).hasSize(2);
        assertThat(managers.get(0).get("role").asText()).isEqualTo("leader");
        assertThat(managers.get(0).get("pid").asText()).isEqualTo(Long.toString(leader.pid()));
        assertThat(managers.get(0).get("fencing").asText()).isEqualTo("1");
        assertThat(managers.get(1).get("role").asText()).isEqualTo("follower");
        assertThat(managers.get(1).get("pid").asText()).isEqualTo(Long.toString(follower.pid()));

        ObjectNode create = machine.request("create_machine", "m-" + UUID.randomUUID());
        String jobId = create.get("job_id").asText();
        try (FencingWatch fencing = FencingWatch.on(mariadb, database)) {
            assertThat(follower.client().post(create.toString()).result()).isEqualTo("accept");
            Reply ended = follower.client().awaitJob(jobId, Duration.ofSeconds(30));
            assertThat(ended.result()).as(ended.body()).isEqualTo("done");
            assertThat(leader.client().post(ClusterFixture.getStatus(jobId)).body()).isEqualTo(ended.body());
            Thread.sleep(200);
            assertThat(fencing.latest(jobId)).as("the leader's fencing number, recorded with the job's steps")
                    .isEqualTo(1L);
        }
    }

    @Test
    void killingTheLeaderMidCreateClusterHandsTheLeadOverWhichRollsItBackThenRunsTheJobBehindIt() throws Exception {
        String database = "leader_" + DATABASES.incrementAndGet();
        LoopbackMachine held = loopback.take();
        LoopbackMachine free = loopback.take();
        // The comp's initdb on the first machine (run after the shard is installed) holds the job mid-run.
        HeldProgram initdb = HeldProgram.in(directory, "initdb");
        Path config = config(database, ",\"machine_engines\":{\"" + held.hostaddr() + "\":{\"initdb\":\""
                + initdb.path() + "\"}}");
        ManagerProcess leader = ManagerProcess.start(directory.resolve("first"), processes, "--config", config.toString());
        ManagerProcess follower = ManagerProcess.start(directory.resolve("second"), processes, "--config",
                config.toString());
        ClusterFixture.register(follower.client(), List.of(free));
        String cluster = "failover_" + DATABASES.get();

        try (FencingWatch fencing = FencingWatch.on(mariadb, database)) {
            ClusterFixture.register(follower.client(), List.of(held));
            ObjectNode halfMade = ClusterFixture.createCluster("no_rep", 1, 1, 1, List.of(held)).put("cluster_name", cluster);
            String halfMadeId = halfMade.get("job_id").asText();
            assertThat(follower.client().post(halfMade.toString()).result()).isEqualTo("accept");
            initdb.awaitHeld(Duration.ofMinutes(2), () -> follower.client().post(ClusterFixture.getStatus(halfMadeId)).body());
            String step = ManagerKilledMidJob.awaitStep(follower, halfMadeId, "");
            ObjectNode behind = ClusterFixture.createCluster("no_rep", 1, 1, 1, List.of(free)).put("cluster_name", cluster);
            String behindId = behind.get("job_id").asText();
            assertThat(follower.client().post(behind.toString()).result()).isEqualTo("accept");

            long killedAt = System.nanoTime();
            leader.kill();
            initdb.release();
            Duration takeover = awaitLead(follower, killedAt);
            System.out.println("LeaderElectionTest: the follower led " + takeover.toMillis()
                    + " ms after kill -9 of the leader (lease " + LEASE_SECONDS + " s)");

            assertThat(takeover).as("takeover after kill -9 of the leader")
                    .isLessThanOrEqualTo(Duration.ofSeconds(LEASE_SECONDS).plus(RENEWAL).plusMillis(500));
            Reply rolledBack = follower.client().awaitJob(halfMadeId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
            assertThat(rolledBack.result()).isEqualTo("failed");
            assertThat(rolledBack.info()).isEqualTo("the manager stopped while the job was at step '" + step
                    + "'; rolled back");
            assertThat(InstanceTraces.instanceDirectories(held)).as("what the half-made job made").isEmpty();
            Reply created = follower.client().awaitJob(behindId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
            assertThat(created.result()).as(created.body()).isEqualTo("done");
            assertThat(created.info()).isEqualTo(cluster);
            assertThat(ClusterFixture.storageNodes(follower.client(), cluster)).singleElement()
                    .satisfies(node -> assertThat(ClusterFixture.address(node)).startsWith(free.hostaddr() + ":"));
            Thread.sleep(200);
            assertThat(fencing.latest(halfMadeId)).isEqualTo(2L);
            assertThat(fencing.latest(behindId)).isEqualTo(2L);
            assertThat(fencing.wentBack()).isEmpty();
        }
    }

    /** Waits until the manager leads; answers how long after {@code since} (System.nanoTime) it was seen leading. */
    static Duration awaitLead(ManagerProcess manager, long since) throws InterruptedException {
        long deadline = since + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode managers = ClusterFixture.query(manager.client(), "list_managers", null).get("managers");
            for (JsonNode entry : managers) {
                if (entry.get("role").asText().equals("leader")
                        && entry.get("pid").asText().equals(Long.toString(manager.pid()))) {
                    return Duration.ofNanos(System.nanoTime() - since);
                }
            }
            assertThat(System.nanoTime()).as("manager " + manager.pid() + " never led: " + managers).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private Path config(String database, String more) throws IOException {
        Path config = Files.writeString(directory.resolve(database + ".json"), "{\"metadata\":{\"jdbc_url\":\""
                + mariadb.createDatabase(database) + "\",\"user\":\"" + mariadb.user() + "\",\"password\":\""
                + mariadb.password() + "\",\"lease_seconds\":" + LEASE_SECONDS + "}" + more + "}");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        return config;
    }
}
