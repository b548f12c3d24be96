package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.BuildPlan;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Names;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;
import io.kunlun.core.ops.backup.StopArchiving;

import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Cluster;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Map;

/**
 * add_shards: new shards like the cluster's others (its ha_mode, nodes per shard and sizes),
 * named on from its highest shard number, and linked to every comp. A failure takes back the
 * instances, the rows and the links.
 */
public final class AddShards implements Operation<JobRequest.AddShards, ClusterGrowth.Plan> {
    private final MetadataStore store;
    private final ClusterGrowth growth;
    private final BinlogArchiving archiving;

    public AddShards(MetadataStore store, Hosts hosts, Drivers drivers, BinlogArchiving archiving) {
        this.store = store;
        this.archiving = archiving;
        this.growth = new ClusterGrowth(store, hosts, drivers);
    }

    @Override
    public JobType type() {
        return JobType.ADD_SHARDS;
    }

    @Override
    public String lockKey(JobRequest.AddShards request) {
        return "cluster:" + request.name();
    }

    @Override
    public ClusterGrowth.Plan check(JobRequest.AddShards request, JobContext context) {
        Cluster cluster = store.clusters().requireCluster(request.name());
        List<String> names = Names.next("shard", store.clusters().shards(cluster.name()), request.shards());
        return growth.plan(cluster, names, List.of(), request.machineList(), context);
    }

    @Override
    public Map<String, Object> describe(ClusterGrowth.Plan plan) {
        return PlanDescription.adding(plan.build().clusterName(), plan.build().all());
    }

    @Override
    public String run(JobRequest.AddShards request, ClusterGrowth.Plan plan, JobContext context) {
        growth.run(plan, context);
        List<String> shards = plan.build().shards().stream().map(BuildPlan.Shard::name).toList();
        StopArchiving.prepareArchiving(archiving, request.name(), shards, context);
        String info = growth.complete(plan, String.join(";", shards), context);
        StopArchiving.startArchivers(archiving, request.name(), shards);
        return info;
    }
}
