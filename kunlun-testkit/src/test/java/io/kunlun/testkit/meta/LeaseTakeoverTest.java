package io.kunlun.testkit.meta;

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

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two real managers on one MariaDB metadata store: the first, frozen (SIGSTOP) mid-job for longer
 * than its lease, comes back to find the store taken over by the second, which rolled its job
 * back. It then acts no more: its job is left to the second, and it refuses requests naming the
 * second.
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
    void aManagerThatLostItsLeaseLeavesItsJobToTheNewHolderAndRefusesRequestsNamingIt() throws Exception {
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
            ClusterFixture.HeldJob held = ClusterFixture.createClusterHeldIn(initdb, first, machine);
            String jobId = held.jobId();

            ManagerProcess second;
            try (PausedProcess frozen = PausedProcess.pause(ProcessHandle.of(first.pid()).orElseThrow())) {
                Thread.sleep((LEASE_SECONDS + 2) * 1000L);
                second = ManagerProcess.start(directory.resolve("second"), processes, "--config", config.toString());
                Reply rolledBack = second.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
                assertThat(rolledBack.result()).isEqualTo("failed");
                assertThat(rolledBack.info()).isEqualTo("the manager stopped while the job was at step '" + held.step()
                        + "'; rolled back");
            }
            Reply settled = second.client().post(ClusterFixture.getStatus(jobId));

            String refusal = "this manager lost its lease on the metadata store to host "
                    + InetAddress.getLocalHost().getHostName() + " pid " + second.pid() + ", started ";
            Reply refused = awaitRefusal(first, refusal);
            assertThat(refused.info()).endsWith("; it runs no job and answers no request: send requests to that"
                    + " manager, and stop this one");
            Reply metrics = ApiClient.to(first.uri().resolve("/metrics")).send("GET");
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.body()).contains("kunlun_metadata_lease_held 0.0\n");
            ObjectNode another = ClusterFixture.createCluster("no_rep", 1, 1, 1, List.of(machine));
            assertThat(first.client().post(another.toString()).info()).isEqualTo(refused.info());
            assertThat(second.client().post(ClusterFixture.getStatus(another.get("job_id").asText())).info())
                    .isEqualTo("no job with id " + another.get("job_id").asText());

            initdb.release();
            // Beyond the 2 s after which an engine takes a job over again when the store failed under it.
            Thread.sleep(4_000);

            assertThat(second.client().post(ClusterFixture.getStatus(jobId)).body()).isEqualTo(settled.body());
            assertThat(InstanceTraces.instanceDirectories(machine)).as("what the job made, removed by the second")
                    .isEmpty();
            assertThat(first.output()).contains("this manager lost its lease to host");
            assertThat(ClusterFixture.query(second.client(), "list_machines", null).toString())
                    .contains(machine.hostaddr());
        }
    }

    private static Reply awaitRefusal(ManagerProcess manager, String refusal) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            Reply reply = manager.client().post("{\"job_type\":\"list_machines\"}");
            if (reply.info() != null && reply.info().startsWith(refusal)) {
                return reply;
            }
            assertThat(System.nanoTime()).as("the first manager never refused with " + refusal + "; last: " + reply)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
