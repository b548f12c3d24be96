package io.kunlun.core.ops.instances;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Parallel;
import io.kunlun.core.ops.monitoring.UpdatePrometheus;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.InstanceMaker;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Removal of a cluster's instances for good, shared by the jobs that delete them: stops each one
 * and deletes its directories, forgets it and its ports as it goes, then looks on every machine
 * for what is left. An instance not removed stays registered, so that running the job again
 * finishes it.
 */
public final class InstanceRemoval {
    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;
    private final UpdatePrometheus prometheus;

    public InstanceRemoval(MetadataStore store, Hosts hosts, Drivers drivers, UpdatePrometheus prometheus) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
        this.prometheus = prometheus;
    }

    /**
     * Refuses to remove a shard or comp ({@code kind}) that the cluster does not have, or its
     * last one: a cluster without either serves nothing.
     */
    public static void checkRemovable(String clusterName, String kind, List<String> members, String name) {
        if (!members.contains(name)) {
            throw ManagerException.notFound("cluster " + clusterName + " has no " + kind + " named " + name);
        }
        if (members.size() == 1) {
            throw ManagerException.refused("cluster " + clusterName + " has only one " + kind + ", " + name
                    + "; delete the cluster instead");
        }
    }

    /** The job that created a registered instance: the one that reserved its ports for its cluster. */
    private String creatingJob(Instance instance) {
        ClusterTable.PortHolder holder = store.clusters().portHolder(instance.hostaddr(), instance.port())
                .orElseThrow(() -> ManagerException.refused(instance.address() + ": no reservation of its port;"
                        + " refusing to delete what the manager cannot tell it made"));
        if (!holder.owner().equals(instance.clusterName())) {
            throw ManagerException.refused(instance.address() + ": its port is held by " + holder.owner()
                    + ", not by cluster " + instance.clusterName() + "; refusing to delete it");
        }
        return holder.jobId();
    }

    /**
     * Removes the instances as {@link #remove} does, takes their exporters out of the Prometheus
     * targets, and fails with what is left of them if anything is.
     */
    public void removeAll(String what, List<Instance> instances, Consumer<Instance> removed) {
        List<String> leftovers = remove(instances, removed);
        prometheus.dropGoneTargets();
        if (!leftovers.isEmpty()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED,
                    what + " was not fully removed: " + String.join("; ", leftovers));
        }
    }

    /**
     * Removes the instances at once, telling {@code removed} of each; answers what is left of them
     * (its server process, a directory), empty when nothing is.
     */
    List<String> remove(List<Instance> instances, Consumer<Instance> removed) {
        Parallel.run(instances.stream().<Runnable>map(instance -> () -> {
            String maker = creatingJob(instance);
            InstanceMaker found = drivers.remove(instance, maker);
            if (found.foreignTo(maker)) {
                throw ManagerException.refused(instance.address() + ": refusing to delete " + instance.dataDir()
                        + ": it is " + found.describe() + ", not by job " + maker + ", which created the instance");
            }
            store.clusters().deleteInstance(instance.hostaddr(), instance.port(), Drivers.ports(instance));
            removed.accept(instance);
        }).toList());
        List<String> leftovers = new ArrayList<>();
        for (Instance instance : instances) {
            HostAccess host = hosts.get(instance.hostaddr());
            if (drivers.isRunning(instance)) {
                leftovers.add(instance.address() + " is still running");
            }
            for (String directory : Drivers.directories(instance)) {
                if (host.exists(directory)) {
                    leftovers.add(instance.hostaddr() + ":" + directory + " still exists");
                }
            }
        }
        return leftovers;
    }
}
