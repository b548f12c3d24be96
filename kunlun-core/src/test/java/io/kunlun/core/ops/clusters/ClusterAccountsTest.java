package io.kunlun.core.ops.clusters;

import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

public class ClusterAccountsTest {
    @Test
    void theClientNetworksAreTheMachinesBesidesLoopbackEachByItsAddressAlone() {
        List<Instance> instances = List.of(storage("127.0.0.2"), storage("10.0.0.5"), comp("10.0.0.5"),
                comp("192.168.7.9"), storage("localhost"));

        assertThat(ClusterAccounts.networks(instances)).containsExactly("10.0.0.5/32", "192.168.7.9/32");
    }

    @Test
    void newNetworksAreTheNewInstancesMachinesThatNoExistingInstanceRunsOn() {
        List<Instance> existing = List.of(storage("127.0.0.2"), storage("10.0.0.5"), comp("10.0.0.7"));
        List<Instance> added = List.of(storage("10.0.0.6"), storage("10.0.0.5"), comp("10.0.0.6"),
                comp("127.0.0.3"), comp("10.0.0.7"), storage("10.0.0.8"));

        assertThat(ClusterAccounts.newNetworks(existing, added)).containsExactly("10.0.0.6/32", "10.0.0.8/32");
    }

    @Test
    void instancesOnLoopbackOrOnTheClustersMachinesBringNoNewNetwork() {
        List<Instance> existing = List.of(storage("127.0.0.2"), comp("10.0.0.5"));

        assertThat(ClusterAccounts.newNetworks(existing, List.of(storage("127.0.0.9"), storage("10.0.0.5"))))
                .isEmpty();
    }

    @Test
    void departingNetworksAreTheRemovedInstancesMachinesThatNoRemainingInstanceRunsOn() {
        List<Instance> remaining = List.of(storage("127.0.0.2"), storage("10.0.0.5"), comp("10.0.0.7"));
        List<Instance> removed = List.of(comp("10.0.0.6"), storage("10.0.0.5"), storage("10.0.0.6"),
                comp("127.0.0.3"), storage("10.0.0.7"), comp("10.0.0.8"));

        assertThat(ClusterAccounts.departingNetworks(remaining, removed)).containsExactly("10.0.0.6/32", "10.0.0.8/32");
    }

    @Test
    void removingInstancesFromLoopbackOrFromMachinesThatKeepAnInstanceLeavesNoNetwork() {
        List<Instance> remaining = List.of(storage("127.0.0.2"), comp("10.0.0.5"));

        assertThat(ClusterAccounts.departingNetworks(remaining, List.of(storage("127.0.0.9"), storage("10.0.0.5"))))
                .isEmpty();
    }

    @Test
    void removingTheOnlyInstancesOfAMachineLeavesItsNetworkEvenWhenNothingRemainsElsewhere() {
        assertThat(ClusterAccounts.departingNetworks(List.of(), List.of(storage("10.0.0.5"), comp("10.0.0.5"))))
                .containsExactly("10.0.0.5/32");
    }

    public static Instance storage(String hostaddr) {
        return new Instance(hostaddr, 57001, "cluster1", InstanceKind.STORAGE, Optional.of("shard1"),
                Optional.empty(), Optional.of(Role.REPLICA), InstanceStatus.ACTIVE, 57002, 57003, "/d/57001",
                "/l/57001", "/w/57001");
    }

    public static Instance comp(String hostaddr) {
        return new Instance(hostaddr, 47001, "cluster1", InstanceKind.COMP, Optional.empty(), Optional.of("comp1"),
                Optional.empty(), InstanceStatus.ACTIVE, 0, 0, "/c/47001", "/c/47001", "/c/47001");
    }
}
