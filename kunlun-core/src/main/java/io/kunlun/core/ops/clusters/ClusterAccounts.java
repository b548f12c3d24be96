package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Names;

import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.Credential;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.model.Instance;

import java.util.Collection;
import java.util.List;

/** A cluster's recorded accounts as the engines take them, for every job that installs instances. */
public final class ClusterAccounts {
    private ClusterAccounts() {
    }

    /** A new cluster's accounts, each with a new password: what create_cluster records. */
    public static List<ClusterTable.Credential> newCredentials() {
        return List.of(new ClusterTable.Credential("admin", "kunlun_admin", Names.newPassword()),
                new ClusterTable.Credential("repl", "kunlun_repl", Names.newPassword()),
                new ClusterTable.Credential("monitor", "kunlun_monitor", Names.newPassword()));
    }

    /** The cluster's accounts, for every machine the cluster runs on now. */
    public static ClusterUsers ofCluster(ClusterTable clusters, String clusterName) {
        return users(clusters.credentials(clusterName).values(), clusters.instances(clusterName));
    }

    /**
     * The accounts, usable from every machine of the given instances that is not this one
     * (connections between loopback addresses arrive from loopback, which is always allowed).
     */
    public static ClusterUsers users(Collection<ClusterTable.Credential> credentials, Collection<Instance> instances) {
        Credential admin = null;
        Credential repl = null;
        Credential monitor = null;
        for (ClusterTable.Credential credential : credentials) {
            Credential account = new Credential(credential.user(), credential.password());
            switch (credential.purpose()) {
                case "admin" -> admin = account;
                case "repl" -> repl = account;
                case "monitor" -> monitor = account;
                default -> throw new IllegalStateException("unknown account purpose " + credential.purpose());
            }
        }
        return new ClusterUsers(admin, repl, monitor, networks(instances));
    }

    /**
     * The client networks of the instances' machines: each machine that is not this one, by its
     * IPv4 address alone ({@code /32}).
     */
    static List<String> networks(Collection<Instance> instances) {
        return instances.stream().map(Instance::hostaddr).distinct()
                .filter(hostaddr -> !Hosts.isLocal(hostaddr) && hostaddr.matches("[0-9.]+"))
                .map(hostaddr -> hostaddr + "/32").toList();
    }

    /** The client networks new instances bring that the cluster's instances do not allow yet. */
    public static List<String> newNetworks(Collection<Instance> existing, Collection<Instance> added) {
        return networksOnlyOf(added, existing);
    }

    /**
     * The client networks that instances about to be removed leave behind: the machines where
     * none of the cluster's remaining instances runs.
     */
    public static List<String> departingNetworks(Collection<Instance> remaining, Collection<Instance> removed) {
        return networksOnlyOf(removed, remaining);
    }

    /** The client networks of {@code instances} that none of {@code others} is on. */
    private static List<String> networksOnlyOf(Collection<Instance> instances, Collection<Instance> others) {
        List<String> othersNetworks = networks(others);
        return networks(instances).stream().filter(network -> !othersNetworks.contains(network)).toList();
    }
}
