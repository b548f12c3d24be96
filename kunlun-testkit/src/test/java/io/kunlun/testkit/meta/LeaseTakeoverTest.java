package io.kunlun.testkit.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.HeldProgram;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.PausedProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two real managers on one MariaDB metadata store: the leader, frozen (SIGSTOP) mid-job for
 * longer than its lease, comes back to find the lead taken over by the other, which rolled its job
 * back. It is a follower from then on: it leaves its job to the new leader, acts on no machine (it
 * starts no health round), and answers requests, the jobs submitted to it run by the new leader.
 * The fencing number recorded with the job's steps never goes back.
 */
class LeaseTakeoverTest {
    private static final int LEASE_SECONDS = 3;

    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.250", "127.0.0.250");

    @TempDir
    Path directory;

    @Test
    void aLeaderFrozenPastItsLeaseComesBackAsAFollowerAndLeavesItsJobToTheNewLeader() throws Exception {
        LoopbackMachine machine = loopback.take();
        // The comp's initdb (run after the shard is installed) holds the job mid-run, with an undo log.
        HeldProgram initdb = HeldProgram.in(directory, "initdb");
        try (MariaDbTestServer mariadb = MariaDbTestServer.start("127.0.0.254")) {
            Path config = Files.writeString(directory.resolve("manager.json"), "{\"metadata\":{\"jdbc_url\":\""
                    + mariadb.createDatabase("takeover") + "\",\"user\":\"" + mariadb.user() + "\",\"password\":\""
                    + mariadb.password() + "\",\"lease_seconds\":" + LEASE_SECONDS + "},\"machine_engines\":{\""
                    + machine.hostaddr() + "\":{\"initdb\":\"" + initdb.path() + "\"}}}");
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
            ManagerProcess first = ManagerProcess.start(directory.resolve("first"), processes, "--config", config.toString());
            ManagerProcess second = ManagerProcess.start(directory.resolve("second"), processes, "--config",
                    config.toString());
            try (FencingWatch fencing = FencingWatch.on(mariadb, "takeover")) {
                ClusterFixture.HeldJob held = ClusterFixture.createClusterHeldIn(initdb, first, machine);
                String jobId = held.jobId();
                assertThat(fencing.latest(jobId)).isEqualTo(1L);

                try (PausedProcess frozen = PausedProcess.pause(ProcessHandle.of(first.pid()).orElseThrow())) {
                    Reply rolledBack = second.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
                    assertThat(rolledBack.result()).isEqualTo("failed");
                    assertThat(rolledBack.info()).isEqualTo("the manager stopped while the job was at step '"
                            + held.step() + "'; rolled back");
                }
                Reply settled = second.client().post(ClusterFixture.getStatus(jobId));

                awaitRole(first, first.pid(), "follower");
                assertThat(ApiClient.to(first.uri().resolve("/metrics")).send("GET").body())
                        .contains("kunlun_manager_leader 0.0\n");
                assertThat(ApiClient.to(second.uri().resolve("/metrics")).send("GET").body())
                        .contains("kunlun_manager_leader 1.0\n");
                assertThat(first.client().post(ClusterFixture.getStatus(jobId)).body()).isEqualTo(settled.body());
                ObjectNode update = machine.request("update_machine", "u-" + UUID.randomUUID());
                Reply updated = first.client().submitAndAwait(update.toString());
                assertThat(updated.result()).as(updated.body()).isEqualTo("done");

                double followerRounds = healthRounds(first);
                double leaderRounds = healthRounds(second);
                initdb.release();
                // Beyond the 2 s after which an engine takes a job over again when the store failed under it,
                // and beyond a health interval (2 s): the leader probes, the follower does not.
                Thread.sleep(4_000);

                assertThat(healthRounds(first)).as("health rounds of the follower").isEqualTo(followerRounds);
                assertThat(healthRounds(second)).as("health rounds of the leader").isGreaterThan(leaderRounds);

                assertThat(second.client().post(ClusterFixture.getStatus(jobId)).body()).isEqualTo(settled.body());
                assertThat(InstanceTraces.instanceDirectories(machine)).as("what the job made, removed by the second")
                        .isEmpty();
                assertThat(first.output()).contains("this manager lost the lead (fencing number 1) to ");
                assertThat(fencing.latest(jobId)).isEqualTo(2L);
                assertThat(fencing.latest(update.get("job_id").asText())).isEqualTo(2L);
                assertThat(fencing.wentBack()).isEmpty();
            }
        }
    }

    /** The manager's kunlun_health_rounds_total, from its /metrics. */
    private static double healthRounds(ManagerProcess manager) {
        Matcher rounds = Pattern.compile("(?m)^kunlun_health_rounds_total (\\S+)$")
                .matcher(ApiClient.to(manager.uri().resolve("/metrics")).send("GET").body());
        assertThat(rounds.find()).as("kunlun_health_rounds_total in /metrics").isTrue();
        return Double.parseDouble(rounds.group(1));
    }

    /** Waits until list_managers, asked of {@code manager}, gives the manager of {@code pid} that role. */
    private static void awaitRole(ManagerProcess manager, long pid, String role) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            JsonNode managers = ClusterFixture.query(manager.client(), "list_managers", null).get("managers");
            for (JsonNode entry : managers) {
                if (entry.get("pid").asText().equals(Long.toString(pid)) && entry.get("role").asText().equals(role)) {
                    return;
                }
            }
            assertThat(System.nanoTime()).as("manager " + pid + " never became " + role + ": " + managers)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
