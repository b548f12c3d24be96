package io.kunlun.testkit.instance;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.ClusterManager;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.PausedProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A storage instance frozen with SIGSTOP (its socket accepts, it never answers): get_variable on
 * it fails within the inline bound, and while more of those requests than the cap of requests
 * that reach instances wait on it, the getters that read only metadata answer at once.
 */
class FrozenInstanceRequestsTest {
    /** The inline bound (5 s) and the time to start the client and fail. */
    private static final Duration FAILED_WITHIN = ClusterManager.INLINE_SESSION_WAIT.plusSeconds(3);
    private static final Duration GETTER_WITHIN = Duration.ofSeconds(1);
    private static final int MORE_THAN_THE_CAP = 20;
    /** The client's connect timeout (5 s) runs out while it waits for the server's greeting. */
    private static final String FROZEN_REPLY = "%s: ERROR 2013 (HY000): Lost connection to server at 'handshake:"
            + " reading initial communication packet', system error: 110";
    private static final String BEYOND_THE_CAP = "16 requests that reach instances are in progress already;"
            + " try again later";

    @RegisterExtension
    static TestManager manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.252");

    @Test
    void getVariableOnAFrozenInstanceFailsWithinItsBoundWhileGettersKeepAnswering() throws Exception {
        LoopbackMachine machine = loopback.take();
        ClusterFixture.register(manager, List.of(machine));
        String cluster = ClusterFixture.createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(machine));
        JsonNode storage = ClusterFixture.storageNodes(manager.client(), cluster).get(0);

        try (PausedProcess frozen = PausedProcess.storageServer(machine, storage.get("port").asInt())) {
            long sent = System.nanoTime();
            Reply alone = InstanceRequests.getVariable(manager, storage, "max_connections");
            Duration took = Duration.ofNanos(System.nanoTime() - sent);
            assertThat(took).isLessThan(FAILED_WITHIN);
            assertThat(alone.result()).isEqualTo("false");
            assertThat(alone.info()).isEqualTo(FROZEN_REPLY.formatted(ClusterFixture.address(storage)));

            ExecutorService clients = Executors.newFixedThreadPool(MORE_THAN_THE_CAP);
            try {
                List<Future<Reply>> waiting = new ArrayList<>();
                for (int i = 0; i < MORE_THAN_THE_CAP; i++) {
                    waiting.add(clients.submit(() -> InstanceRequests.getVariable(manager, storage, "max_connections")));
                }
                Thread.sleep(500);
                for (String getter : List.of("get_cluster", "list_machines")) {
                    long asked = System.nanoTime();
                    Reply answer = manager.client().post("{\"job_type\":\"" + getter + "\"}");
                    assertThat(Duration.ofNanos(System.nanoTime() - asked)).as(getter).isLessThan(GETTER_WITHIN);
                    assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
                    assertThat(answer.body()).contains(getter.equals("get_cluster") ? cluster : machine.hostaddr());
                }
                List<Reply> replies = new ArrayList<>();
                for (Future<Reply> reply : waiting) {
                    replies.add(reply.get());
                }
                assertThat(replies).extracting(Reply::info).containsOnly(
                        FROZEN_REPLY.formatted(ClusterFixture.address(storage)), BEYOND_THE_CAP);
                assertThat(replies).extracting(Reply::info).filteredOn(BEYOND_THE_CAP::equals)
                        .hasSize(MORE_THAN_THE_CAP - 16);
            } finally {
                clients.shutdownNow();
            }
        }
        assertThat(ClusterFixture.deleteCluster(manager, cluster).result()).isEqualTo("done");
    }
}
