package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.InstanceTraces;
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
import static io.kunlun.testkit.backup.BackupRequests.restoreNew;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A manager killed while restore_new_cluster restores a shard: once it starts again, the job
 * ends failed with its reason, and neither the machines nor the metadata nor the store keep
 * anything of the new cluster.
 */
class RestoreKilledTest {
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    static final ManagedProcesses managerProcesses = ManagedProcesses.create();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.234", "127.0.0.235");
    @TempDir
    static Path home;
    static ManagerProcess manager;

    @AfterAll
    static void stopManager() {
        managerProcesses.close();
    }

    @Test
    void aRestoreCutOffByAManagerKillIsRolledBackCompletelyOnRestart() throws Exception {
        LoopbackMachine sourceMachine = loopback.take();
        LoopbackMachine target = loopback.take();
        manager = ManagerProcess.start(home, managerProcesses, "--expose-credentials");
        ClusterFixture.register(manager.client(), List.of(sourceMachine, target));
        String source = ClusterFixture.createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(sourceMachine));
        Reply backup = run(manager.client(), backup(source));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        List<JsonNode> clustersBefore = ClusterFixture.entries(ClusterFixture.query(manager.client(), "get_cluster",
                null));
        List<String> storeBefore = files(home.resolve("backups"));
        ObjectNode request = restoreNew(backup.info(), source, List.of(target));
        String jobId = request.get("job_id").asText();
        manager.client().post(request.toString());
        ManagerKilledMidJob.awaitStep(manager, jobId, "restoring shard1");

        ManagerKilledMidJob.killAndRestart(manager);

        Reply ended = manager.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
        assertThat(ended.result()).isEqualTo("failed");
        assertThat(ended.info()).startsWith("the manager stopped while the job was at step 'restoring shard1")
                .endsWith("; rolled back");
        assertThat(ClusterFixture.entries(ClusterFixture.query(manager.client(), "get_cluster", null)))
                .isEqualTo(clustersBefore);
        assertThat(InstanceTraces.instanceDirectories(target)).as("no instance directory on the target").isEmpty();
        assertThat(InstanceTraces.listeningPorts(target.hostaddr())).as("nothing listens on the target").isEmpty();
        assertThat(InstanceTraces.processesUnder(target.root(), manager.pid()))
                .as("nothing runs in the target's directories").isEmpty();
        assertThat(files(home.resolve("backups"))).as("the store as it was").isEqualTo(storeBefore);

        Reply again = run(manager.client(), restoreNew(backup.info(), source, List.of(target)));
        assertThat(again.result()).as(again.toString()).isEqualTo("done");
        assertThat(ClusterFixture.deleteCluster(manager.client(), again.info()).result()).isEqualTo("done");
        assertThat(ClusterFixture.deleteCluster(manager.client(), source).result()).isEqualTo("done");
    }

    /** Every file and directory under the root, relative to it, in order. */
    private static List<String> files(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.map(path -> root.relativize(path).toString()).sorted().toList();
        }
    }
}
