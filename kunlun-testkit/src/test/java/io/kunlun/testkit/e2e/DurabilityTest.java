package io.kunlun.testkit.e2e;

import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Job status lives in the metadata store: it survives kill -9 of the manager, for every job. */
class DurabilityTest {
    private static final String GET_STATUS = "{\"job_type\":\"get_status\",\"job_id\":\"%s\"}";

    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.30", "127.0.0.39");

    @TempDir
    Path home;

    @Test
    void aDoneJobIsStillDoneWithTheSameInfoAfterKill9AndRestart() {
        LoopbackMachine machine = machines.take();
        ManagerProcess manager = ManagerProcess.start(home, processes);
        Reply done = manager.client().submitAndAwait(machine.createMachineJson("durable-create"));
        assertThat(done.info()).isEqualTo("create machine succeed");

        manager.kill();
        assertThat(manager.isAlive()).isFalse();
        manager.restart();

        assertThat(manager.client().post(GET_STATUS.formatted("durable-create"))).isEqualTo(done);
        assertThat(manager.client().post("{\"job_type\":\"list_machines\"}").json().get("machine0").get("hostaddr")
                .asText()).isEqualTo(machine.hostaddr());
    }

    @Test
    void theStatusOfEveryJobSurvivesARestart() {
        ManagerProcess manager = ManagerProcess.start(home, processes);
        ApiClient api = manager.client();
        Map<String, Reply> ended = new LinkedHashMap<>();
        for (int i = 0; i < 150; i++) {
            String jobId = "many-" + i;
            ended.put(jobId, api.submitAndAwait("{\"job_type\":\"delete_machine\",\"job_id\":\"" + jobId
                    + "\",\"hostaddr\":\"127.0.0.39\"}"));
        }

        manager.kill();
        manager.restart();

        ended.forEach((jobId, reply) -> {
            assertThat(reply.info()).isEqualTo("machine 127.0.0.39 is not registered");
            assertThat(manager.client().post(GET_STATUS.formatted(jobId))).isEqualTo(reply);
        });
    }

    @Test
    void aManagerOnPortZeroReportsThePortItReallyListensOn() {
        ManagerProcess manager = ManagerProcess.start(home, processes);

        assertThat(manager.client().post("{\"job_type\":\"get_meta\"}")).isEqualTo(Reply.of(200,
                "{\"meta0\":{\"ip\":\"127.0.0.1\",\"port\":\"" + manager.port() + "\",\"status\":\"online\"}}"));
    }
}
