package io.kunlun.testkit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** create_machine, update_machine and delete_machine through HTTP, on loopback machines. */
class MachineJobsOverHttpTest {
    @RegisterExtension
    static TestManager manager = TestManager.create();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.30", "127.0.0.39");

    /** The create_machine request of the API's original text, as Xpanel sends it. */
    private static final String SPEC_CREATE_MACHINE = """
            {
            "ver":"0.1",
            "job_id":"uuid999",
            "job_type":"create_machine",
            "hostaddr":"127.0.0.1",
            "rack_id":"1",
            "datadir":"/home/kunlun;/nvme2",
            "logdir":"/home/kunlun;/nvme3",
            "wal_log_dir":"/home/kunlun",
            "comp_datadir":"/nvme2",
            "total_mem":"1024",
            "total_cpu_cores":"8",
            "user_name":"zhangsan"
            }""";

    @Test
    void theSpecsCreateMachineSentLikeCurlIsAcceptedAndReachesDone(@TempDir Path paths) throws Exception {
        LoopbackMachine machine = machines.take();
        Path home = Files.createDirectory(paths.resolve("home_kunlun"));
        Path nvme2 = Files.createDirectory(paths.resolve("nvme2"));
        Path nvme3 = Files.createDirectory(paths.resolve("nvme3"));
        String request = SPEC_CREATE_MACHINE
                .replace("127.0.0.1", machine.hostaddr())
                .replace("/home/kunlun", home.toString())
                .replace("/nvme2", nvme2.toString())
                .replace("/nvme3", nvme3.toString());

        Reply accepted = manager.post(request);

        assertThat(accepted.status()).isEqualTo(200);
        assertThat(accepted.result()).isEqualTo("accept");
        assertThat(accepted.text("job_id")).contains("uuid999");
        Reply ended = manager.client().awaitJob("uuid999", java.time.Duration.ofSeconds(30));
        assertThat(ended.result()).isEqualTo("done");
        assertThat(ended.info()).isEqualTo("create machine succeed");
        assertThat(ended.text("job_type")).contains("create_machine");
        assertThat(ended.text("progress")).contains("2/2");
        JsonNode registered = machineEntry(machine.hostaddr());
        assertThat(registered.get("datadir").asText()).isEqualTo(home + ";" + nvme2);
        assertThat(registered.get("logdir").asText()).isEqualTo(home + ";" + nvme3);
        assertThat(registered.get("total_mem").asText()).isEqualTo("1024");
        assertThat(registered.get("paths")).hasSize(3);
    }

    @Test
    void createRecordsTheSpaceOfEveryPath() {
        LoopbackMachine machine = machines.take();

        assertThat(manager.submitAndAwait(machine.createMachineJson("space-" + machine.hostaddr())).info())
                .isEqualTo("create machine succeed");

        JsonNode paths = machineEntry(machine.hostaddr()).get("paths");
        assertThat(paths).hasSize(4);
        for (JsonNode path : paths) {
            long total = Long.parseLong(path.get("total_bytes").asText());
            long free = Long.parseLong(path.get("free_bytes").asText());
            assertThat(total).isPositive();
            assertThat(free).isBetween(0L, total);
            assertThat(Long.parseLong(path.get("used_bytes").asText())).isEqualTo(total - free);
        }
    }

    @Test
    void updateOfAKnownMachineIsDone() {
        LoopbackMachine machine = machines.take();
        manager.submitAndAwait(machine.createMachineJson("update-known-create"));

        Reply ended = manager.submitAndAwait(machine.request("update_machine", "update-known")
                .put("total_mem", "8192").toString());

        assertThat(ended.result()).isEqualTo("done");
        assertThat(ended.info()).isEqualTo("update machine succeed");
        assertThat(machineEntry(machine.hostaddr()).get("total_mem").asText()).isEqualTo("8192");
    }

    @Test
    void updateOfAnUnknownMachineFailsNamingIt() {
        LoopbackMachine machine = machines.take();

        Reply ended = manager.submitAndAwait(machine.updateMachineJson("update-unknown"));

        assertThat(ended.result()).isEqualTo("failed");
        assertThat(ended.info()).isEqualTo("machine " + machine.hostaddr() + " is not registered");
    }

    @Test
    void deleteForgetsTheMachine() {
        LoopbackMachine machine = machines.take();
        manager.submitAndAwait(machine.createMachineJson("delete-create"));

        Reply ended = manager.submitAndAwait(machine.deleteMachineJson("delete"));

        assertThat(ended.result()).isEqualTo("done");
        assertThat(ended.info()).isEqualTo("delete machine succeed");
        assertThat(machineEntry(machine.hostaddr())).isNull();
    }

    @Test
    void deleteOfAnUnknownMachineFailsNamingIt() {
        LoopbackMachine machine = machines.take();

        Reply ended = manager.submitAndAwait(machine.deleteMachineJson("delete-unknown"));

        assertThat(ended.result()).isEqualTo("failed");
        assertThat(ended.info()).isEqualTo("machine " + machine.hostaddr() + " is not registered");
    }

    @Test
    void createOfAKnownHostaddrIsRefusedAndLeavesTheMachineAsItWas() {
        LoopbackMachine machine = machines.take();
        manager.submitAndAwait(machine.createMachineJson("known-first"));

        Reply ended = manager.submitAndAwait(machine.request("create_machine", "known-second")
                .put("total_mem", "2048").toString());

        assertThat(ended.result()).isEqualTo("failed");
        assertThat(ended.info()).isEqualTo("machine " + machine.hostaddr() + " is already registered");
        assertThat(machineEntry(machine.hostaddr()).get("total_mem").asText())
                .isEqualTo(LoopbackMachine.TOTAL_MEM_MB);
    }

    @Test
    void aPathThatDoesNotExistOnTheMachineFailsTheJobNamingThePath() {
        LoopbackMachine machine = machines.take();
        String missing = machine.root().resolve("no-such-disk").toString();

        Reply ended = manager.submitAndAwait(machine.request("create_machine", "missing-path")
                .put("logdir", machine.logdir() + ";" + missing).toString());

        assertThat(ended.result()).isEqualTo("failed");
        assertThat(ended.info()).isEqualTo(machine.hostaddr() + ": path " + missing + " is not a writable directory");
        assertThat(machineEntry(machine.hostaddr())).isNull();
    }

    @Test
    void aShellCommandInAPathIsRefusedWithHttp400AndNothingRuns(@TempDir Path scratch) {
        LoopbackMachine machine = machines.take();
        Path pwned = scratch.resolve("pwned");
        String datadir = "/tmp/x; touch " + pwned;

        Reply refused = manager.post(machine.request("create_machine", "injection")
                .put("datadir", datadir).toString());

        assertThat(refused).isEqualTo(Reply.of(400, """
                {"result":"failed","info":"datadir must be ';'-separated absolute paths of letters, digits,\
                 '.', '_', '+', '-' and '/', got \\"touch %s\\""}""".formatted(pwned)));
        assertThat(pwned).doesNotExist();
        assertThat(manager.post("{\"job_type\":\"get_status\",\"job_id\":\"injection\"}"))
                .isEqualTo(Reply.of(200, "{\"result\":\"failed\",\"info\":\"no job with id injection\"}"));
        assertThat(machineEntry(machine.hostaddr())).isNull();
    }

    /** The machine's entry in list_machines, or null when it is not registered. */
    private static JsonNode machineEntry(String hostaddr) {
        Reply machinesNow = manager.post("{\"job_type\":\"list_machines\"}");
        assertThat(machinesNow.status()).isEqualTo(200);
        for (JsonNode entry : machinesNow.json()) {
            if (entry.get("hostaddr").asText().equals(hostaddr)) {
                return entry;
            }
        }
        return null;
    }
}
