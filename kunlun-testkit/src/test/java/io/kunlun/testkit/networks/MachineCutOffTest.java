package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.TempDirs;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.netns.NamespaceMachine;
import io.kunlun.testkit.netns.TestNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real partition: the link of one machine of a cluster (each machine in a network namespace of
 * its own) is cut, so nothing from the manager reaches it while its instances run on. The health
 * monitor, checking every second, shows that machine's instances unreachable and every other one
 * as it was; once the link is back they are active again, and the cluster is as before the cut.
 */
class MachineCutOffTest {
    /** Each check of a cut machine waits out an SSH timeout of a few seconds, instance after instance. */
    private static final Duration SHOWN_WITHIN = Duration.ofSeconds(30);
    private static final int SSH_CONNECT_TIMEOUT_SECONDS = 3;

    static TestNetwork network;
    static Path knownHostsDirectory;
    static TestManager manager;
    static List<LoopbackMachine> machines;

    @BeforeAll
    static void startManagerCheckingEverySecond() {
        network = TestNetwork.start(2);
        knownHostsDirectory = TempDirs.create("kunlun-cut-off-known-hosts-");
        manager = TestManager.builder().configure(config -> config.withHealthIntervalSeconds(1)
                .withSsh(network.sshConfig(knownHostsDirectory.resolve("known_hosts"), SSH_CONNECT_TIMEOUT_SECONDS)))
                .build().start();
        machines = network.machines().stream().map(NamespaceMachine::machine).toList();
        ClusterFixture.register(manager, machines);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (manager != null) {
                manager.close();
            }
        } finally {
            try {
                if (network != null) {
                    network.close();
                }
            } finally {
                if (knownHostsDirectory != null) {
                    TempDirs.delete(knownHostsDirectory);
                }
            }
        }
    }

    @Test
    void instancesOfACutOffMachineAreShownUnreachableAndActiveAgainOnceItIsBackWithNothingElseChanged()
            throws Exception {
        String cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 2, 2, machines);
        List<JsonNode> before = instances(cluster);
        assertThat(before).extracting(instance -> instance.get("status").asText()).containsOnly("active");
        NamespaceMachine replicaMachine = network.machines().stream()
                .filter(machine -> machine.address().equals(replicaOf(before).get("ip").asText()))
                .findFirst().orElseThrow();
        Predicate<JsonNode> onTheCutMachine = instance -> instance.get("ip").asText().equals(replicaMachine.address());
        List<JsonNode> othersBefore = before.stream().filter(onTheCutMachine.negate()).toList();
        assertThat(othersBefore).as("instances on the other machine").isNotEmpty();

        replicaMachine.cut();
        try {
            List<JsonNode> cut = await(cluster, instances -> instances.stream().filter(onTheCutMachine)
                    .allMatch(instance -> instance.get("status").asText().equals("unreachable")));
            assertThat(cut.stream().filter(onTheCutMachine.negate()).toList()).isEqualTo(othersBefore);
            assertThat(cut.stream().filter(onTheCutMachine).toList()).extracting(MachineCutOffTest::withoutStatus)
                    .isEqualTo(before.stream().filter(onTheCutMachine).map(MachineCutOffTest::withoutStatus).toList());
        } finally {
            replicaMachine.restore();
        }

        assertThat(await(cluster, instances -> instances.stream()
                .allMatch(instance -> instance.get("status").asText().equals("active")))).isEqualTo(before);
        assertThat(ClusterFixture.deleteCluster(manager, cluster).result()).isEqualTo("done");
    }

    /** Every storage node and comp of the cluster, as get_storage and get_computer show them. */
    private static List<JsonNode> instances(String cluster) {
        return Stream.concat(ClusterFixture.storageNodes(manager.client(), cluster).stream(),
                ClusterFixture.comps(manager.client(), cluster).stream()).toList();
    }

    private static JsonNode replicaOf(List<JsonNode> instances) {
        return instances.stream().filter(instance -> instance.path("role").asText().equals("replica")).findFirst()
                .orElseThrow(() -> new AssertionError("no replica in " + instances));
    }

    private static JsonNode withoutStatus(JsonNode instance) {
        ObjectNode copy = instance.deepCopy();
        copy.remove("status");
        return copy;
    }

    /** The cluster's instances once they satisfy the condition, or as they are after the bound (then it fails). */
    private static List<JsonNode> await(String cluster, Predicate<List<JsonNode>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + SHOWN_WITHIN.toNanos();
        List<JsonNode> instances = instances(cluster);
        while (!condition.test(instances) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            instances = instances(cluster);
        }
        assertThat(condition.test(instances)).as("within " + SHOWN_WITHIN.toSeconds() + " s: " + instances).isTrue();
        return instances;
    }
}
