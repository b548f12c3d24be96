package io.kunlun.testkit.healing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Killing instances behind the manager's back, list_events and switchover requests, for the healing tests. */
final class HealingRequests {
    private HealingRequests() {
    }

    /** SIGKILLs the server of an instance of a getter's reply (mariadbd or the postmaster) and waits until it is gone. */
    static void kill(List<LoopbackMachine> machines, JsonNode instance, boolean storage) throws Exception {
        LoopbackMachine machine = ClusterFixture.machineOf(machines, instance);
        int port = instance.get("port").asInt();
        ProcessHandle server = storage ? InstanceTraces.storageServer(machine, port)
                : InstanceTraces.compServer(machine, port);
        server.destroyForcibly();
        server.onExit().get(30, TimeUnit.SECONDS);
    }

    /** list_events' entries, newest first. */
    static List<JsonNode> events(TestManager manager, String cluster) {
        List<JsonNode> events = new ArrayList<>();
        ClusterFixture.query(manager, "list_events", cluster).get("events").forEach(events::add);
        return events;
    }

    static ObjectNode switchover(String cluster, String shard) {
        return ClusterFixture.job("switchover", cluster).put("shard_name", shard);
    }

    static ObjectNode switchover(String cluster, String shard, JsonNode target) {
        return switchover(cluster, shard).put("ip", target.get("ip").asText()).put("port", target.get("port").asText());
    }

    /** Polls the instance (a fresh getter entry each time) until its status is {@code status}; fails past {@code within}. */
    static JsonNode awaitStatus(Supplier<JsonNode> instance, String status, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode seen = instance.get();
        while (!seen.get("status").asText().equals(status)) {
            assertThat(System.nanoTime()).as("status " + status + " within " + within.toSeconds() + " s; last seen " + seen)
                    .isLessThan(deadline);
            Thread.sleep(100);
            seen = instance.get();
        }
        return seen;
    }

    /** How many events of a kind list_events shows for the instance. */
    static long eventCount(TestManager manager, String cluster, JsonNode instance, String kind) {
        return events(manager, cluster).stream()
                .filter(event -> event.get("instance").asText().equals(ClusterFixture.address(instance)))
                .filter(event -> event.get("kind").asText().equals(kind)).count();
    }

    /**
     * Waits until list_events shows one more event of the kind for the instance than
     * {@code before}; answers that newest event. Fails past {@code within}.
     */
    static JsonNode awaitEvent(TestManager manager, String cluster, JsonNode instance, String kind, long before,
                               Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (eventCount(manager, cluster, instance, kind) <= before) {
            assertThat(System.nanoTime()).as("a " + kind + " event of " + ClusterFixture.address(instance)
                    + " within " + within.toSeconds() + " s; events: " + events(manager, cluster)).isLessThan(deadline);
            Thread.sleep(100);
        }
        return events(manager, cluster).stream()
                .filter(event -> event.get("instance").asText().equals(ClusterFixture.address(instance)))
                .filter(event -> event.get("kind").asText().equals(kind)).findFirst().orElseThrow();
    }
}
