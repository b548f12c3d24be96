package io.kunlun.testkit.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.kunlun.testkit.InstanceTraces.instanceDirectories;
import static io.kunlun.testkit.InstanceTraces.isListening;
import static io.kunlun.testkit.cluster.ClusterFixture.createCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/** A create_cluster that fails, whatever the reason, leaves no process, directory, port or row. */
class ClusterFailureTest {
    @RegisterExtension
    LoopbackMachines loopback = LoopbackMachines.range("127.0.0.2", "127.0.0.4");
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();

    @Test
    void aMissingServerProgramIsRefusedBeforeAnythingIsCreated() {
        try (TestManager manager = TestManager.builder()
                .configure(config -> config.withEngines(config.engines().withStorageServer("/opt/none/mariadbd")))
                .build().start()) {
            LoopbackMachine machine = loopback.take();
            ClusterFixture.register(manager, List.of(machine));

            Reply failed = run(manager, createCluster("no_rep", 1, 1, 1, List.of(machine)));

            assertThat(failed.result()).isEqualTo("failed");
            assertThat(failed.info()).startsWith("127.0.0.2: ").contains("/opt/none/mariadbd");
            assertThat(query(manager, "get_cluster", null).size()).isZero();
            assertNoInstanceDirectories(machine);
        }
    }

    @Test
    void aDataDirectoryThatCannotBeWrittenRollsBackTheNodesAlreadyInstalled() throws Exception {
        try (TestManager manager = TestManager.builder().configure(c -> c.withExposeCredentials(true)).build().start()) {
            List<LoopbackMachine> machines = List.of(loopback.take(), loopback.take(), loopback.take());
            ClusterFixture.register(manager, machines);
            Files.writeString(machines.get(1).datadir().resolve("instance_data"), "in the way");

            Reply failed = run(manager, createCluster("rbr", 1, 3, 1, machines));

            assertThat(failed.result()).isEqualTo("failed");
            Matcher blocked = Pattern.compile("shard1 node 127\\.0\\.0\\.3:([0-9]+): "
                    + Pattern.quote(machines.get(1).datadir().toString())
                    + "/instance_data exists and is not a directory; rolled back").matcher(failed.info());
            assertThat(blocked.matches()).as(failed.info()).isTrue();
            int blockedPort = Integer.parseInt(blocked.group(1));
            assertThat(query(manager, "get_cluster", null).size()).isZero();
            for (LoopbackMachine machine : machines) {
                assertNoInstanceDirectories(machine);
                assertThat(isListening(machine.hostaddr(), TestPorts.storagePortBase()))
                        .as(machine.hostaddr() + ":" + TestPorts.storagePortBase()).isFalse();
            }
            Files.delete(machines.get(1).datadir().resolve("instance_data"));
            Reply created = run(manager, createCluster("no_rep", 1, 1, 1, machines.subList(1, 2)));
            assertThat(created.result()).as(created.toString()).isEqualTo("done");
            assertThat(entries(query(manager, "get_storage", created.info())).get(0).get("port").asInt())
                    .as("the failed job's ports were released").isLessThanOrEqualTo(blockedPort);
            assertThat(ClusterFixture.deleteCluster(manager, created.info()).result()).isEqualTo("done");
        }
    }

    @Test
    void aManagerKilledMidJobRollsTheJobBackWhenItStartsAgain(@TempDir Path home) throws Exception {
        LoopbackMachine machine = loopback.take();
        ManagerProcess manager = ManagerProcess.start(home, processes);
        ClusterFixture.register(manager.client(), List.of(machine));
        ObjectNode create = createCluster("rbr", 1, 1, 2, List.of(machine));
        manager.client().post(create.toString());
        String jobId = create.get("job_id").asText();
        ManagerKilledMidJob.awaitStep(manager, jobId, "installing 2 comps");

        ManagerKilledMidJob.killAndRestart(manager);

        Reply status = manager.client().post("{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}");
        assertThat(status.result()).isEqualTo("failed");
        assertThat(status.info()).startsWith("the manager stopped while the job was at step ").endsWith("; rolled back");
        assertNoInstanceDirectories(machine);
        assertThat(isListening(machine.hostaddr(), TestPorts.storagePortBase())).isFalse();
        assertThat(manager.client().post("{\"job_type\":\"get_cluster\"}").json().size()).isZero();
        manager.close();
    }

    private static void assertNoInstanceDirectories(LoopbackMachine machine) {
        assertThat(instanceDirectories(machine)).as("instance directories on " + machine.hostaddr()).isEmpty();
    }
}
