package io.kunlun.testkit.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.engines.EngineConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
                .configure(config -> config.withEngines(EngineConfig.defaults().withStorageServer("/opt/none/mariadbd")))
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
            Matcher blocked = Pattern.compile("shard1 node 127\\.0\\.0\\.3:([0-9]+): cannot create the instance's"
                    + " directories: mkdir: cannot create directory ‘" + Pattern.quote(machines.get(1).datadir().toString())
                    + "/instance_data’: Not a directory.*; rolled back").matcher(failed.info());
            assertThat(blocked.matches()).as(failed.info()).isTrue();
            int blockedPort = Integer.parseInt(blocked.group(1));
            assertThat(query(manager, "get_cluster", null).size()).isZero();
            for (LoopbackMachine machine : machines) {
                assertNoInstanceDirectories(machine);
                assertThat(listening(machine.hostaddr(), 57330)).as(machine.hostaddr() + ":57330").isFalse();
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
        ObjectNode register = machine.request("create_machine", "m1").put("total_mem", "65536")
                .put("total_cpu_cores", "32");
        assertThat(manager.client().submitAndAwait(register.toString()).result()).isEqualTo("done");
        ObjectNode create = createCluster("rbr", 1, 1, 2, List.of(machine));
        manager.client().post(create.toString());
        String jobId = create.get("job_id").asText();
        awaitStep(manager, jobId, "installing 2 comps");
        List<ProcessHandle> commandsInFlight = ProcessHandle.of(manager.pid()).orElseThrow().descendants()
                .filter(process -> !process.info().command().orElse("").matches(".*/(mariadbd|postgres)"))
                .toList();

        manager.kill();
        awaitExit(commandsInFlight);
        ManagerProcess restarted = manager.restart();

        Reply status = restarted.client().post("{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}");
        assertThat(status.result()).isEqualTo("failed");
        assertThat(status.info()).startsWith("the manager stopped while the job was at step ").endsWith("; rolled back");
        assertNoInstanceDirectories(machine);
        assertThat(listening(machine.hostaddr(), 57330)).isFalse();
        assertThat(restarted.client().post("{\"job_type\":\"get_cluster\"}").json().size()).isZero();
        restarted.close();
    }

    private static void awaitStep(ManagerProcess manager, String jobId, String step) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            Reply status = manager.client().post("{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}");
            assertThat(status.result()).as(status.toString()).isIn("accept", "ongoing");
            if (status.text("step").orElse("").startsWith(step)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + jobId + " never reached step " + step);
    }

    /**
     * Commands the manager was running (an initdb, say) finish on their own after it dies; the
     * restart is meant to find what they left, as it would after they ended.
     */
    private static void awaitExit(List<ProcessHandle> processes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static boolean listening(String hostaddr, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(hostaddr), port), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static void assertNoInstanceDirectories(LoopbackMachine machine) {
        for (Path root : List.of(machine.datadir(), machine.logdir(), machine.walLogDir(), machine.compDatadir())) {
            Path instances = root.resolve("instance_data");
            if (Files.isDirectory(instances)) {
                try (var walk = Files.walk(instances)) {
                    assertThat(walk.filter(Files::isDirectory)
                            .filter(dir -> dir.getFileName().toString().matches("[0-9]+")).toList())
                            .as("instance directories under " + root).isEmpty();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }
}
