package io.kunlun.testkit.e2e;

import io.kunlun.model.job.JobStatus;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Jobs on one lock (here: one machine) wait their turn and run in the order they were accepted. */
class LockOrderTest {
    private static final int UPDATES = 8;

    @RegisterExtension
    static TestManager manager = TestManager.create();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.30", "127.0.0.39");

    @Test
    void updatesOfOneMachineEndInAcceptanceOrderEachAfterThePreviousEnded() throws IOException {
        LoopbackMachine machine = machines.take();
        String datadirs = manyDatadirs(machine);
        manager.submitAndAwait(machine.request("create_machine", "fifo-create").put("datadir", datadirs).toString());

        List<String> ids = IntStream.rangeClosed(1, UPDATES).mapToObj(i -> "fifo-update-" + i).toList();
        for (int i = 0; i < UPDATES; i++) {
            String update = machine.request("update_machine", ids.get(i))
                    .put("datadir", datadirs).put("total_mem", Integer.toString(1001 + i)).toString();
            assertThat(manager.post(update).result()).isEqualTo("accept");
        }
        for (String id : ids) {
            assertThat(manager.client().awaitJob(id, ApiClient.DEFAULT_JOB_TIMEOUT).info())
                    .isEqualTo("update machine succeed");
        }

        List<JobStatus> ended = ids.stream().map(id -> manager.manager().status(id).orElseThrow()).toList();
        boolean someWaited = false;
        for (int i = 1; i < UPDATES; i++) {
            Instant previousEnd = ended.get(i - 1).endedAt().orElseThrow();
            assertThat(ended.get(i).startedAt().orElseThrow()).as("start of update %d", i + 1)
                    .isAfterOrEqualTo(previousEnd);
            someWaited |= ended.get(i).submittedAt().isBefore(previousEnd);
        }
        assertThat(someWaited).as("an update was accepted while the one before it still ran").isTrue();
        assertThat(manager.post("{\"job_type\":\"list_machines\"}").json().get("machine0").get("total_mem").asText())
                .isEqualTo(Integer.toString(1000 + UPDATES));
    }

    /** Eight data paths: each job checks every path on the machine, which keeps it busy a while. */
    private static String manyDatadirs(LoopbackMachine machine) throws IOException {
        List<String> paths = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            Path disk = Files.createDirectory(machine.root().resolve("disk" + i));
            paths.add(disk.toString());
        }
        return String.join(";", paths);
    }
}
