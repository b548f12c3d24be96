package io.kunlun.testkit.jobs;

import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.meta.JobRecord;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.job.JobState;
import io.kunlun.model.MetaNode;
import io.kunlun.testkit.HeldProgram;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM on a real manager process while create_cluster runs (held in the comp's initdb, after
 * the shard was installed): the process exits within its bound, the job is left ongoing with its
 * undo log (neither rolled back nor failed), and the next start rolls it back as
 * docs/architecture.md says, leaving no instance behind.
 */
class GracefulStopTest {
    /** Running jobs get 20 s, then 10 s once interrupted; the rest of the stop takes seconds. */
    private static final Duration STOP_BOUND = Duration.ofSeconds(45);

    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.251", "127.0.0.251");

    @TempDir
    Path directory;

    @Test
    void aJobRunningAtSigtermIsLeftOngoingAndTheNextStartRollsItBack() throws Exception {
        LoopbackMachine machine = loopback.take();
        HeldProgram initdb = HeldProgram.in(directory, "initdb");
        Path config = Files.writeString(directory.resolve("manager.json"), "{\"machine_engines\":{\""
                + machine.hostaddr() + "\":{\"initdb\":\"" + initdb.path() + "\"}}}");
        Path home = directory.resolve("home");
        ManagerProcess manager = ManagerProcess.start(home, processes, "--config", config.toString());
        ClusterFixture.HeldJob held = ClusterFixture.createClusterHeldIn(initdb, manager, machine);
        String jobId = held.jobId();
        List<Path> made = InstanceTraces.instanceDirectories(machine);

        manager.terminate(STOP_BOUND);

        try (MetadataStore store = MetadataStore.open(ManagerConfig.defaults(home).metadata(), home,
                new MetaNode("127.0.0.1", 0))) {
            JobRecord left = store.jobs().find(jobId).orElseThrow();
            assertThat(left.status().state()).isEqualTo(JobState.ONGOING);
            assertThat(left.status().step()).isEqualTo(held.step());
            assertThat(left.rollbackCause()).isEmpty();
            assertThat(store.jobs().undoLog(jobId)).isNotEmpty();
        }
        assertThat(made).as("the shard's and the comp's directories, made before the stop").isNotEmpty()
                .allMatch(Files::isDirectory);

        manager.restart();

        Reply ended = manager.client().awaitJob(jobId, ClusterFixture.CLUSTER_JOB_TIMEOUT);
        assertThat(ended.result()).isEqualTo("failed");
        assertThat(ended.info())
                .isEqualTo("the manager stopped while the job was at step '" + held.step() + "'; rolled back");
        assertThat(InstanceTraces.instanceDirectories(machine)).isEmpty();
        assertThat(ClusterFixture.query(manager.client(), "get_cluster", null).size()).isZero();
        initdb.release();
        manager.close();
    }
}
