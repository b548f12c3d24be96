package io.kunlun.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManagerProcessTest {
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    @RegisterExtension
    LoopbackMachines loopback = LoopbackMachines.of("127.0.0.206");

    /** getent: the key is not in the database. */
    private static final int GETENT_NOT_FOUND = 2;
    /** How soon a process SIGKILLed is gone (reaped). */
    private static final Duration KILLED_EXIT = Duration.ofSeconds(10);

    @TempDir
    Path home;

    @Test
    void aManagerThatCannotStartFailsWithItsOutput() {
        assertThatThrownBy(() -> ManagerProcess.start(home, processes, "--bogus"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the manager on " + home + " exited before listening (exit code 2); output:\n"
                        + "serve: unknown flag --bogus");
    }

    @Test
    void killEndsTheProcessAndRestartServesTheSameHomeAgain() {
        ManagerProcess manager = ManagerProcess.start(home, processes);
        long firstPid = manager.pid();

        manager.kill();
        assertThat(ProcessHandle.of(firstPid).filter(ProcessHandle::isAlive)).isEmpty();
        manager.restart();

        assertThat(manager.pid()).isNotEqualTo(firstPid);
        assertThat(manager.home()).isEqualTo(home);
        assertThat(manager.client().post("{\"job_type\":\"get_meta_mode\"}"))
                .isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
    }

    @Test
    void closingDeletesTheAccountOfAClusterTheTestLeftAndKillsWhatRunsAsIt() {
        LoopbackMachine machine = loopback.take();
        ManagerProcess manager = ManagerProcess.start(home, processes);
        ClusterFixture.register(manager.client(), List.of(machine));
        ClusterFixture.createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(machine));
        ProcessHandle server = InstanceTraces.storageServer(machine, TestPorts.storagePortBase());
        String account = server.info().user().orElseThrow();
        assertThat(account).startsWith("kunlun_c");

        manager.close();

        assertThat(Programs.result(List.of("getent", "passwd", account), Map.of()).status())
                .as("getent passwd " + account).isEqualTo(GETENT_NOT_FOUND);
        assertThat(server.onExit()).as("the storage node's server, killed").succeedsWithin(KILLED_EXIT);
    }

    @Test
    void theManagerPlansPortsFromThisJvmsBasesAddedToTheTestsOwnConfiguration(@TempDir Path configDir)
            throws Exception {
        Path config = Files.writeString(configDir.resolve("manager.json"),
                "{\"workers\":3,\"engines\":{\"start_timeout_seconds\":90,\"comp_port_base\":31000}}");

        ManagerProcess manager = ManagerProcess.start(home, processes, "--config", config.toString());

        List<String> arguments = List.of(Files.readString(Path.of("/proc", Long.toString(manager.pid()), "cmdline"))
                .split("\0"));
        JsonNode given = new ObjectMapper().readTree(
                Files.readString(Path.of(arguments.get(arguments.indexOf("--config") + 1))));
        assertThat(given.get("workers").asInt()).isEqualTo(3);
        assertThat(given.get("engines").get("start_timeout_seconds").asInt()).isEqualTo(90);
        assertThat(given.get("engines").get("comp_port_base").asInt()).isEqualTo(31000);
        assertThat(given.get("engines").get("storage_port_base").asInt()).isEqualTo(TestPorts.storagePortBase());
        assertThat(given.get("engines").get("mysqld_exporter_port_base").asInt())
                .isEqualTo(TestPorts.mysqldExporterPortBase());
    }
}
