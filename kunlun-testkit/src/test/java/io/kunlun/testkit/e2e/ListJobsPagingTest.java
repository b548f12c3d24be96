package io.kunlun.testkit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** list_jobs pages through every job, newest first, with before and next_before. */
class ListJobsPagingTest {
    @RegisterExtension
    static TestManager manager = TestManager.create();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.167", "127.0.0.169");

    @BeforeAll
    static void threeJobs() {
        for (String jobId : List.of("paged-1", "paged-2", "paged-3")) {
            assertThat(manager.submitAndAwait(machines.take().createMachineJson(jobId)).result()).isEqualTo("done");
        }
    }

    @Test
    void aFullPageNamesWhereTheNextStartsAndTheLastPageDoesNot() {
        Reply first = manager.post("{\"job_type\":\"list_jobs\",\"limit\":\"2\"}");
        assertThat(jobIds(first)).containsExactly("paged-3", "paged-2");
        assertThat(first.text("next_before")).hasValue("paged-2");

        Reply last = manager.post("{\"job_type\":\"list_jobs\",\"limit\":\"2\",\"before\":\"paged-2\"}");
        assertThat(jobIds(last)).containsExactly("paged-1");
        assertThat(last.text("next_before")).isEmpty();
    }

    @Test
    void aPageAfterAJobTheManagerDoesNotHaveIsRefused() {
        assertThat(manager.post("{\"job_type\":\"list_jobs\",\"before\":\"never-accepted\"}")).isEqualTo(Reply.of(200,
                "{\"result\":\"failed\",\"info\":\"before: no job with id never-accepted (it was never accepted,"
                        + " or has been pruned since: list again from the newest)\"}"));
    }

    private static List<String> jobIds(Reply reply) {
        List<String> ids = new ArrayList<>();
        for (JsonNode job : reply.json().get("jobs")) {
            ids.add(job.get("job_id").asText());
        }
        return ids;
    }
}
