package io.kunlun.testkit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A job_id names one job: re-sending the same request is harmless, reusing the id for another is refused. */
class IdempotentJobIdTest {
    @RegisterExtension
    static TestManager manager = TestManager.create();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.30", "127.0.0.39");

    @Test
    void theSameIdAndBodyTwiceIsAcceptedTwiceAndRunsOnce() {
        LoopbackMachine machine = machines.take();
        String request = machine.createMachineJson("same-twice");

        Reply first = manager.post(request);
        Reply ended = manager.client().awaitJob("same-twice", ApiClient.DEFAULT_JOB_TIMEOUT);
        Reply second = manager.post(request);

        assertThat(first.result()).isEqualTo("accept");
        assertThat(second.result()).isEqualTo("accept");
        assertThat(second.text("job_id")).contains("same-twice");
        assertThat(ended.info()).isEqualTo("create machine succeed");
        assertThat(manager.client().awaitJob("same-twice", ApiClient.DEFAULT_JOB_TIMEOUT)).isEqualTo(ended);
        assertThat(rowsWithId("same-twice")).isEqualTo(1);
    }

    @Test
    void aVersionFieldDoesNotMakeTheBodyDifferent() {
        LoopbackMachine machine = machines.take();
        var request = machine.request("create_machine", "other-ver");

        manager.post(request.toString());
        Reply again = manager.post(request.put("ver", "0.2").toString());

        assertThat(again.result()).isEqualTo("accept");
        assertThat(manager.client().awaitJob("other-ver", ApiClient.DEFAULT_JOB_TIMEOUT).info())
                .isEqualTo("create machine succeed");
        assertThat(rowsWithId("other-ver")).isEqualTo(1);
    }

    @Test
    void theSameIdWithAnotherBodyIsRefused() {
        LoopbackMachine machine = machines.take();
        manager.submitAndAwait(machine.createMachineJson("reused"));

        Reply refused = manager.post(machine.request("create_machine", "reused").put("total_mem", "2048").toString());

        assertThat(refused).isEqualTo(Reply.of(200,
                "{\"result\":\"failed\",\"info\":\"job_id reused was already used for another request\"}"));
        assertThat(manager.client().awaitJob("reused", ApiClient.DEFAULT_JOB_TIMEOUT).info())
                .isEqualTo("create machine succeed");
        assertThat(rowsWithId("reused")).isEqualTo(1);
    }

    @Test
    void theSameRequestFromManyClientsAtOnceIsAcceptedByAllAndRunsOnce() throws Exception {
        LoopbackMachine machine = machines.take();
        String request = machine.createMachineJson("same-at-once");
        int clients = 20;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Reply>> replies = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                ApiClient client = ApiClient.to(manager.uri());
                replies.add(pool.submit(() -> {
                    start.await();
                    return client.post(request);
                }));
            }
            start.countDown();
            for (Future<Reply> reply : replies) {
                Reply answered = reply.get(30, TimeUnit.SECONDS);
                assertThat(answered.result()).as(answered.toString()).isEqualTo("accept");
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(manager.client().awaitJob("same-at-once", ApiClient.DEFAULT_JOB_TIMEOUT).info())
                .isEqualTo("create machine succeed");
        assertThat(rowsWithId("same-at-once")).isEqualTo(1);
    }

    private static long rowsWithId(String jobId) {
        JsonNode jobs = manager.post("{\"job_type\":\"list_jobs\",\"limit\":\"1000\"}").json().get("jobs");
        long rows = 0;
        for (JsonNode job : jobs) {
            if (job.get("job_id").asText().equals(jobId)) {
                rows++;
            }
        }
        return rows;
    }
}
