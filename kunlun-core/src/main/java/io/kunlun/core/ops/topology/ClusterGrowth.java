package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.BuildPlan;
import io.kunlun.core.ops.clusters.ClusterAccounts;
import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.InstancePlanning;

import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Cluster;
import io.kunlun.model.Instance;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What add_shards and add_comps share: new instances placed with the cluster's own spec (ha_mode,
 * nodes per shard, sizes), installed and wired to the comps and shards already there.
 */
public final class ClusterGrowth {
    /** The new instances, and the cluster's instances when they were planned. */
    record Plan(BuildPlan build, List<Instance> existing) {
    }

    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;

    ClusterGrowth(MetadataStore store, Hosts hosts, Drivers drivers) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
    }

    Plan plan(Cluster cluster, List<String> shardNames, List<String> compNames, Optional<List<String>> machineList,
              JobContext context) {
        context.step("planning " + String.join(";", shardNames) + String.join(";", compNames), 0, 1);
        BuildPlan build = new InstancePlanning(store, hosts, drivers).plan(cluster.name(), cluster.spec(), shardNames,
                compNames, machineList);
        return new Plan(build, store.clusters().instances(cluster.name()));
    }

    /**
     * Lets the new instances' machines in on the cluster's instances, registers the new shards
     * (each after recording how to forget it), then builds; {@link #complete} follows.
     */
    void run(Plan plan, JobContext context) {
        BuildPlan build = plan.build();
        int total = steps(build);
        List<Instance> everything = new ArrayList<>(plan.existing());
        everything.addAll(build.all());
        ClusterUsers users = ClusterAccounts.users(store.clusters().credentials(build.clusterName()).values(),
                everything);
        context.step("allowing the new instances' machines on the cluster's instances", 0, total);
        new NetworkGrants(drivers).allowNew(plan.existing(), build.all(), users, context);
        context.step("registering " + build.all().size() + " instances", 1, total);
        for (BuildPlan.Shard shard : build.shards()) {
            context.willDo(DeleteShardRow.NAME, new DeleteShardRow.ShardRow(build.clusterName(), shard.name()));
            store.clusters().insertShard(build.clusterName(), shard.name());
        }
        new ClusterBuilder(store, drivers).build(build, plan.existing(), users, context, 2, total);
    }

    /** Completes the job's run with {@code info} once {@link #run} built the plan, see {@link ClusterBuilder#complete}. */
    String complete(Plan plan, String info, JobContext context) {
        return new ClusterBuilder(store, drivers).complete(plan.build(), info, context, steps(plan.build()));
    }

    private static int steps(BuildPlan build) {
        return 2 + ClusterBuilder.steps(build);
    }
}
