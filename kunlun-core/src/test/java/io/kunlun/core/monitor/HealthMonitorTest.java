package io.kunlun.core.monitor;

import io.kunlun.core.meta.EmbeddedStore;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Health rounds of the real monitor over instances in a real store, its probes fakes. */
class HealthMonitorTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);
    /** The most any expectation is waited for: many rounds. */
    private static final Duration AT_MOST = Duration.ofSeconds(15);

    @RegisterExtension
    final EmbeddedStore meta = new EmbeddedStore();

    /** A no_rep cluster of one shard, a storage node at {@code port} on each machine, recorded unreachable. */
    private List<Instance> unreachableCluster(String name, int port, String... machines) {
        meta.store().clusters().insertCluster(name, new ClusterSpec(HaMode.NO_REP, 1, 10, 1000, 2, 1), "test",
                List.of());
        meta.store().clusters().insertShard(name, "shard1");
        return Arrays.stream(machines).map(machine -> {
            Instance instance = FakeProbedMonitor.instance(machine, port, name, InstanceKind.STORAGE,
                    Optional.of("shard1"), Optional.of(Role.PRIMARY), InstanceStatus.UNREACHABLE);
            meta.store().clusters().insertInstance(instance);
            return instance;
        }).toList();
    }

    private InstanceStatus recorded(Instance instance) {
        return meta.store().clusters().findInstance(instance.hostaddr(), instance.port()).orElseThrow().status();
    }

    private static boolean within(Duration bound, BooleanSupplier done) throws InterruptedException {
        long until = System.nanoTime() + bound.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > until) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Test
    void theInstancesOfEveryClusterAreCheckedAndRecordedActive() throws Exception {
        List<Instance> first = unreachableCluster("first", 6001, "127.71.0.1", "127.71.0.2");
        List<Instance> second = unreachableCluster("second", 6011, "127.71.0.1", "127.71.0.3");
        FakeProbes probes = new FakeProbes(Duration.ZERO);
        try (FakeProbedMonitor monitor = FakeProbedMonitor.started(meta.store(), meta.home(), probes, INTERVAL, 2)) {
            assertThat(within(AT_MOST, () -> first.stream().allMatch(i -> recorded(i) == InstanceStatus.ACTIVE)
                    && second.stream().allMatch(i -> recorded(i) == InstanceStatus.ACTIVE)))
                    .as("every instance of both clusters recorded active").isTrue();
        }
    }

    @Test
    void aMachineWhoseProbeNeverReturnsDoesNotStallTheRoundsOfTheOthers() throws Exception {
        List<Instance> instances = unreachableCluster("c", 6001, "127.71.1.1", "127.71.1.2", "127.71.1.3");
        FakeProbes probes = new FakeProbes(Duration.ofMillis(1)).hanging("127.71.1.1");
        FakeProbedMonitor monitor = FakeProbedMonitor.started(meta.store(), meta.home(), probes, INTERVAL, 2);
        try {
            boolean othersCheckedAgainAndAgain = within(AT_MOST, () -> instances.subList(1, 3).stream()
                    .allMatch(i -> probes.answered.getOrDefault(i.address(), 0) >= 5));

            assertThat(othersCheckedAgainAndAgain).as("the other machines' instances answered in 5 rounds").isTrue();
            assertThat(probes.answered).as("the hung machine's instance was never probed past its listing")
                    .doesNotContainKey(instances.get(0).address());
            assertThat(recorded(instances.get(1))).isEqualTo(InstanceStatus.ACTIVE);
        } finally {
            probes.release(); // before the close, which would wait for the hung check
            monitor.close();
        }
    }

    @Test
    void noMoreMachinesAreCheckedAtOnceThanItsConcurrency() throws Exception {
        String[] machines = {"127.71.2.1", "127.71.2.2", "127.71.2.3", "127.71.2.4", "127.71.2.5", "127.71.2.6"};
        List<Instance> instances = unreachableCluster("c", 6001, machines);
        FakeProbes probes = new FakeProbes(Duration.ofMillis(30));
        try (FakeProbedMonitor monitor = FakeProbedMonitor.started(meta.store(), meta.home(), probes, INTERVAL, 2)) {
            assertThat(within(AT_MOST, () -> instances.stream().allMatch(i -> probes.answered.containsKey(i.address()))))
                    .as("every machine checked").isTrue();

            assertThat(probes.mostMachinesAtOnce.get()).isEqualTo(2);
        }
    }
}
