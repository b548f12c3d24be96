package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.model.Instance;

import java.util.List;

/**
 * An instance lets the cluster's accounts in from the machines the cluster had when it was
 * installed (see {@link ClusterAccounts}). A job that brings instances onto a machine the cluster
 * never used lets that machine in on every instance already there first, storage and comps: a new
 * replica there replicates from a primary, a new comp's links reach the primaries, and a node
 * seeded from a backup inherits the accounts of the instance it was taken from. A job that removes
 * the cluster's last instances on a machine lets that machine out again.
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

    /**
     * For each client network that only the instances about to be removed are on: revokes it on
     * every other instance of the cluster at once, storage and comps. Runs just before the removal,
     * while the instances to remove are still registered, so that a run cut off anywhere and run
     * again finds them and revokes again (revoking twice is harmless), and one that finds them gone
     * had revoked already. An instance that is not running cannot revoke: every instance is looked
     * at first, and the job fails naming the one that is not, before any grant is touched and
     * before anything is removed; it runs again once that instance is started.
     */
    void revokeDeparting(ClusterTable clusters, String clusterName, List<Instance> removed) {
        List<String> leaving = removed.stream().map(Instance::address).toList();
        List<Instance> remaining = clusters.instances(clusterName).stream()
                .filter(instance -> !leaving.contains(instance.address())).toList();
        List<String> networks = ClusterAccounts.departingNetworks(remaining, removed);
        if (networks.isEmpty()) {
            return;
        }
        List<String> userNames = ClusterAccounts.users(clusters.credentials(clusterName).values(), remaining)
                .userNames();
        Parallel.run(remaining.stream().<Runnable>map(instance -> () -> ClusterBuilder.naming(place(instance), () -> {
            if (!drivers.isRunning(instance)) {
                throw ManagerException.refused(instance.address() + " is not running, so it would go on letting the"
                        + " cluster's accounts in from " + String.join(", ", networks)
                        + "; start it, then run the job again");
            }
        })).toList());
        Parallel.run(remaining.stream().<Runnable>map(instance -> () -> ClusterBuilder.naming(place(instance),
                () -> networks.forEach(network -> revoke(instance, userNames, network)))).toList());
    }

    private void allow(Instance instance, ClusterUsers users, String network) {
        switch (instance.kind()) {
            case STORAGE -> drivers.storage(instance.hostaddr()).allowNetwork(drivers.storageNode(instance), users,
                    network);
            case COMP -> drivers.compute(instance.hostaddr()).allowNetwork(drivers.computeNode(instance), network);
        }
    }

    /** The accounts of those user names no longer come in from the network; never granted is no error. */
    void revoke(Instance instance, List<String> userNames, String network) {
        switch (instance.kind()) {
            case STORAGE -> drivers.storage(instance.hostaddr()).revokeNetwork(drivers.storageNode(instance),
                    userNames, network);
            case COMP -> drivers.compute(instance.hostaddr()).revokeNetwork(drivers.computeNode(instance), network);
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
