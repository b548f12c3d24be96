package io.kunlun.testkit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** list_machines over HTTP pages through every machine, by hostaddr, with limit, after and next_after. */
class ListMachinesPagingTest {
    @RegisterExtension
    static TestManager manager = TestManager.create();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.201", "127.0.0.203");

    @BeforeAll
    static void threeMachines() {
        for (String jobId : List.of("m-1", "m-2", "m-3")) {
            assertThat(manager.submitAndAwait(machines.take().createMachineJson(jobId)).result()).isEqualTo("done");
        }
    }

    @Test
    void aFullPageNamesWhereTheNextStartsAndTheLastPageDoesNot() {
        Reply first = manager.post("{\"job_type\":\"list_machines\",\"limit\":\"2\"}");
        assertThat(hostaddrs(first)).containsExactly("127.0.0.201", "127.0.0.202");
        assertThat(first.text("next_after")).hasValue("127.0.0.202");

        Reply last = manager.post("{\"job_type\":\"list_machines\",\"limit\":\"2\",\"after\":\"127.0.0.202\"}");
        assertThat(hostaddrs(last)).containsExactly("127.0.0.203");
        assertThat(last.json().has("machine0")).isTrue();
        assertThat(last.text("next_after")).isEmpty();
    }

    @Test
    void withoutALimitASmallFleetIsOneReplyAsBeforePaging() {
        Reply all = manager.post("{\"job_type\":\"list_machines\"}");

        assertThat(all.json().fieldNames()).toIterable().containsExactly("machine0", "machine1", "machine2");
    }

    @Test
    void aPageAfterAnAddressNoMachineHasStartsAtTheNextOne() {
        Reply page = manager.post("{\"job_type\":\"list_machines\",\"after\":\"127.0.0.201a\"}");

        assertThat(hostaddrs(page)).containsExactly("127.0.0.202", "127.0.0.203");
    }

    @Test
    void aLimitBeyondAPageIsRefused() {
        assertThat(manager.post("{\"job_type\":\"list_machines\",\"limit\":\"1001\"}")).isEqualTo(Reply.of(400,
                "{\"result\":\"failed\",\"info\":\"limit must be an integer from 1 to 1000, got \\\"1001\\\"\"}"));
    }

    @Test
    void anAfterThatIsNoAddressIsRefused() {
        assertThat(manager.post("{\"job_type\":\"list_machines\",\"after\":\"127.0.0.202; DROP\"}")).isEqualTo(
                Reply.of(400, "{\"result\":\"failed\",\"info\":\"after must be the hostaddr the previous page ended"
                        + " with (an IPv4 address or a host name), got \\\"127.0.0.202; DROP\\\"\"}"));
    }

    private static List<String> hostaddrs(Reply reply) {
        List<String> hosts = new ArrayList<>();
        reply.json().fields().forEachRemaining(field -> {
            if (field.getKey().startsWith("machine")) {
                hosts.add(field.getValue().get("hostaddr").asText());
            }
        });
        return hosts;
    }
}
