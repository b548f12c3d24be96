package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.HeldProgram;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestPorts;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A manager killed while backup_cluster copies a shard leaves no partial backup once it starts
 * again, and no sending end of the copy running on the source's machine.
 */
class BackupKilledTest {
    /** What the killed manager was running: the test's go when it ends. */
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    static final ManagedProcesses managerProcesses = ManagedProcesses.create();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.162", "127.0.0.186");
    @TempDir
    static Path home;
    static ManagerProcess manager;

    @AfterAll
    static void stopManager() {
        managerProcesses.close();
    }

    @Test
    void aBackupCutOffByAManagerKillIsDeletedFromTheStoreOnRestartAndTheNextOneSucceeds() throws Exception {
        LoopbackMachine machine = loopback.take();
        manager = ManagerProcess.start(home, managerProcesses, "--expose-credentials");
        ClusterFixture.register(manager.client(), List.of(machine));
        String cluster = ClusterFixture.createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(machine));
        ObjectNode request = backup(cluster);
        String jobId = request.get("job_id").asText();
        manager.client().post(request.toString());
        ManagerKilledMidJob.awaitStep(manager, jobId, "copying 1 shard");

        ManagerKilledMidJob.killAndRestart(manager);

        Reply ended = manager.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
        assertThat(ended.result()).isEqualTo("failed");
        assertThat(ended.info()).startsWith("the manager stopped while the job was at step 'copying 1 shard to 127.0.0.1:"
                + home.resolve("backups").resolve(cluster)).endsWith("; rolled back");
        try (Stream<Path> kept = Files.list(home.resolve("backups").resolve(cluster))) {
            assertThat(kept.map(path -> path.getFileName().toString())).as("no partial backup, only the binlog archive")
                    .containsExactly("binlog");
        }
        assertThat(ClusterFixture.query(manager.client(), "list_backups", cluster).get("backups")).isEmpty();

        Reply next = run(manager.client(), backup(cluster));
        assertThat(next.result()).as(next.toString()).isEqualTo("done");
        assertThat(ClusterFixture.query(manager.client(), "list_backups", cluster).get("backups")).hasSize(1);
        assertThat(ClusterFixture.deleteCluster(manager.client(), cluster).result()).isEqualTo("done");
    }

    /**
     * mariadb-backup is held on the source's machine, its output piped to the socat the store's
     * end reads from; the manager's JVM alone is killed, so both ends live on, as over SSH they
     * may. The rollback after the restart stops the job's sending end, and with it the receiving
     * end, which reads its end of file.
     */
    @Test
    void theSendingEndOfABackupCutOffByAManagerKillIsStoppedByTheRollback(@TempDir Path heldDirectory)
            throws Exception {
        LoopbackMachine machine = loopback.take();
        HeldProgram mariadbBackup = HeldProgram.in(heldDirectory, "mariadb-backup");
        ObjectNode configured = JsonNodeFactory.instance.objectNode();
        ObjectNode engines = configured.putObject("machine_engines").putObject(machine.hostaddr());
        TestPorts.engineFields().forEach(engines::put); // a machine's entry replaces engines, bases too
        engines.put("storage_backup", mariadbBackup.path().toString());
        Path config = Files.writeString(heldDirectory.resolve("manager.json"), configured.toString());
        ManagerProcess held = ManagerProcess.start(heldDirectory.resolve("home"), managerProcesses,
                "--expose-credentials", "--config", config.toString());
        ClusterFixture.register(held.client(), List.of(machine));
        String cluster = ClusterFixture.createdCluster(held.client(), "no_rep", 1, 1, 1, List.of(machine));
        ObjectNode request = backup(cluster);
        String jobId = request.get("job_id").asText();
        held.client().post(request.toString());
        mariadbBackup.awaitHeld(Duration.ofMinutes(2), () -> held.client().post(ClusterFixture.getStatus(jobId))
                .body());
        assertThat(ProcessHandle.of(held.pid()).orElseThrow().descendants()
                .filter(process -> process.info().commandLine().orElse("").contains("kunlun-backup-" + jobId))
                .filter(BackupKilledTest::leadsItsGroup))
                .as("the sending end, marked with the job").hasSize(1);

        List<ProcessHandle> inFlight = ManagerKilledMidJob.killTheJvmAloneAndRestart(held, processes);

        Reply ended = held.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
        assertThat(ended.result()).isEqualTo("failed");
        assertThat(ended.info()).endsWith("; rolled back");
        assertThat(ManagerKilledMidJob.stillRunning(inFlight))
                .as("every command the killed manager ran: the sending end, and the receiving end reading its end")
                .isEmpty();
        assertThat(ClusterFixture.deleteCluster(held.client(), cluster).result()).isEqualTo("done");
    }

    /**
     * Whether the process leads its process group, as the sending end's bash does. The shell's
     * forks for the pipeline's commands carry its command line until they exec, which under load
     * may be a while; they are in its group, and the stop ends them with it.
     */
    private static boolean leadsItsGroup(ProcessHandle process) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so count from the last ')'
            String[] afterCommand = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return afterCommand[2].equals(String.valueOf(process.pid()));
        } catch (IOException gone) {
            return false;
        }
    }
}
