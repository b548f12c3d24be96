package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.ClusterAccounts;
import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Parallel;

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
public final class NetworkGrants {
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
        requireRunning(existing, networks, "refuse the cluster's accounts from");
        for (String network : networks) {
            context.willDo(RevokeNetwork.NAME, new RevokeNetwork.Grant(network, existing, users.userNames()));
        }
        Parallel.run(existing.stream().<Runnable>map(instance -> () -> ClusterBuilder.naming(place(instance),
                () -> networks.forEach(network -> allow(instance, users, network)))).toList());
    }

    /**
     * Refuses a removal that would have to let a machine out of an instance that is not running:
     * skipped, that instance would go on letting the cluster's accounts in from the machine once
     * started, and no later job would take the grant back. Part of the delete jobs' check, so the
     * job fails before anything is unlinked, revoked or removed.
     */
    void requireRevocable(ClusterTable clusters, String clusterName, List<Instance> removed) {
        Departure departure = departure(clusters, clusterName, removed);
        if (!departure.networks().isEmpty()) {
            requireRunning(departure.remaining(), departure.networks(), "go on letting the cluster's accounts in from");
        }
    }

    /**
     * For each client network that only the instances about to be removed are on: revokes it on
     * every other instance of the cluster at once, storage and comps. Runs just before the removal,
     * while the instances to remove are still registered, so that a run cut off anywhere and run
     * again finds them and revokes again (revoking twice is harmless), and one that finds them gone
     * had revoked already.
     */
    void revokeDeparting(ClusterTable clusters, String clusterName, List<Instance> removed) {
        Departure departure = departure(clusters, clusterName, removed);
        if (departure.networks().isEmpty()) {
            return;
        }
        List<String> userNames = ClusterAccounts.users(clusters.credentials(clusterName).values(),
                departure.remaining()).userNames();
        Parallel.run(departure.remaining().stream().<Runnable>map(instance -> () -> ClusterBuilder.naming(
                place(instance), () -> departure.networks().forEach(network -> revoke(instance, userNames, network))))
                .toList());
    }

    /** The instances that stay, and the networks only the removed ones are on. */
    private record Departure(List<Instance> remaining, List<String> networks) {
    }

    private static Departure departure(ClusterTable clusters, String clusterName, List<Instance> removed) {
        List<String> leaving = removed.stream().map(Instance::address).toList();
        List<Instance> remaining = clusters.instances(clusterName).stream()
                .filter(instance -> !leaving.contains(instance.address())).toList();
        return new Departure(remaining, ClusterAccounts.departingNetworks(remaining, removed));
    }

    /**
     * Every instance is looked at, at once; the job fails naming one that is not running, since
     * its grants cannot change now and it would {@code effect} the networks once started.
     */
    private void requireRunning(List<Instance> instances, List<String> networks, String effect) {
        Parallel.run(instances.stream().<Runnable>map(instance -> () -> ClusterBuilder.naming(place(instance), () -> {
            if (!drivers.isRunning(instance)) {
                throw ManagerException.refused(instance.address() + " is not running, so it would " + effect + " "
                        + String.join(", ", networks) + "; start it, then run the job again");
            }
        })).toList());
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
