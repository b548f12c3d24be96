package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/** A manager killed while backup_cluster copies a shard leaves no partial backup once it starts again. */
class BackupKilledTest {
    /** What the killed manager was running: the test's go when it ends. */
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    static final ManagedProcesses managerProcesses = ManagedProcesses.create();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.162", "127.0.0.162");
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
}
