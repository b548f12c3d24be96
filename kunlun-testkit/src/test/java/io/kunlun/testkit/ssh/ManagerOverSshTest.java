package io.kunlun.testkit.ssh;

import io.kunlun.core.ClusterManager;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.WireFormat;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The manager reaches a machine over SSH when its configuration says so. */
class ManagerOverSshTest {
    private static final String ADDRESS = "127.0.0.27";
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(60);

    private static SshKeys keys;
    private static MinaSshServer server;

    @TempDir
    Path home;
    @TempDir
    Path machineRoot;
    private ClusterManager manager;

    @BeforeAll
    static void startServer() {
        keys = SshKeys.generate(SshKeys.Type.ECDSA);
        server = MinaSshServer.start(ADDRESS, keys.publicKeyLine());
    }

    @AfterAll
    static void stopServer() {
        server.close();
        keys.close();
    }

    @BeforeEach
    void openManager() {
        manager = ClusterManager.open(TestPorts.managerConfig(home)
                .withSsh(server.sshConfig(keys, home.resolve("known_hosts"), true)));
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    private JobStatus createMachine(String jobId, String datadir) throws InterruptedException {
        String root = machineRoot.toString();
        String request = """
                {"job_type":"create_machine","job_id":"%s","user_name":"tester","hostaddr":"%s","rack_id":"1",
                 "datadir":"%s","logdir":"%s","wal_log_dir":"%s","comp_datadir":"%s",
                 "total_mem":"4096","total_cpu_cores":"8"}""".formatted(jobId, ADDRESS, datadir, root, root, root);
        manager.submit(WireFormat.parse(request.getBytes(StandardCharsets.UTF_8)));
        return manager.await(jobId, JOB_TIMEOUT);
    }

    @Test
    void createMachineChecksThePathsOnTheMachineOverSsh() throws Exception {
        int connectionsBefore = server.connectionsAccepted();

        JobStatus status = createMachine("ssh-create-1", machineRoot.toString());

        assertThat(status.state()).isEqualTo(JobState.DONE);
        assertThat(status.info()).isEqualTo("create machine succeed");
        assertThat(server.connectionsAccepted() - connectionsBefore).isEqualTo(1);
        assertThat(manager.machines()).extracting(machine -> machine.hostaddr()).containsExactly(ADDRESS);
    }

    @Test
    void createMachineFailsWhenAPathDoesNotExistOnTheMachine() throws Exception {
        JobStatus status = createMachine("ssh-create-2", "/nope");

        assertThat(status.state()).isEqualTo(JobState.FAILED);
        assertThat(status.info()).isEqualTo(ADDRESS + ": path /nope is not a writable directory");
        assertThat(manager.machines()).isEmpty();
    }
}
