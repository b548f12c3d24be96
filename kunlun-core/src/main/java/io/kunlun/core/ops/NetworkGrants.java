package io.kunlun.core.ops;

import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.model.Instance;

import java.util.List;

/**
 * An instance lets the cluster's accounts in from the machines the cluster had when it was
 * installed (see {@link ClusterAccounts}). A job that brings instances onto a machine the cluster
 * never used lets that machine in on every instance already there first, storage and comps: a new
 * replica there replicates from a primary, a new comp's links reach the primaries, and a node
 * seeded from a backup inherits the accounts of the instance it was taken from.
 */
final class NetworkGrants {
    private final Drivers drivers;

    NetworkGrants(Drivers drivers) {
        this.drivers = drivers;
    }

    /**
     * For each client network the added instances bring that the existing ones do not allow:
     * records how to revoke it from the existing instances, then allows it on all of them at once.
     * Runs before anything of the added instances is installed.
     */
    void allowNew(List<Instance> existing, List<Instance> added, ClusterUsers users, JobContext context) {
        List<String> networks = ClusterAccounts.newNetworks(existing, added);
        if (networks.isEmpty()) {
            return;
        }
        for (String network : networks) {
            context.willDo(RevokeNetwork.NAME, new RevokeNetwork.Grant(network, existing, users.userNames()));
        }
        Parallel.run(existing.stream().<Runnable>map(instance -> () -> ClusterBuilder.naming(place(instance),
                () -> networks.forEach(network -> allow(instance, users, network)))).toList());
    }

    private void allow(Instance instance, ClusterUsers users, String network) {
        switch (instance.kind()) {
            case STORAGE -> drivers.storage(instance.hostaddr()).allowNetwork(drivers.storageNode(instance), users,
                    network);
            case COMP -> drivers.compute(instance.hostaddr()).allowNetwork(drivers.computeNode(instance), network);
        }
    }

    /** How failures name an instance before its address: {@code shard2 node } or {@code comp1 }. */
    static String place(Instance instance) {
        return switch (instance.kind()) {
            case STORAGE -> instance.shardName().orElseThrow() + " node ";
            case COMP -> instance.compName().orElseThrow() + " ";
        };
    }
}
